// Hashing for dedupe-find.ts: a file's chunks read through a Reader (a descriptor locally, the
// backend's read over SMB), only their data runs, never a hole. A chunk's key is xxHash128 over
// its length and, per data run in it, the run's place in the chunk and its bytes, so chunks match
// only with the same data at the same places and an all-hole chunk has no key.
//
// Why a non-cryptographic hash is safe here: the key only proposes candidates. Every range is
// compared byte for byte before it is shared (FIDEDUPERANGE compares in the kernel; the NT / SMB
// path, nt/dedupe.ts, compares in our code before it clones), so a collision could only cost a
// wasted call that comes back "differs", never data. The net-saving estimate assumes no
// collision (xxh128: about 2^-128 per pair for data nobody crafted to collide). XXH3-128 comes from
// the system's libxxhash where the backend can load it (~12 GiB/s per core here, on the read
// buffer itself), else from hash-wasm's WebAssembly build (inlined by esbuild into the bundles,
// ~3.3 GiB/s plus a copy into its memory); sha256 does ~1.5 GiB/s. The two give the same digests,
// so which one a thread has never changes a key. Hashing is the find's cost (bench/NOTES.md, dedupe).

import * as fs from 'node:fs';
import { createXXHash128 } from 'hash-wasm/dist/xxhash128.umd.min.js';
import type { ExtendedBackend, Xxh128Hasher } from './backend-ext';
import type { EngineContext } from './context';
import type { FileData } from './dedupe-file-data';
import { nodeFsError } from './errno';
import { FsctlError, isCancelled, isFsctlError } from './errors';
import { EXTENT_FLAG } from './map-format';
import { osPath } from './os-path';
import { localBackend } from './select-backend';
import { hasSwapSignature } from './swap-files';

/**
 * Bytes read per pread while hashing: reads run ahead across chunk boundaries up to the end of
 * the data run (never into a hole), so a 128 KiB chunk does not cost a system call of its own.
 */
const READ_SIZE = 1 << 20;
/** Zeros to compare read data with (FileData.zerosMayBeHoles). */
const ZEROS = Buffer.alloc(READ_SIZE);

/** Extents whose data cannot be shared (kept in metadata, or encrypted). */
export const UNSHAREABLE = EXTENT_FLAG.INLINE | EXTENT_FLAG.ENCRYPTED;

/**
 * One file's chunk keys and the whole file's key when it may match whole. Chunk i covers
 * [i·chunk, (i+1)·chunk); only chunks that hold data are listed (a sparse image of many TiB has
 * few), in order: chunkAt their indexes, chunkKeys their keys (undefined: no key, as data that
 * cannot be shared, or a twin's not yet copied).
 */
export interface Hashed extends FileData {
  chunkAt: number[];
  chunkKeys: (string | undefined)[];
  wholeKey?: string;
  /**
   * Chunks another file's chunk at the same blocks stands for (dedupe-twins.ts): not read, their
   * keys copied from it once it is hashed, and the whole key made then.
   */
  skipChunks?: number[];
  /**
   * Chunks read as all zeros in a file whose zeros may be holes (FileData.zerosMayBeHoles): no
   * key, and left out of its data by dropZeroChunks once it is hashed.
   */
  zeroChunks?: number[];
  /** Its first bytes, read for its keys, hold a swap area's signature (swap-files.ts): never shared. */
  swapSignature?: boolean;
}

/** Positional reads of one file (a descriptor locally, the backend's read over SMB). */
export interface Reader {
  read(buf: Buffer, length: number, position: bigint): number | Promise<number>;
  close(): void;
}

const changed = (p: string): FsctlError =>
  new FsctlError({
    operation: 'dedupe',
    code: 'E_CHANGED',
    paths: [p],
    message: `dedupe: ${p} changed during the scan; it was skipped (E_CHANGED).`,
  });

/**
 * A hasher and a read buffer, kept for reuse in this thread: a hasher is native state or a
 * WebAssembly instance (creating one per chunk or per file would cost more than hashing it), and
 * a fresh 1 MiB buffer per file kept the garbage collector busy. One per hashFile running at once.
 */
