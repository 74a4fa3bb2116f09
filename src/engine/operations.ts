// The engine's operations, written once over any Backend: argument checks, destination safety
// (temp name + rename at the end + cleanup), the copy fallbacks and the reports. The same code
// runs in the caller's thread (SignalContext) and in the worker (SharedFlagContext).

import * as fs from 'node:fs';
import type { Backend, OpContext } from './backend';
import { isSmbPath, localBackend } from './select-backend';
import type { ExtendedBackend, PathInfo } from './backend-ext';
import { limitPackedMap, packExtents, type PackedExtentMap } from './map-format';
import type { EngineContext } from './context';
import { commitDestination, commitDestinationWith, destinationFsFor, relabelError, resolveDestination, type ResolvedDestination } from './destination';
import { digHoles } from './dig-holes';
import { nodeFsError } from './errno';
import { FsctlError, isCancelled } from './errors';
import { notRegularError } from './file-kind';
import { copyRangeBytes, nodeIo, sparseCopyFile } from './sparse-copy';
import type { ByteRange, ExistingPolicy, Operation, OperationReport, RangesResult, VolumeInfo } from './types';

export type Request =
  | { op: 'ranges'; path: string; window?: ByteRange }
  | { op: 'map'; path: string; window?: ByteRange; maxExtents?: number }
  /** Many bounded windowed maps of one file in one request (the inspector's sampled views). */
  | { op: 'map-windows'; path: string; windows: ByteRange[]; maxExtents: number }
  | { op: 'volume'; path: string }
  | { op: 'clone'; source: string; destination: string; onExisting?: ExistingPolicy; fallback?: 'none' | 'copy' }
  | {
      op: 'clone-range';
      source: string;
      sourceOffset: bigint;
      target: string;
      targetOffset: bigint;
      length: bigint;
      atomic?: boolean;
      fallback?: 'none' | 'copy';
      extend?: boolean;
    }
  | { op: 'copy'; source: string; destination: string; onExisting?: ExistingPolicy }
  | { op: 'punch'; path: string; range: ByteRange }
  | { op: 'zero'; path: string; range: ByteRange }
  | { op: 'dig-holes'; path: string; blockSize?: number }
  | { op: 'set-sparse'; path: string; sparse: boolean };

export type Response = RangesResult | PackedExtentMap | PackedExtentMap[] | VolumeInfo | OperationReport;

/** Most windows one map-windows request may ask for (one per device pixel of a wide view). */
export const MAX_MAP_WINDOWS = 32_768;

export type BackendResolver = (path: string) => Promise<ExtendedBackend>;

/** The paths a request touches (for error messages and for choosing thread/backend). */
export function requestPaths(r: Request): string[] {
  switch (r.op) {
    case 'clone':
    case 'copy':
      return [r.source, r.destination];
    case 'clone-range':
      return r.source === r.target ? [r.source] : [r.source, r.target];
    default:
      return [r.path];
  }
}

export function requestOperation(r: Request): Operation {
  return r.op === 'map-windows' ? 'map' : r.op;
}

const MAX_OFF = (1n << 63n) - 1n;

function rangeError(operation: Operation, paths: string[], what: string): FsctlError {
  return new FsctlError({ operation, code: 'E_RANGE', paths, message: `${operation}: ${what} (E_RANGE).` });
}

/** Negative, non-bigint or past-2^63 offsets are refused before any call. */
export function checkRange(operation: Operation, paths: string[], name: string, offset: bigint, length: bigint): void {
  if (typeof offset !== 'bigint' || typeof length !== 'bigint')
    throw new FsctlError({ operation, code: 'E_BAD_INPUT', paths, message: `${operation}: ${name} offset and length must be exact integers (bigint) (E_BAD_INPUT).` });
  if (offset < 0n) throw rangeError(operation, paths, `${name} offset ${offset} is negative`);
  if (length < 0n) throw rangeError(operation, paths, `${name} length ${length} is negative`);
  if (offset + length > MAX_OFF) throw rangeError(operation, paths, `${name} offset ${offset} + length ${length} is beyond the largest file offset 2^63-1`);
}

