// The macOS backend: libSystem through koffi. Allocated ranges by lseek SEEK_DATA/SEEK_HOLE (the
// constants are SWAPPED against Linux: SEEK_HOLE = 3, SEEK_DATA = 4), whole-file clones by
// clonefile(2) (APFS), copies by fcopyfile(3) with COPYFILE_DATA_SPARSE, holes by fcntl
// F_PUNCHHOLE, volume facts by fstatfs. macOS has no FIEMAP and no range clone: maps come from
// the seek view (source 'seek') and cloneRange is refused with a clear error.
//
// libSystem is declared in libc.ts (the only macOS file that loads koffi), the structures in
// structs.ts.
//
// Untested on a Mac here (no macOS machine): test/unit/bindings.test.ts proves every prototype
// parses and that this file calls only declared functions, and the struct layouts byte for byte.

import fs from 'node:fs';
import type { OpContext } from '../../backend';
import type { ExtendedBackend } from '../../backend-ext';
import { errnoError, errnoName } from '../../errno';
import { FsctlError } from '../../errors';
import { cPath, osPath } from '../../os-path';
import type { ByteRange, ExtentMap, Operation, OperationReport, RangesResult, VolumeInfo } from '../../types';
import { type DarwinLibc, loadDarwinLibc } from './libc';
import { DARWIN_STATFS_SIZE, type DarwinStatfs, decodeDarwinStatfs, encodeFpunchhole } from './structs';

const DARWIN_SEEK_HOLE = 3;
const DARWIN_SEEK_DATA = 4;
export const F_PUNCHHOLE = 99;
const COPYFILE_DATA = 1 << 3;
export const COPYFILE_DATA_SPARSE = 1 << 27;
const CLONE_NOFOLLOW = 0x0001;
const ENXIO = 6;

function now(): number {
  return performance.now();
}
function since(t0: number): number {
  return Math.round((performance.now() - t0) * 1000) / 1000;
}

function openFile(operation: Operation, path: string, flags: number | string): number {
  try {
    return fs.openSync(osPath(path), flags);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new FsctlError({
      operation,
      code: err.code ?? 'EIO',
      errno: err.errno,
      paths: [path],
      syscall: 'open',
      message: `${operation}: cannot open ${path}: ${err.message} (${err.code}).`,
      cause: e,
    });
  }
}

function regularSize(operation: Operation, fd: number, path: string): bigint {
  const st = fs.fstatSync(fd, { bigint: true });
  if (!st.isFile())
    throw new FsctlError({
      operation,
      code: 'E_NOT_REGULAR',
      paths: [path],
      message: `${path} is not a regular file (E_NOT_REGULAR); choose a file.`,
    });
  return st.size;
}

function closeQuietly(fd: number | undefined): void {
  if (fd === undefined) return;
  try {
    fs.closeSync(fd);
  } catch {
    // nothing useful to do
  }
}

/** SEEK_DATA/SEEK_HOLE walk over [start, end): data ranges, in order. */
function seekRanges(
  c: DarwinLibc,
  fd: number,
  start: bigint,
  end: bigint,
  path: string,
  ctx?: OpContext,
): { ranges: ByteRange[]; calls: number } {
  const out: ByteRange[] = [];
  let pos = start;
  let calls = 0;
  while (pos < end) {
    ctx?.checkCancelled();
    const d = c.lseek(fd, pos, DARWIN_SEEK_DATA);
    calls++;
    if (Number(d) === -1) {
      const e = c.errno();
      if (e === ENXIO) break; // no data past pos
      throw errnoError('ranges', e, 'lseek(SEEK_DATA)', [path]);
    }
    const data = BigInt(d);
    if (data >= end) break;
    const hRaw = c.lseek(fd, data, DARWIN_SEEK_HOLE);
    calls++;
    if (Number(hRaw) === -1) throw errnoError('ranges', c.errno(), 'lseek(SEEK_HOLE)', [path]);
    const hole = BigInt(hRaw);
    out.push({ offset: data, length: (hole < end ? hole : end) - data });
    pos = hole;
  }
  return { ranges: out, calls };
}