interface Scratch {
  h: Xxh128Hasher;
  buf: Buffer;
}
const idle: Scratch[] = [];

/** libxxhash through the local backend where it loads, else WebAssembly (the same digests). */
export async function newXxh128(): Promise<Xxh128Hasher> {
  let native: Xxh128Hasher | undefined;
  try {
    native = (localBackend() as ExtendedBackend).xxh128?.();
  } catch {
    // no local backend on this platform: WebAssembly below
  }
  if (native) return native;
  const w = await createXXHash128();
  const h: Xxh128Hasher = {
    init: () => (w.init(), h),
    update: (data) => (w.update(data), h),
    digest: () => w.digest('binary'),
  };
  return h;
}

const keyOf = (h: Xxh128Hasher): string => Buffer.from(h.digest()).toString('base64');

/**
 * Reading for the search leaves access times alone where the kernel lets us (O_NOATIME: the
 * file's owner or root; elsewhere EPERM, and the file is opened plainly). Besides not changing
 * what a person sees, an atime update dirties the inode: 2,000 of them made the apply's first
 * syncfs write them all (~0.1 s) before it could measure the free space.
 */
const NOATIME = fs.constants.O_NOATIME ?? 0;

export function openForReading(p: string): number {
  const flags = fs.constants.O_RDONLY | fs.constants.O_NONBLOCK;
  if (NOATIME !== 0)
    try {
      return fs.openSync(osPath(p), flags | NOATIME);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EPERM') throw e;
    }
  return fs.openSync(osPath(p), flags);
}

export function localReader(f: FileData): Reader {
  let fd: number;
  try {
    fd = openForReading(f.path);
  } catch (e) {
    throw nodeFsError('dedupe', e, [f.path]);
  }
  const st = fs.fstatSync(fd, { bigint: true });
  if (!st.isFile() || st.size !== f.size) {
    fs.closeSync(fd);
    throw changed(f.path);
  }
  return { read: (buf, length, position) => fs.readSync(fd, buf, 0, length, position), close: () => fs.closeSync(fd) };
}

export async function backendReader(b: ExtendedBackend, f: FileData): Promise<Reader> {
  if (!b.read || !b.stat)
    throw new FsctlError({
      operation: 'dedupe',
      code: 'E_UNSUPPORTED',
      paths: [f.path],
      message: `dedupe: ${f.path} cannot be read here (E_UNSUPPORTED).`,
    });
  if ((await b.stat(f.path)).size !== f.size) throw changed(f.path);
  return { read: (buf, length, position) => b.read!(f.path, position, buf.subarray(0, length)), close: () => undefined };
}

/**
 * Read and hash every chunk of `f` that holds data, only its data runs; sets f.chunkAt,
 * f.chunkKeys, f.zeroChunks and f.wholeKey. Returns the bytes read. `tick` is told the bytes read
 * so far every 64 chunks (the progress of one big file: a 6 GiB one read from a server stood at
 * "3 MiB hashed" for a minute when only whole files counted).
 */