async function statRegular(backend: ExtendedBackend, operation: Operation, p: string): Promise<PathInfo> {
  const dfs = destinationFsFor(backend, p);
  const info = await dfs.stat(p).catch((e) => {
    throw e instanceof FsctlError ? e : new FsctlError({ operation, code: (e as NodeJS.ErrnoException).code ?? 'EIO', paths: [p], message: `${operation}: cannot read ${p}: ${(e as Error).message}.` });
  });
  if (info.kind !== 'file') throw notRegularError(operation, p, info.kind);
  return info;
}

/** Errors after which a copy can still do the job (the file system just cannot share blocks). */
const CLONE_IMPOSSIBLE = new Set([
  'EOPNOTSUPP', 'ENOTSUP', 'ENOTTY', 'ENOSYS', 'EXDEV', 'EINVAL', 'E_UNSUPPORTED', 'E_CROSS_VOLUME',
  'ERROR_NOT_SUPPORTED', 'ERROR_INVALID_FUNCTION', 'ERROR_INVALID_PARAMETER', 'ERROR_BLOCK_TOO_MANY_REFERENCES',
  'STATUS_NOT_SUPPORTED', 'STATUS_INVALID_DEVICE_REQUEST', 'STATUS_INVALID_PARAMETER',
]);
const COPY_IMPOSSIBLE = new Set(['EXDEV', 'EOPNOTSUPP', 'ENOTSUP', 'ENOSYS', 'EINVAL', 'E_UNSUPPORTED', 'ERROR_NOT_SUPPORTED', 'ERROR_INVALID_FUNCTION', 'STATUS_NOT_SUPPORTED', 'STATUS_INVALID_DEVICE_REQUEST']);

function fallbackAllowed(e: unknown, codes: Set<string>): e is FsctlError {
  return e instanceof FsctlError && codes.has(e.code);
}

function sameBackendKind(a: string, b: string): boolean {
  return isSmbPath(a) === isSmbPath(b);
}

function since(t0: number): number {
  return Math.round((performance.now() - t0) * 1000) / 1000;
}

/**
 * Every failure leaves the engine as an FsctlError: node:fs errors keep their code name
 * (ENOENT, EACCES, ...); anything else (a bug) becomes E_INTERNAL with the original as cause.
 */
export function normalizeError(r: Request, e: unknown): FsctlError {
  const paths = requestPaths(r);
  if (e instanceof FsctlError) {
    if (e.paths.length > 0) return e;
    // A backend that did not know the path (e.g. a connection failure): name the request's.
    return new FsctlError({ operation: e.operation, code: e.code, errno: e.errno, syscall: e.syscall, paths, message: e.message, cause: e });
  }
  const code = (e as NodeJS.ErrnoException)?.code;
  const op = requestOperation(r);
  if (typeof code === 'string' && /^E[A-Z0-9]+$/.test(code)) return nodeFsError(op, e, paths);
  return new FsctlError({
    operation: op,
    code: 'E_INTERNAL',
    paths,
    message: `${op}: unexpected internal error: ${(e as Error)?.message ?? String(e)} (E_INTERNAL); please report it.`,
    cause: e,
  });
}

export function runRequest(resolve: BackendResolver, r: Request, ctx: EngineContext, fastTried = false): Promise<Response> {
  // Not async: the plain clone (cloneFast) settles with no promise hop in between.
  try {
    const fast = r.op === 'clone' && !fastTried ? cloneFast(r, ctx) : undefined;
    if (fast) return Promise.resolve(fast);
    return runRequestRaw(resolve, r, ctx).catch((e: unknown) => {
      throw normalizeError(r, e);
    });
  } catch (e) {
    return Promise.reject(normalizeError(r, e));
  }
}

