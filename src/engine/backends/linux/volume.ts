// The Linux backend's volume facts: fstatfs (file system, block size, space) and clone support
// proven by a real FICLONE probe in the folder, cached per file system instance. One layer of
// LinuxBackend (see base.ts).
//
// Where the probe runs: in the folder the person named, or, for a file, the folder that holds it
// (after symlinks, so that it is on the file's own file system). Never for a device, FIFO or
// socket, nor anywhere under /dev. The probe files are unnamed (O_TMPFILE): nothing appears in
// the folder, even for a moment, and a killed process leaves nothing. Only where the file system
// has no O_TMPFILE are two named files (`.extent-lens-probe-*`) made and removed at once.
// When the probe cannot run (EACCES, EROFS, ENOSPC, a device) clone support is unknown
// (supportsClone undefined), never "no"; except on file systems that Linux never clones on
// (ext2/3/4, tmpfs, vfat, the kernel's own, …: NEVER_CLONE_FILESYSTEMS), which are "no" unprobed.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { NEVER_CLONE_FILESYSTEMS, NON_SPARSE_FILESYSTEMS, PSEUDO_FILESYSTEMS } from './codec';
import { errnoName, nodeFsError } from '../../errno';
import { osPath } from '../../os-path';
import { FICLONE, O_CLOEXEC, O_PATH, O_TMPFILE } from './libc';
import { closeQuietly, kindOf, openRegular, statPath, unlinkQuietly } from './files';
import type { VolumeInfo } from '../../types';
import { EINVAL, EOPNOTSUPP, type StatfsResult } from './base';
import { LinuxHoles } from './holes';
import { realPath } from '../../real-path';

interface Probe {
  supportsClone: boolean | undefined;
  evidence: string;
}

/** FICLONE errors that mean "this file system cannot share blocks here"; any other is no evidence. */
const CANNOT_CLONE = new Set(['EOPNOTSUPP', 'ENOTSUP', 'ENOTTY', 'ENOSYS', 'EXDEV', 'EINVAL']);
const EISDIR = 21;

/** Why a file system of NEVER_CLONE_FILESYSTEMS cannot clone, named as mounted (`shown`). */
function neverClonesEvidence(shown: string, statfsName: string): string {
  if (PSEUDO_FILESYSTEMS.has(statfsName))
    return `${shown} is one of the kernel's own file systems: its files hold no stored data (the kernel makes them when read), so it has no blocks to share (known from its type: no probe ran)`;
  return `${shown} cannot share blocks: Linux has no block cloning (reflink) for ${shown} (FICLONE fails there with EOPNOTSUPP, whoever asks; known from its type: no probe ran)`;
}

export class LinuxVolumes extends LinuxHoles {
  /** Clone probe results per file system instance (st_dev + f_type + f_fsid); definite ones only. */
  private readonly probeCache = new Map<string, Probe>();

  async volume(p: string): Promise<VolumeInfo> {
    const st = statPath('volume', p);
    const kind = kindOf(st);
    // A file means the folder that holds it (the real file, after symlinks); a folder itself.
    let real = p;
    try {
      real = realPath(p); // realpath(3): node's JS one takes no bytes
    } catch (e) {
      throw nodeFsError('volume', e, [p]);
    }
    const dir = kind === 'directory' ? real : path.dirname(real);
    let fd: number;
    try {
      // O_PATH: statfs needs no read access (`df` and `stat -f` answer for a folder only root may
      // list, where an O_RDONLY open was refused with EACCES)
      fd = fs.openSync(osPath(kind === 'file' || kind === 'directory' ? p : dir), O_PATH | O_CLOEXEC);
    } catch (e) {
      throw nodeFsError('volume', e, [p]);
    }
    let info: StatfsResult;
    let filesystem: string;
    try {
      info = this.statfsFd('volume', fd, p);
      filesystem = this.mountedNameOf(info, fd);
    } finally {
      closeQuietly(fd);
    }
    let probe: Probe;
    const special = kind !== 'file' && kind !== 'directory';
    const what = kind.replace('-', ' ');
    const underDev = dir === '/dev' || dir.startsWith('/dev/');
    if (underDev && special)
      // (a device's own file system is not devtmpfs's: /dev/sda names a disk, whose file system is elsewhere)
      probe = {
        supportsClone: undefined,
        evidence: `not probed: ${p} is a ${what}, not a file or folder; name a folder on the file system to probe it`,
      };
    else if (NEVER_CLONE_FILESYSTEMS.has(info.filesystem)) {
      // known without a probe, so also where none could run (another user's folder, a read-only mount)
      probe = { supportsClone: false, evidence: neverClonesEvidence(filesystem, info.filesystem) };
      if (special) probe.evidence += ` (the file system of ${dir}, the folder holding this ${what}: it has no blocks of its own to clone)`;
    } else if (underDev) {
      probe = { supportsClone: undefined, evidence: `not probed: ${dir} is under /dev, where no probe file is ever made` };
    } else {
      const dirStat = kind === 'directory' ? st : statPath('volume', dir);
      const key = `${dirStat.dev}:${info.rawType}:${info.fsid}`;
      const cached = this.probeCache.get(key);
      if (cached) probe = cached;
      else {
        probe = this.probeClone(dir, filesystem, info.readOnlyMount);
        if (probe.supportsClone !== undefined) this.probeCache.set(key, probe);
      }
      // a FIFO or socket in a folder: its file system is the folder's, and so is the answer
      if (special)
        probe = {
          ...probe,
          evidence: `${probe.evidence} (the file system of ${dir}, the folder holding this ${what}: it has no blocks of its own to clone)`,
        };
    }
    return {
      path: p,
      filesystem,
      rawType: info.rawType,
      blockSize: info.blockSize,
      // proc and sysfs store no data to leave holes in (SEEK_DATA fails with EINVAL on proc; sysfs
      // calls a whole attribute data); tmpfs keeps real holes (SEEK_HOLE finds them, punching works)
      supportsSparse: !NON_SPARSE_FILESYSTEMS.has(info.filesystem) && !PSEUDO_FILESYSTEMS.has(info.filesystem),
      supportsClone: probe.supportsClone,
      cloneEvidence: probe.evidence,
      volumeId: st.dev.toString(),
      totalBytes: info.totalBytes,
      freeBytes: info.freeBytes,
    };
  }

