// Loop-device file systems for the benchmarks (bench/ does not depend on test/):
// make an image file in a private temp dir (/tmp/el-bench-XXXX), mkfs it, mount it, and undo
// all of that in cleanup() (unmount, detach, delete), even after a failure part way.
//
// Needs root (losetup, mount). skipReason() says why the benchmark cannot run.

import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export type FsKind = 'xfs' | 'ext4' | 'btrfs';

export interface LoopFs {
  kind: FsKind;
  /** Mount point: create test files here. */
  mnt: string;
  dev: string;
  image: string;
  cleanup(): void;
}

const MKFS: Record<FsKind, string[]> = {
  // reflink=1 so clones work; small log to keep the image small
  xfs: ['mkfs.xfs', '-q', '-f', '-m', 'reflink=1'],
  ext4: ['mkfs.ext4', '-q', '-F'],
  btrfs: ['mkfs.btrfs', '-q', '-f'],
};

function has(tool: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Why loop file systems of `kind` cannot be made here, or undefined when they can. */
export function skipReason(kind: FsKind, extraTools: string[] = []): string | undefined {
  if (process.platform !== 'linux') return 'loop file systems need Linux';
  if (process.getuid?.() !== 0) return 'needs root to create and mount loop devices';
  for (const t of ['losetup', 'mount', MKFS[kind][0], ...extraTools]) {
    if (!has(t)) return `${t} is not installed`;
  }
  return undefined;
}

/**
 * A fresh image of `kind`, loop-mounted. `directIo`: the loop device bypasses the page cache of
 * its image file, so data written to the file system is cached once, not twice (trees of several
 * GiB would otherwise push each other out of memory and be read back from the disk).
 * `mkfsOptions` go after the defaults (XFS: `-m rmapbt=1` for its reverse map).
 */
export function makeLoopFs(
  kind: FsKind,
  sizeMiB = kind === 'xfs' ? 512 : 256,
  area = 'bench',
  mountOptions: string[] = [],
  directIo = false,
  mkfsOptions: string[] = [],
): LoopFs {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `el-${area}-`));
  const image = path.join(dir, `${kind}.img`);
  const mnt = path.join(dir, 'mnt');
  fs.mkdirSync(mnt);
  let dev = '';
  let mounted = false;
  const cleanup = (): void => {
    if (mounted) {
      try {
        execFileSync('umount', [mnt], { stdio: 'ignore' });
      } catch {
        execFileSync('umount', ['-l', mnt], { stdio: 'ignore' });
      }
      mounted = false;
    }
    if (dev) {
      try {
        execFileSync('losetup', ['-d', dev], { stdio: 'ignore' });
      } catch {
        /* already detached */
      }
      dev = '';
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    fs.writeFileSync(image, '');
    fs.truncateSync(image, sizeMiB * 1024 * 1024);
    dev = execFileSync('losetup', [...(directIo ? ['--direct-io=on'] : []), '-f', '--show', image], { encoding: 'utf8' }).trim();
    const [tool, ...args] = MKFS[kind];
    execFileSync(tool, [...args, ...mkfsOptions, dev], { stdio: ['ignore', 'ignore', 'pipe'] });
    execFileSync('mount', [...(mountOptions.length ? ['-o', mountOptions.join(',')] : []), dev, mnt], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    mounted = true;
  } catch (e) {
    cleanup();
    throw e;
  }
  return {
    kind,
    mnt,
    get dev() {
      return dev;
    },
    image,
    cleanup,
  };
}

/** A private temp dir on the root file system (not a loop device), removed by the caller. */
export function tempDir(area = 'bench'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `el-${area}-`));
}