async function runRequestRaw(resolve: BackendResolver, r: Request, ctx: EngineContext): Promise<Response> {
  ctx.checkCancelled();
  switch (r.op) {
    case 'ranges': {
      const b = await resolve(r.path);
      if (r.window) checkRange('ranges', [r.path], 'window', r.window.offset, r.window.length);
      return b.allocatedRanges(r.path, r.window, ctx);
    }
    case 'map':
      return readMap(await resolve(r.path), r.path, r.window, r.maxExtents, ctx);
    case 'map-windows': {
      const b = await resolve(r.path);
      if (!Array.isArray(r.windows) || r.windows.length > MAX_MAP_WINDOWS)
        throw new FsctlError({ operation: 'map', code: 'E_RANGE', paths: [r.path], message: `map: at most ${MAX_MAP_WINDOWS} windows per request (E_RANGE).` });
      if (b.extentMapPackedMany) {
        for (const w of r.windows) checkRange('map', [r.path], 'window', w.offset, w.length);
        checkMaxExtents(r.path, r.maxExtents);
        const maps = await b.extentMapPackedMany(r.path, r.windows, ctx, { maxExtents: r.maxExtents });
        return maps.map((m) => limitPackedMap(m, r.maxExtents));
      }
      const out: PackedExtentMap[] = [];
      for (const w of r.windows) {
        ctx.checkCancelled();
        out.push(await readMap(b, r.path, w, r.maxExtents, ctx));
      }
      return out;
    }
    case 'volume':
      return (await resolve(r.path)).volume(r.path);
    case 'clone':
      return cloneFile(resolve, r, ctx);
    case 'clone-range':
      return cloneRange(resolve, r, ctx);
    case 'copy':
      return copyFile(resolve, r, ctx);
    case 'punch':
    case 'zero': {
      const b = await resolve(r.path);
      checkRange(r.op, [r.path], 'range', r.range.offset, r.range.length);
      await statRegular(b, r.op, r.path);
      if (r.op === 'zero' && b.zeroRange) return b.zeroRange(r.path, r.range, ctx);
      const rep = await b.punchHole(r.path, r.range, ctx);
      return { ...rep, operation: r.op };
    }
    case 'dig-holes': {
      const b = await resolve(r.path);
      await statRegular(b, 'dig-holes', r.path);
      return digHoles(b, r.path, r.blockSize, ctx);
    }
    case 'set-sparse': {
      const b = await resolve(r.path);
      await statRegular(b, 'set-sparse', r.path);
      return b.setSparse(r.path, r.sparse, ctx);
    }
  }
}

/** One map of `path` (or of a window of it), bounded by `maxExtents` when given. */
async function readMap(b: ExtendedBackend, path: string, window: ByteRange | undefined, maxExtents: number | undefined, ctx: EngineContext): Promise<PackedExtentMap> {
  if (window) checkRange('map', [path], 'window', window.offset, window.length);
  checkMaxExtents(path, maxExtents);
  const limit = maxExtents === undefined ? undefined : { maxExtents };
  // A backend that honours the limit stops reading early (Linux FIEMAP); the others read the
  // window and the result is trimmed, so the answer means the same everywhere.
  if (b.extentMapPacked) return limitPackedMap(await b.extentMapPacked(path, window, ctx, limit), maxExtents);
  // packExtents keeps each extent's refcount (the refcount column).
  const { extents, ...rest } = await b.extentMap(path, window, ctx);
  return limitPackedMap({ ...rest, packed: packExtents(extents) }, maxExtents);
}

function checkMaxExtents(path: string, maxExtents: number | undefined): void {
  if (maxExtents !== undefined && !(Number.isSafeInteger(maxExtents) && maxExtents >= 1))
    throw new FsctlError({ operation: 'map', code: 'E_RANGE', paths: [path], message: `map: maxExtents ${maxExtents} is not a positive whole number (E_RANGE).` });
}

/** Run `work` into the destination's temp name, then commit; remove the temp on any failure. */
async function intoDestination(
  operation: 'clone' | 'copy',
  backend: ExtendedBackend,
  source: string,
  destination: string,
  policy: ExistingPolicy,
  ctx: EngineContext,
  work: (temp: string) => Promise<OperationReport>,
): Promise<OperationReport> {
  const t0 = performance.now();
  const dfs = destinationFsFor(backend, destination);
  // The backend checks the source's type when it opens it; the engine needs the source's
  // identity only to refuse overwriting the source with itself.
  const srcInfo = policy === 'overwrite' ? await statRegular(backend, operation, source) : undefined;
  const d = await resolveDestination(operation, source, destination, policy, operation, dfs, srcInfo);
  try {
    const report = await work(d.temp);
    ctx.checkCancelled(); // a cancel that arrives before the rename still leaves nothing
    const final = await commitDestination(operation, d, dfs);
    return { ...report, operation, source, destination: final, durationMs: since(t0) };
  } catch (e) {
    await dfs.remove(d.temp).catch(() => undefined);
    throw relabelError(e, d.temp, d.final);
  }
}

