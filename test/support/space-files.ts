// Helpers of the space tests on loop-mounted file systems (test/linux/space*.test.ts): files of
// random data, overwriting part of one, free space once a file system has settled, and the data
// btrfs holds, and engine.space of some paths with an engine of its own.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import { createEngine, type SpaceResult } from '../../src/engine';

export const MiB = 1024 * 1024;

export function randomFile(p: string, bytes: number): void {
  const buf = Buffer.alloc(bytes);
  for (let i = 0; i < bytes; i += 65536) buf.set(randomBytes(Math.min(65536, bytes - i)), i);
  fs.writeFileSync(p, buf);
}

/** Overwrite `bytes` at `offset` with new random data (unsharing those blocks). */
export function overwrite(p: string, offset: number, bytes: number): void {
  const fd = fs.openSync(p, 'r+');
  fs.writeSync(fd, randomBytes(bytes), 0, bytes, offset);
  fs.fsyncSync(fd);
  fs.closeSync(fd);
}

export function freeBytes(mountPoint: string): bigint {
  const s = fs.statfsSync(mountPoint, { bigint: true });
  return s.bfree * s.bsize;
}

/** Free space once the file system has settled after deletes (XFS frees inodes in the background). */
export async function settledFree(mountPoint: string, syncCmd: string[]): Promise<bigint> {
  let last = -1n;
  for (let i = 0; i < 40; i++) {
    execFileSync(syncCmd[0], syncCmd.slice(1));
    const now = freeBytes(mountPoint);
    if (now === last) return now;
    last = now;
    await new Promise((r) => setTimeout(r, 100));
  }
  return last;
}

/** The data btrfs holds on `mountPoint` (`btrfs filesystem df -b`, the Data line's used=), after a sync. */
export function btrfsDataUsed(mountPoint: string): bigint {
  execFileSync('btrfs', ['filesystem', 'sync', mountPoint]);
  const m = /^Data\b.*used=(\d+)/m.exec(execFileSync('btrfs', ['filesystem', 'df', '-b', mountPoint], { encoding: 'utf8' }));
  assert.ok(m, 'btrfs filesystem df -b has a Data line');
  return BigInt(m[1]);
}

/** engine.space of `paths`, with an engine made for it and disposed of. */
export async function spaceOf(paths: string[]): Promise<SpaceResult> {
  const engine = createEngine();
  try {
    return await engine.space(paths);
  } finally {
    await engine.dispose();
  }
}

/** A swap file as people make one on btrfs: empty, nodatacow, zeros in synced 1 MiB writes (1 MiB extents), mkswap. */
export function makeSwapFile(p: string, mib: number): void {
  fs.writeFileSync(p, '');
  execFileSync('chattr', ['+C', p]);
  execFileSync('dd', ['if=/dev/zero', `of=${p}`, 'bs=1M', `count=${mib}`, 'oflag=sync', 'status=none']);
  fs.chmodSync(p, 0o600);
  execFileSync('mkswap', [p], { stdio: 'ignore' });
}

