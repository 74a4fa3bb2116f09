// Real file systems for tests: XFS (reflink=1), btrfs and ext4 images on loop devices, and
// tmpfs. Needs root (mount, losetup); otherwise `skipReason()` says why and tests skip.
//
//   const xfs = makeFs('xfs');            // once per test file, in before()
//   ... xfs.mountPoint ...
//   xfs.cleanup();                        // in after(): unmount, detach, delete, even on failure
//
// Images live in /tmp/el-engine-linux-XXXX (mkdtemp); loop devices come from `losetup -f --show`.

import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export type FsKind = 'xfs' | 'btrfs' | 'ext4' | 'tmpfs';

export interface TestFs {
  kind: FsKind;
  mountPoint: string;
  device?: string;
  image?: string;
  /** Remount read-only (for EROFS tests) or read-write again. */
  remount(mode: 'ro' | 'rw'): void;
  cleanup(): void;
}

const DEFAULT_MIB: Record<FsKind, number> = { xfs: 300, btrfs: 256, ext4: 64, tmpfs: 64 };

const MKFS: Record<Exclude<FsKind, 'tmpfs'>, { tool: string; args: string[] }> = {
  xfs: { tool: 'mkfs.xfs', args: ['-q', '-f', '-m', 'reflink=1'] },
  btrfs: { tool: 'mkfs.btrfs', args: ['-q', '-f'] },
  ext4: { tool: 'mkfs.ext4', args: ['-q', '-F'] },
};

/** True when `tool` is on PATH (or in /usr/sbin, /sbin, where mkfs and losetup live). */
export function hasTool(tool: string): boolean {
  for (const dir of (process.env.PATH ?? '').split(':').concat(['/usr/sbin', '/sbin'])) {
    if (dir && fs.existsSync(path.join(dir, tool))) return true;
  }
  return false;
}

/** Why real-file-system tests cannot run here, or undefined when they can. */
export function skipReason(kind?: FsKind): string | undefined {
  if (process.platform !== 'linux') return `needs Linux (this is ${process.platform})`;
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return 'needs root to create and mount loop-device file systems';
  if (!hasTool('losetup') || !hasTool('mount')) return 'needs losetup and mount (util-linux)';
  if (kind && kind !== 'tmpfs' && !hasTool(MKFS[kind].tool))
    return `needs ${MKFS[kind].tool} (apt install ${kind === 'xfs' ? 'xfsprogs' : kind === 'btrfs' ? 'btrfs-progs' : 'e2fsprogs'})`;
  return undefined;
}

function run(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

export interface MakeFsOptions {
  /**
   * Mount here instead of inside the private temp folder (e.g. inside a VS Code workspace so
   * the explorer shows it); created if missing, left in place by cleanup().
   */
  mountPoint?: string;
  /** mkfs arguments instead of the defaults below (e.g. XFS with `-m rmapbt=1,reflink=1`). */
  mkfsArgs?: string[];
}

/** Create and mount a file system. Throws if it cannot (call skipReason first). */
export function makeFs(kind: FsKind, sizeMiB = DEFAULT_MIB[kind], opts: MakeFsOptions = {}): TestFs {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'el-engine-linux-'));
  const mountPoint = opts.mountPoint ?? path.join(root, 'mnt');
  fs.mkdirSync(mountPoint, { recursive: true });
  let device: string | undefined;
  let image: string | undefined;
  let mounted = false;
  const cleanup = (): void => {
    if (mounted) {
      const r = spawnSync('umount', [mountPoint]);
      if (r.status !== 0) spawnSync('umount', ['-l', mountPoint]);
      mounted = false;
    }
    if (device) {
      spawnSync('losetup', ['-d', device]);
      device = undefined;
    }
    fs.rmSync(root, { recursive: true, force: true });
  };
  try {
    if (kind === 'tmpfs') {
      run('mount', ['-t', 'tmpfs', '-o', `size=${sizeMiB}m`, 'tmpfs', mountPoint]);
      mounted = true;
    } else {
      image = path.join(root, `${kind}.img`);
      const fd = fs.openSync(image, 'w');
      fs.ftruncateSync(fd, sizeMiB * 1024 * 1024);
      fs.closeSync(fd);
      device = run('losetup', ['-f', '--show', image]).trim();
      run(MKFS[kind].tool, [...(opts.mkfsArgs ?? MKFS[kind].args), device]);
      run('mount', [device, mountPoint]);
      mounted = true;
    }
  } catch (e) {
    cleanup();
    throw e;
  }
  return {
    kind,
    mountPoint,
    device,
    image,
    remount(mode) {
      run('mount', ['-o', `remount,${mode}`, mountPoint]);
    },
    cleanup,
  };
}

/** A fresh empty directory inside a test file system (one per test keeps listings exact). */
export function freshDir(t: TestFs, name: string): string {
  const d = path.join(t.mountPoint, name);
  fs.mkdirSync(d, { recursive: true });
  return d;
}