async function cloneFile(resolve: BackendResolver, r: Extract<Request, { op: 'clone' }>, ctx: EngineContext): Promise<OperationReport> {
  if (!sameBackendKind(r.source, r.destination))
    throw new FsctlError({
      operation: 'clone',
      code: 'E_CROSS_VOLUME',
      paths: [r.source, r.destination],
      message: 'clone: source and destination are on different machines or volumes (E_CROSS_VOLUME); block cloning needs one volume.',
    });
  const b = await resolve(r.source);
  const policy = r.onExisting ?? 'fail';
  // Linux: clone into an unnamed O_TMPFILE inode in the destination's folder and name it with
  // linkat, which never replaces: the name is claimed atomically at the end (EEXIST then means
  // "taken": the policy decides, or "became a folder meanwhile": the path below clones into
  // it). A destination that is a folder takes the path below at once: its parent may be on
  // another file system (a mount root), where the unnamed inode would be made and FICLONE would
  // fail with EXDEV. Overwriting needs a replacing rename and a trailing slash means "into this
  // folder": both take the temp-name path below, as does any file system or kernel without
  // O_TMPFILE.
  const anonymous = (b as ExtendedBackend & AnonymousClone).cloneFileAnonymous;
  const dfs = destinationFsFor(b, r.destination);
  if (
    anonymous &&
    policy !== 'overwrite' &&
    !isSmbPath(r.destination) &&
    !/[\\/]$/.test(r.destination) &&
    !isLocalDirectory(r.destination)
  ) {
    const t0 = performance.now();
    const dir = dfs.path.dirname(r.destination);
    const d: ResolvedDestination = { dir, final: dfs.path.join(dir, dfs.path.basename(r.destination)), temp: '', overwrite: false, policy, label: 'clone' };
    try {
      const rep = await anonymous.call(b, r.source, d.dir, d.final, ctx, async (link) => {
        let isFolder = false;
        const final = await commitDestinationWith('clone', d, dfs, async (to) => {
          try {
            await link(to);
          } catch (e) {
            if (to !== d.final || (e as NodeJS.ErrnoException).code !== 'EEXIST' || (await dfs.stat(to)).kind !== 'directory') throw e;
            isFolder = true;
          }
        });
        return isFolder ? undefined : final;
      });
      if (rep) return { ...rep, durationMs: since(t0) };
    } catch (e) {
      // Nothing exists yet (the inode had no name); the path below makes the copy fallback.
      if (r.fallback !== 'copy' || isCancelled(e) || !fallbackAllowed(e, CLONE_IMPOSSIBLE)) throw e;
    }
  }
  return intoDestination('clone', b, r.source, r.destination, policy, ctx, async (temp) => {
    try {
      return await b.cloneFile(r.source, temp, ctx);
    } catch (e) {
      if (r.fallback !== 'copy' || isCancelled(e) || !fallbackAllowed(e, CLONE_IMPOSSIBLE)) throw e;
      const reason = (relabelError(e, temp, r.destination) as FsctlError).message;
      await (b.remove?.(temp) ?? Promise.resolve()).catch(() => undefined);
      const rep = await copyWithFallback(b, 'clone', r.source, temp, ctx);
      return { ...rep, operation: 'clone', fellBack: true, fallbackReason: reason };
    }
  });
}

/** Backends with a synchronous plain-case whole-file clone (LinuxBackend.cloneToNewName). */
interface FastClone {
  cloneToNewName?(source: string, destination: string, ctx: OpContext): OperationReport | undefined;
}

/**
 * The plain local clone (a new name, no overwrite, no trailing slash) in one synchronous pass,
 * or undefined, having left nothing, when cloneFile below must decide (name taken, a folder,
 * FICLONE refused, no O_TMPFILE): see LinuxBackend.cloneToNewName.
 */