export async function hashFile(
  f: Hashed,
  reader: Reader,
  chunk: bigint,
  ctx: EngineContext,
  tick: (readSoFar: bigint) => void,
): Promise<bigint> {
  let read = 0n;
  const scratch = idle.pop() ?? { h: await newXxh128(), buf: Buffer.allocUnsafe(READ_SIZE) };
  const { h, buf } = scratch;
  /** The file's bytes [winStart, winEnd) are in buf. */
  let winStart = 0n;
  let winEnd = 0n;
  // runEnd[i]: where the data run holding extent i ends (adjacent extents joined; at most EOF).
  const runEnd: bigint[] = new Array<bigint>(f.off.length);
  for (let i = f.off.length - 1; i >= 0; i--) {
    const e = f.off[i] + f.len[i];
    runEnd[i] = i + 1 < f.off.length && f.off[i + 1] === e ? runEnd[i + 1] : e < f.size ? e : f.size;
  }
  try {
    const skipped = f.skipChunks && f.skipChunks.length > 0 ? new Set(f.skipChunks) : undefined;
    let chunksRead = 0; // progress and a chance to yield every 64
    let e = 0; // first extent that may reach the current chunk
    for (let c = dataChunkFrom(f, 0, 0, chunk); c >= 0; c = dataChunkFrom(f, e, c + 1, chunk)) {
      const start = BigInt(c) * chunk;
      const end = start + chunk < f.size ? start + chunk : f.size;
      while (e < f.off.length && f.off[e] + f.len[e] <= start) e++;
      if (skipped?.has(c)) {
        f.chunkAt.push(c);
        f.chunkKeys.push(undefined); // filled in from its twin
        continue;
      }
      // The chunk's data runs [a, b) with the end of the data they are in, adjacent extents
      // joined: the key depends on where the data and the holes are, never on how the file
      // system happened to split its extents.
      const runs: bigint[] = [];
      let skip = false;
      for (let i = e; i < f.off.length && f.off[i] < end; i++) {
        if ((f.flags[i] & UNSHAREABLE) !== 0) skip = true;
        const a = f.off[i] > start ? f.off[i] : start;
        const b = f.off[i] + f.len[i] < end ? f.off[i] + f.len[i] : end;
        if (b <= a) continue;
        if (runs.length > 0 && runs[runs.length - 2] === a) runs[runs.length - 2] = b;
        else runs.push(a, b, runEnd[i]);
      }
      if (runs.length > 0) h.init().update(`${end - start}:`);
      let zeros = f.zerosMayBeHoles === true;
      for (let r = 0; r < runs.length; r += 3) {
        const a = runs[r];
        const b = runs[r + 1];
        h.update(`${a - start}+${b - a}:`);
        for (let pos = a; pos < b;) {
          if (pos < winStart || pos >= winEnd) {
            const ahead = runs[r + 2] - pos;
            const n = await reader.read(buf, ahead < BigInt(buf.length) ? Number(ahead) : buf.length, pos);
            if (n <= 0)
              throw new FsctlError({
                operation: 'dedupe',
                code: 'E_CHANGED',
                paths: [f.path],
                message: `dedupe: ${f.path} ended early while it was read; it was skipped (E_CHANGED).`,
              });
            winStart = pos;
            winEnd = pos + BigInt(n);
            read += BigInt(n);
            if (pos === 0n && hasSwapSignature(buf.subarray(0, n))) f.swapSignature = true;
          }
          const until = b < winEnd ? b : winEnd;
          const part = buf.subarray(Number(pos - winStart), Number(until - winStart));
          if (zeros && !part.equals(ZEROS.subarray(0, part.length))) zeros = false;
          h.update(part);
          pos = until;
        }
      }
      ctx.checkCancelled();
      if (runs.length === 0) continue;
      if (zeros) (f.zeroChunks ??= []).push(c);
      f.chunkAt.push(c);
      f.chunkKeys.push(!skip && !zeros ? keyOf(h) : undefined);
      if ((++chunksRead & 63) === 0) {
        tick(read);
        await ctx.maybeYield(); // in-thread (the CLI), Ctrl-C is seen only when the event loop turns
      }
    }
    if (!skipped) setWholeKey(f, h);
  } finally {
    idle.push(scratch);
    reader.close();
  }
  return read;
}

/**
 * The whole file's key, once every chunk has its key: the size, then each keyed chunk's index and
 * key, in order (a chunk without a key counts as a hole). A file with no data, or with data that
 * cannot be shared, has none: it is never a whole-file match.
 */
export function setWholeKey(f: Hashed, h: Xxh128Hasher): void {
  for (let i = 0; i < f.off.length; i++) if (f.off[i] < f.size && (f.flags[i] & UNSHAREABLE) !== 0) return;
  if (!f.chunkKeys.some((k) => k !== undefined)) return;
  h.init().update(`${f.size}:`);
  f.chunkKeys.forEach((k, i) => {
    if (k !== undefined) h.update(`${f.chunkAt[i]}=${k};`);
  });
  f.wholeKey = `${f.fsKey}/${keyOf(h)}`;
}