  async fsInfo(p: string): Promise<{ filesystem: string; blockSize: number }> {
    const f = openRegular('clone-range', p, 'read');
    try {
      const info = this.statfsFd('clone-range', f.fd, p);
      return { filesystem: this.mountedNameOf(info, f.fd), blockSize: info.blockSize };
    } finally {
      closeQuietly(f);
    }
  }

  /**
   * Clone a small non-empty file with FICLONE in `dir`: real evidence, no guessing. Both files
   * are unnamed (O_TMPFILE) where the file system allows it.
   */
  private probeClone(dir: string, filesystem: string, readOnlyMount: boolean): Probe {
    const made: string[] = [];
    let fa = -1;
    let fb = -1;
    const unknown = (step: string, code: string): Probe => ({
      supportsClone: undefined,
      evidence:
        `could not probe: ${step} in ${dir} failed (${code}); clone support on ${filesystem} is unknown` +
        // (a trial: "unknown" on a read-only btrfs snapshot, which is a clone source like any file of btrfs)
        (code !== 'EROFS'
          ? ''
          : readOnlyMount
            ? `. ${dir} is on a read-only mount (the ${filesystem} file system mounted read-only, or made read-only after an error: see the kernel log; or a read-only bind mount of it): nothing can be cloned into it there`
            : filesystem === 'btrfs'
              ? `. ${dir} is in a read-only btrfs snapshot: nothing can be cloned into it, but its files can be cloned into a writable subvolume of the same file system`
              : ''),
    });
    try {
      const unnamed = (): number => {
        const fd = this.libc.open(dir, O_TMPFILE | fs.constants.O_RDWR | O_CLOEXEC, 0o600);
        if (fd >= 0) return fd;
        const e = this.libc.errno();
        if (e !== EOPNOTSUPP && e !== EISDIR && e !== EINVAL) throw Object.assign(new Error(), { code: errnoName(e) });
        // No O_TMPFILE here: a named file, removed at once (below).
        // node:crypto is loaded only here: a CLI `map` or `clone` never pays for loading it.
        const tag = (require('node:crypto') as typeof import('node:crypto')).randomBytes(6).toString('hex');
        const name = path.join(dir, `.extent-lens-probe-${tag}`);
        const named = fs.openSync(osPath(name), fs.constants.O_RDWR | fs.constants.O_CREAT | fs.constants.O_EXCL, 0o600);
        made.push(name);
        return named;
      };
      try {
        fa = unnamed();
        fs.writeSync(fa, Buffer.alloc(4096, 0x5a));
        fb = unnamed();
      } catch (e) {
        return unknown('creating a temporary file', (e as NodeJS.ErrnoException).code ?? 'EIO');
      }
      const rc = this.libc.ioctlInt(fb, FICLONE, fa);
      if (rc === 0) {
        // (said, since the probe is the one write an inspection makes: unnamed, it never shows in the folder)
        const file =
          made.length === 0 ? 'an unnamed (O_TMPFILE) 4 KiB temporary file, never seen in the folder,' : 'a 4 KiB temporary file';
        const evidence = `a FICLONE probe in ${dir} cloned ${file} on ${filesystem}`;
        return { supportsClone: true, evidence };
      }
      const code = errnoName(this.libc.errno());
      if (!CANNOT_CLONE.has(code)) return unknown('a FICLONE probe', code);
      return { supportsClone: false, evidence: `a FICLONE probe in ${dir} failed with ${code}: ${filesystem} cannot share blocks here` };
    } finally {
      // closed by libc, whichever opened them: Node warns ("closed but not opened in unmanaged
      // mode") when fs.closeSync closes a descriptor it did not open (the O_TMPFILE ones)
      if (fa >= 0) this.libc.close(fa);
      if (fb >= 0) this.libc.close(fb);
      for (const name of made) unlinkQuietly(name);
    }
  }

  blockSizeOf(fd: number, p: string): number {
    return this.statfsFd('dig-holes', fd, p).blockSize;
  }
}