function cloneFast(r: Extract<Request, { op: 'clone' }>, ctx: OpContext): OperationReport | undefined {
  const last = r.destination.charCodeAt(r.destination.length - 1); // a trailing separator means "into this folder"
  if (r.onExisting === 'overwrite' || last === 0x2f || last === 0x5c || isSmbPath(r.source) || isSmbPath(r.destination)) return undefined;
  return (localBackend() as Backend & FastClone).cloneToNewName?.(r.source, r.destination, ctx);
}

/** For a pass that never yields (so nothing can cancel it midway) and whose caller wants no progress. */
const UNOBSERVED: OpContext = { checkCancelled() {}, progress() {} };

/**
 * cloneFast for an in-thread caller with no progress callback (the CLI, a script), before a
 * cancel context, the request's path list or a promise chain is built: every layer around a
 * ~60 µs clone costs whole µs (its code runs cold between the system calls; bench/NOTES.md).
 * Undefined when the case is not the plain one; then the caller runs the request in full.
 */
export function cloneUnobserved(source: string, destination: string, onExisting: ExistingPolicy | undefined): OperationReport | undefined {
  return cloneFast({ op: 'clone', source, destination, onExisting }, UNOBSERVED);
}

/**
 * Whether a local destination is a folder (following symlinks), for the clone fast path's
 * "a folder takes the folder path" rule. A plain stat, not dfs.stat: only the type is needed,
 * and the backend's stat builds bigint sizes and ids on every clone. A missing name is the
 * common case and costs no exception; any other failure (EACCES, ENOTDIR, ELOOP) throws as
 * dfs.stat did, and normalizeError names it.
 */
function isLocalDirectory(p: string): boolean {
  return fs.statSync(p, { throwIfNoEntry: false })?.isDirectory() === true;
}

/** Backends that can clone into an unnamed file and name it at the end (LinuxBackend). */
interface AnonymousClone {
  cloneFileAnonymous?(
    source: string,
    dir: string,
    finalName: string,
    ctx: EngineContext,
    commit: (link: (to: string) => Promise<void>) => Promise<string | undefined>,
  ): Promise<OperationReport | undefined>;
}

/** The in-kernel/server copy, then the portable hole-keeping copy when that cannot run. */
async function copyWithFallback(b: ExtendedBackend, operation: Operation, source: string, temp: string, ctx: EngineContext): Promise<OperationReport> {
  try {
    return await b.copyFile(source, temp, ctx);
  } catch (e) {
    if (isCancelled(e) || !fallbackAllowed(e, COPY_IMPOSSIBLE)) throw e;
    if (isSmbPath(source)) {
      if (b.sparseCopy) return b.sparseCopy(source, temp, ctx);
      throw e;
    }
    await (b.remove?.(temp) ?? Promise.resolve()).catch(() => undefined);
    const rep = await sparseCopyFile(b, b.io ?? nodeIo, operation, source, temp, ctx);
    return { ...rep, notes: [...(rep.notes ?? []), `${e.code}: the in-kernel copy could not run, so a hole-keeping copy was made`] };
  }
}

async function copyFile(resolve: BackendResolver, r: Extract<Request, { op: 'copy' }>, ctx: EngineContext): Promise<OperationReport> {
  if (!sameBackendKind(r.source, r.destination))
    throw new FsctlError({
      operation: 'copy',
      code: 'E_UNSUPPORTED',
      paths: [r.source, r.destination],
      message: 'copy: copying between an SMB share and a local path is not supported (E_UNSUPPORTED); copy within one share or locally.',
    });
  const b = await resolve(r.source);
  return intoDestination('copy', b, r.source, r.destination, r.onExisting ?? 'fail', ctx, (temp) => copyWithFallback(b, 'copy', r.source, temp, ctx));
}