/**
 * The first chunk at or after chunk `c` that holds data of `f` before its end (extents from `e`
 * on; -1: none): loops over chunks jump over holes, so a file's logical size (up to 2^63) never
 * costs time. An extent may run past the end of the file (btrfs keeps a truncated file's extent
 * whole); chunks past the end are none. Chunk indexes are exact numbers: a chunk is at least
 * 4 KiB (dedupe-find.ts), so an index stays below 2^51.
 */
export function dataChunkFrom(f: FileData, e: number, c: number, chunk: bigint): number {
  const start = BigInt(c) * chunk;
  if (start >= f.size) return -1;
  while (e < f.off.length && f.off[e] + f.len[e] <= start) e++;
  if (e >= f.off.length || f.off[e] >= f.size) return -1;
  const first = Number(f.off[e] / chunk);
  return first > c ? first : c;
}

/** Where chunk `c` is in f.chunkAt (-1: not listed, no data there). */
export function chunkPosition(f: Hashed, c: number): number {
  let lo = 0;
  let hi = f.chunkAt.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const at = f.chunkAt[mid];
    if (at === c) return mid;
    if (at < c) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/**
 * Leave a hashed file's all-zero chunks (Hashed.zeroChunks) out of its data runs: they may be
 * holes the server did not show, so they are neither counted in a saving nor shared.
 */
export function dropZeroChunks(f: Hashed, chunk: bigint): void {
  if (!f.zeroChunks?.length) return;
  const holes = new Set(f.zeroChunks);
  const off: bigint[] = [];
  const len: bigint[] = [];
  const phys: bigint[] = [];
  const flags: number[] = [];
  // Each extent is cut where a zero chunk lies; what is left of it stays one piece per stretch.
  const keep = (i: number, a: bigint, b: bigint): void => {
    if (b <= a) return;
    off.push(a);
    len.push(b - a);
    phys.push(f.phys[i] < 0n ? -1n : f.phys[i] + (a - f.off[i]));
    flags.push(f.flags[i]);
  };
  for (let i = 0; i < f.off.length; i++) {
    const end = f.off[i] + f.len[i];
    let from = f.off[i];
    for (let a = f.off[i]; a < end;) {
      const c = a / chunk;
      const b = (c + 1n) * chunk < end ? (c + 1n) * chunk : end;
      if (holes.has(Number(c))) {
        keep(i, from, a);
        from = b;
      }
      a = b;
    }
    keep(i, from, end);
  }
  Object.assign(f, { off, len, phys, flags });
}

/** One file's hashing outcome, as it crosses back from a pool thread. */
export type HashOutcome =
  | {
      chunkAt: number[];
      chunkKeys: (string | undefined)[];
      wholeKey?: string;
      zeroChunks?: number[];
      swapSignature?: boolean;
      read: bigint;
    }
  | { code: string; message: string };

/**
 * Hash local files in order (a file that cannot be read gets its error); stops only on cancel. A
 * pool batch (dedupe-pool.ts): the bytes read are added to `worked[0]` as they are read (progress).
 */
export async function hashBatch(files: Hashed[], chunk: bigint, ctx: EngineContext, worked: BigInt64Array): Promise<HashOutcome[]> {
  const outcomes: HashOutcome[] = [];
  for (const f of files) {
    f.chunkAt = [];
    f.chunkKeys = [];
    let told = 0n;
    const tell = (readSoFar: bigint): void => {
      Atomics.add(worked, 0, readSoFar - told);
      told = readSoFar;
    };
    try {
      const read = await hashFile(f, localReader(f), chunk, ctx, tell);
      tell(read);
      outcomes.push({
        chunkAt: f.chunkAt,
        chunkKeys: f.chunkKeys,
        wholeKey: f.wholeKey,
        zeroChunks: f.zeroChunks,
        swapSignature: f.swapSignature,
        read,
      });
    } catch (e) {
      if (isCancelled(e)) throw e;
      const x = isFsctlError(e) ? e : nodeFsError('dedupe', e, [f.path]);
      outcomes.push({ code: x.code, message: x.message });
    }
  }
  return outcomes;
}
