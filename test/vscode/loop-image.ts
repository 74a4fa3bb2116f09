// An XFS (reflink=1) image on a loop device, mounted at a folder the caller chooses (inside the
// VS Code workspace, so the explorer shows it). Made BEFORE code-server starts (needs root);
// unmounted, detached and deleted by cleanup(), which callers run after stopping code-server
// (its file watcher keeps the mount busy).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export interface LoopMount {
  mountPoint: string;
  device: string;
  image: string;
  cleanup(): void;
}

function has(tool: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Why an XFS loop mount cannot be made here, or undefined when it can. */
export function xfsSkipReason(): string | undefined {
  if (process.platform !== 'linux') return 'loop file systems need Linux';
  if (process.getuid?.() !== 0) return 'not root: cannot create loop devices and mount an XFS image';
  for (const t of ['losetup', 'mount', 'umount', 'mkfs.xfs']) if (!has(t)) return `${t} is not installed (apt-get install xfsprogs util-linux)`;
  return undefined;
}

/** `image` is created (sparse; mkfs.xfs 6.x wants >= 300 MB) and mounted at `mountPoint`. */
export function mountXfs(image: string, mountPoint: string, sizeMiB = 320): LoopMount {
  let device = '';
  let mounted = false;
  const cleanup = (): void => {
    if (mounted) {
      try {
        execFileSync('umount', [mountPoint], { stdio: 'ignore' });
      } catch {
        // still busy (a process we do not own holds a file): detach it lazily
        execFileSync('umount', ['-l', mountPoint], { stdio: 'ignore' });
      }
      mounted = false;
    }
    if (device) {
      try {
        execFileSync('losetup', ['-d', device], { stdio: 'ignore' });
      } catch {
        /* already detached */
      }
      device = '';
    }
    fs.rmSync(image, { force: true });
  };
  try {
    fs.mkdirSync(path.dirname(image), { recursive: true });
    fs.mkdirSync(mountPoint, { recursive: true });
    fs.writeFileSync(image, '');
    fs.truncateSync(image, sizeMiB * 1024 * 1024);
    execFileSync('mkfs.xfs', ['-q', '-f', '-m', 'reflink=1', image], { stdio: ['ignore', 'ignore', 'pipe'] });
    device = execFileSync('losetup', ['-f', '--show', image], { encoding: 'utf8' }).trim();
    execFileSync('mount', [device, mountPoint], { stdio: ['ignore', 'ignore', 'pipe'] });
    mounted = true;
  } catch (e) {
    cleanup();
    throw e;
  }
  return { mountPoint, device, image, cleanup };
}