async function cloneRange(resolve: BackendResolver, r: Extract<Request, { op: 'clone-range' }>, ctx: EngineContext): Promise<OperationReport> {
  const op: Operation = 'clone-range';
  const paths = r.source === r.target ? [r.source] : [r.source, r.target];
  checkRange(op, paths, 'source', r.sourceOffset, r.length);
  checkRange(op, paths, 'destination', r.targetOffset, r.length);
  if (!sameBackendKind(r.source, r.target))
    throw new FsctlError({ operation: op, code: 'E_CROSS_VOLUME', paths, message: 'clone-range: source and destination are on different machines or volumes (E_CROSS_VOLUME); block cloning needs one volume.' });
  const b = await resolve(r.source);
  const src = await statRegular(b, op, r.source);
  const dst = await statRegular(b, op, r.target);
  const length = r.length === 0n ? src.size - r.sourceOffset : r.length;
  if (r.sourceOffset > src.size || length < 0n) throw rangeError(op, paths, `the source offset ${r.sourceOffset} is past the source's end (${src.size} bytes)`);
  if (length === 0n) throw rangeError(op, paths, 'the range is empty (nothing to clone)');
  if (r.sourceOffset + length > src.size)
    throw rangeError(op, paths, `the source range ${r.sourceOffset}+${length} ends past the source's end (${src.size} bytes)`);
  if (r.extend === false && r.targetOffset + length > dst.size)
    throw rangeError(op, paths, `the destination range ${r.targetOffset}+${length} ends past the destination's end (${dst.size} bytes) and extending was not allowed`);
  const same = src.fileId !== undefined && src.fileId === dst.fileId;
  if (same && r.sourceOffset < r.targetOffset + length && r.targetOffset < r.sourceOffset + length)
    throw new FsctlError({
      operation: op,
      code: 'E_OVERLAP',
      paths,
      message: `clone-range: the source range ${r.sourceOffset}+${length} and the destination range ${r.targetOffset}+${length} overlap in the same file (E_OVERLAP); choose ranges that do not overlap.`,
    });
  // Only the block size matters here: no clone probe (no temporary files in the user's folder).
  const vol = b.fsInfo ? await b.fsInfo(r.source) : await b.volume(r.source);
  const bs = BigInt(vol.blockSize);
  const endsAtEof = r.sourceOffset + length === src.size;
  const bad: string[] = [];
  if (r.sourceOffset % bs !== 0n) bad.push(`source offset ${r.sourceOffset}`);
  if (r.targetOffset % bs !== 0n) bad.push(`destination offset ${r.targetOffset}`);
  if (length % bs !== 0n && !endsAtEof) bad.push(`length ${length}`);
  // The kernel shares the partial last block only when it also lands at the destination's end:
  // a partial block cannot be placed in the middle of a file (Linux generic_remap_checks).
  const tailInside = bad.length === 0 && length % bs !== 0n && r.targetOffset + length < dst.size;
  if (tailInside) bad.push(`length ${length} (a partial last block can only be cloned to the destination's end, ${dst.size} bytes)`);
  const misaligned =
    bad.length > 0
      ? new FsctlError({
          operation: op,
          code: 'E_MISALIGNED',
          paths,
          message: `clone-range: ${bad.join(', ')} ${bad.length > 1 ? 'are' : 'is'} not a multiple of the ${vol.filesystem} block size ${vol.blockSize} bytes (E_MISALIGNED); block cloning shares whole blocks, so offsets must be multiples of ${vol.blockSize} and so must the length unless the range ends at the source's end (${src.size} bytes).`,
        })
      : undefined;
  if (misaligned && r.fallback !== 'copy') throw misaligned;
  if (!misaligned) {
    try {
      return await b.cloneRange(r.source, r.sourceOffset, r.target, r.targetOffset, length, { atomic: r.atomic }, ctx);
    } catch (e) {
      if (r.fallback !== 'copy' || isCancelled(e) || !fallbackAllowed(e, CLONE_IMPOSSIBLE)) throw e;
      return rangeFallback(b, r, length, ctx, e.message);
    }
  }
  return rangeFallback(b, r, length, ctx, misaligned!.message);
}

async function rangeFallback(
  b: ExtendedBackend,
  r: Extract<Request, { op: 'clone-range' }>,
  length: bigint,
  ctx: EngineContext,
  reason: string,
): Promise<OperationReport> {
  if (isSmbPath(r.source))
    throw new FsctlError({ operation: 'clone-range', code: 'E_UNSUPPORTED', paths: [r.source, r.target], message: `clone-range: ${reason} A copy fallback is not available on SMB paths (E_UNSUPPORTED).` });
  const rep = await copyRangeBytes(b.io ?? nodeIo, r.source, r.sourceOffset, r.target, r.targetOffset, length, ctx);
  return { ...rep, fellBack: true, fallbackReason: reason };
}

export type { Backend };
