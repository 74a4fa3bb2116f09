// The Linux backend's volume facts: fstatfs (file system, block size, space) and clone support
// proven by a real FICLONE probe in the folder, cached per file system instance. One layer of
// LinuxBackend (see base.ts).

import * as fs from 'node:fs';
import * as path from 'node:path';
import { NON_SPARSE_FILESYSTEMS } from './codec';
import { errnoName, nodeFsError } from '../../errno';
import { FICLONE } from './libc';
import { closeQuietly, kindOf, openRegular, statPath, unlinkQuietly } from './files';
import type { VolumeInfo } from '../../types';
import { type StatfsResult } from './base';
import { LinuxHoles } from './holes';

export class LinuxVolumes extends LinuxHoles {
  /** Clone probe results per file system instance (st_dev + f_type + f_fsid). */
  private readonly probeCache = new Map<string, { supportsClone: boolean; evidence: string }>();

  async volume(p: string): Promise<VolumeInfo> {
    const st = statPath('volume', p);
    const kind = kindOf(st);
    const dir = kind === 'directory' ? p : path.dirname(p);
    let fd: number;
    try {
      fd = fs.openSync(kind === 'file' || kind === 'directory' ? p : dir, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    } catch (e) {
      throw nodeFsError('volume', e, [p]);
    }
    let info: StatfsResult;
    try {
      info = this.statfsFd('volume', fd, p);
    } finally {
      closeQuietly(fd);
    }
    const dirStat = kind === 'directory' ? st : statPath('volume', dir);
    const key = `${dirStat.dev}:${info.rawType}:${info.fsid}`;
    let probe = this.probeCache.get(key);
    if (!probe) {
      const r = this.probeClone(dir, info.filesystem);
      if (r.definite) this.probeCache.set(key, r);
      probe = r;
    }
    return {
      path: p,
      filesystem: info.filesystem,
      rawType: info.rawType,
      blockSize: info.blockSize,
      supportsSparse: !NON_SPARSE_FILESYSTEMS.has(info.filesystem),
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
      return { filesystem: info.filesystem, blockSize: info.blockSize };
    } finally {
      closeQuietly(f);
    }
  }

  /** Clone a small non-empty temporary file with FICLONE in `dir`: real evidence, no guessing. */
  private probeClone(dir: string, filesystem: string): { supportsClone: boolean; evidence: string; definite: boolean } {
    // node:crypto is loaded only here: a CLI `map` or `clone` never pays for loading it.
    const tag = (require('node:crypto') as typeof import('node:crypto')).randomBytes(6).toString('hex');
    const a = path.join(dir, `.extent-lens-probe-${tag}.src`);
    const b = path.join(dir, `.extent-lens-probe-${tag}.dst`);
    let fa: number | undefined;
    let fb: number | undefined;
    try {
      try {
        fa = fs.openSync(a, fs.constants.O_RDWR | fs.constants.O_CREAT | fs.constants.O_EXCL, 0o600);
        fs.writeSync(fa, Buffer.alloc(4096, 0x5a));
        fb = fs.openSync(b, fs.constants.O_RDWR | fs.constants.O_CREAT | fs.constants.O_EXCL, 0o600);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code ?? 'EIO';
        return {
          supportsClone: false,
          evidence: `could not probe: creating a temporary file in ${dir} failed (${code}); clone support on ${filesystem} is unverified`,
          definite: false,
        };
      }
      const rc = this.libc.ioctlInt(fb, FICLONE, fa);
      if (rc === 0) {
        const evidence = `a FICLONE probe in ${dir} cloned a 4 KiB temporary file on ${filesystem}`;
        return { supportsClone: true, evidence, definite: true };
      }
      const code = errnoName(this.libc.errno());
      const evidence = `a FICLONE probe in ${dir} failed with ${code}: ${filesystem} cannot share blocks here`;
      return { supportsClone: false, evidence, definite: true };
    } finally {
      closeQuietly(fa);
      closeQuietly(fb);
      unlinkQuietly(a);
      unlinkQuietly(b);
    }
  }

  blockSizeOf(fd: number, p: string): number {
    return this.statfsFd('dig-holes', fd, p).blockSize;
  }
}