export function createDarwinBackend(c: DarwinLibc = loadDarwinLibc()): ExtendedBackend {
  function statfsOf(fd: number, path: string, operation: Operation): DarwinStatfs {
    const buf = new Uint8Array(new ArrayBuffer(DARWIN_STATFS_SIZE));
    if (c.fstatfs(fd, buf) !== 0) throw errnoError(operation, c.errno(), 'fstatfs', [path]);
    return decodeDarwinStatfs(buf);
  }

  async function ranges(path: string, window: ByteRange | undefined, ctx: OpContext): Promise<RangesResult> {
    const t0 = now();
    const fd = openFile('ranges', path, 'r');
    try {
      const size = regularSize('ranges', fd, path);
      const w = window ?? { offset: 0n, length: size };
      const end = w.offset + w.length < size ? w.offset + w.length : size;
      const r = seekRanges(c, fd, w.offset, end, path, ctx);
      return { path, size, window: w, ranges: r.ranges, method: 'seek', calls: r.calls, durationMs: since(t0) };
    } finally {
      closeQuietly(fd);
    }
  }

  return {
    name: 'darwin',
    allocatedRanges: ranges,

    async extentMap(path, window, ctx): Promise<ExtentMap> {
      const r = await ranges(path, window, ctx);
      const fd = openFile('map', path, 'r');
      let blockSize = 4096;
      try {
        blockSize = statfsOf(fd, path, 'map').bsize;
      } finally {
        closeQuietly(fd);
      }
      const extents = r.ranges.map((x) => ({
        offset: x.offset,
        length: x.length,
        physical: null,
        flags: [] as ExtentMap['extents'][number]['flags'],
      }));
      return { path, size: r.size, blockSize, window: r.window, extents, source: 'seek', calls: r.calls + 1, durationMs: r.durationMs };
    },

    async volume(path): Promise<VolumeInfo> {
      const fd = openFile('volume', path, 'r');
      try {
        const s = statfsOf(fd, path, 'volume');
        const apfs = s.fstypename === 'apfs';
        return {
          path,
          filesystem: s.fstypename,
          rawType: `0x${s.type.toString(16)}`,
          blockSize: s.bsize,
          supportsSparse: apfs,
          supportsClone: apfs,
          cloneEvidence: apfs
            ? 'The file system is APFS, which implements clonefile(2).'
            : `The file system is ${s.fstypename}; clonefile(2) needs APFS.`,
          volumeId: `${s.fsid[0]}:${s.fsid[1]}`,
          totalBytes: s.blocks * BigInt(s.bsize),
          freeBytes: s.bavail * BigInt(s.bsize),
        };
      } finally {
        closeQuietly(fd);
      }
    },

    async cloneFile(source, target, ctx): Promise<OperationReport> {
      const t0 = now();
      ctx.checkCancelled();
      const fd = openFile('clone', source, 'r');
      let size: bigint;
      try {
        size = regularSize('clone', fd, source);
      } finally {
        closeQuietly(fd);
      }
      if (c.clonefile(cPath(source), cPath(target), CLONE_NOFOLLOW) !== 0)
        throw errnoError('clone', c.errno(), 'clonefile', [source, target]);
      return { operation: 'clone', method: 'clonefile', source, destination: target, bytes: size, calls: 1, durationMs: since(t0) };
    },

    async cloneRange(source, _so, target): Promise<OperationReport> {
      throw new FsctlError({
        operation: 'clone-range',
        code: 'E_UNSUPPORTED',
        paths: [source, target],
        message: 'macOS has no system call that clones a byte range (E_UNSUPPORTED); clone the whole file with clonefile, or allow a copy.',
      });
    },

    async copyFile(source, target, ctx): Promise<OperationReport> {
      const t0 = now();
      ctx.checkCancelled();
      const sfd = openFile('copy', source, 'r');
      let dfd: number | undefined;
      try {
        const size = regularSize('copy', sfd, source);
        dfd = openFile('copy', target, 'wx');
        if (c.fcopyfile(sfd, dfd, null, COPYFILE_DATA | COPYFILE_DATA_SPARSE) !== 0) {
          const e = c.errno();
          throw errnoError('copy', e, 'fcopyfile', [source, target]);
        }
        const d = dfd;
        dfd = undefined;
        fs.closeSync(d);
        return { operation: 'copy', method: 'fcopyfile', source, destination: target, bytes: size, calls: 1, durationMs: since(t0) };
      } catch (e) {
        if (dfd !== undefined) {
          closeQuietly(dfd);
          fs.rmSync(osPath(target), { force: true });
        }
        throw e;
      } finally {
        closeQuietly(sfd);
      }
    },

    async punchHole(path, range, ctx): Promise<OperationReport> {
      const t0 = now();
      ctx.checkCancelled();
      const fd = openFile('punch', path, 'r+');
      try {
        regularSize('punch', fd, path);
        if (c.fcntl(fd, F_PUNCHHOLE, 'void *', encodeFpunchhole(range.offset, range.length)) === -1) {
          const e = c.errno();
          const err = errnoError('punch', e, 'fcntl(F_PUNCHHOLE)', [path]);
          if (errnoName(e, 'darwin') === 'EINVAL') {
            throw new FsctlError({
              ...err.toJSON(),
              message: `${err.message.replace(/\.$/, '')}; APFS punches whole blocks only, so align offset and length to the block size.`,
            });
          }
          throw err;
        }
        return { operation: 'punch', method: 'F_PUNCHHOLE', destination: path, bytes: range.length, calls: 1, durationMs: since(t0) };
      } finally {
        closeQuietly(fd);
      }
    },

    async setSparse(path, _sparse, ctx): Promise<OperationReport> {
      const t0 = now();
      ctx.checkCancelled();
      const fd = openFile('set-sparse', path, 'r');
      try {
        regularSize('set-sparse', fd, path);
      } finally {
        closeQuietly(fd);
      }
      return {
        operation: 'set-sparse',
        method: 'none',
        destination: path,
        bytes: 0n,
        calls: 0,
        durationMs: since(t0),
        notes: ['macOS has no sparse flag: any APFS file may hold holes'],
      };
    },
  };
}
