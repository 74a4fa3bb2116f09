// Which loop device a file backs: /sys/block/loopN/loop/backing_file names the file each
// attached loop device reads and writes (util-linux's `losetup -j FILE` reads the same). Asked
// when a write lease is refused (dig-holes): the kernel's loop driver holds the file open, so
// fuser and lsof, which the refusal would point to, name no process.

import * as fs from 'node:fs';

const SYS_BLOCK = '/sys/block';

/** The loop devices (`/dev/loopN`) attached to the file with this device and inode number, in name order; [] where none or unreadable. */
export function loopDevicesBacking(dev: bigint, ino: bigint): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(SYS_BLOCK).filter((n) => /^loop\d+$/.test(n));
  } catch {
    return [];
  }
  const found: string[] = [];
  for (const n of names.sort((a, b) => Number(a.slice(4)) - Number(b.slice(4)))) {
    let backing: Buffer; // (bytes: the kernel writes the name as it is, which need not be UTF-8)
    try {
      const b = fs.readFileSync(`${SYS_BLOCK}/${n}/loop/backing_file`);
      backing = b.subarray(0, b.at(-1) === 0x0a ? -1 : b.length);
    } catch {
      continue; // (not attached: no loop/ folder)
    }
    // (the kernel writes a path, " (deleted)" after it once the name is gone: no name to stat then)
    const st = fs.statSync(backing, { bigint: true, throwIfNoEntry: false });
    if (st && st.dev === dev && st.ino === ino) found.push(`/dev/${n}`);
  }
  return found;
}
