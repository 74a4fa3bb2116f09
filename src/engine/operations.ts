// The engine's operations, written once over any Backend: argument checks, destination safety
// (temp name + rename at the end + cleanup), the copy fallbacks and the reports. The same code
// runs in the caller's thread (SignalContext) and in the worker (SharedFlagContext).
// (Over 400 lines on purpose: every operation's checks and policy in one file, so that each
// rule is written once; clone-range's alignment and overlap checks are the largest part.)

import type { Backend } from './backend';
import { isSmbPath } from './smb-path';
import type { ExtendedBackend, PathInfo, PendingFile } from './backend-ext';
import { limitPackedMap, packExtents, type PackedExtentMap } from './map-format';
import type { EngineContext } from './context';
import {
  commitDestinationWith,
  type DestinationFs,
  destinationFsFor,
  relabelError,
  resolveDestination,
  type ResolvedDestination,
  stillReplacing,
} from './destination';
import { digHoles } from './dig-holes';
import { withFsFreed } from './fs-freed';
import { nodeFsError } from './errno';
import { CROSS_VOLUME_CODES, FsctlError, isCancelled, resaid } from './errors';
import { notRegularError } from './file-kind';
import { withRefusedCall } from './call-count';
import { copyRangeBytes, nodeIo, sparseCopyFile } from './sparse-copy';
import { spaceOf, type SpaceOptions } from './space';
import { findDuplicates } from './dedupe-find';
import { applyDedupe } from './dedupe-apply';
import type { DedupePlan, DedupeReport } from './dedupe-types';
import type { SpaceResult } from './space-types';
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
  | { op: 'copy'; source: string; destination: string; onExisting?: ExistingPolicy; reflink?: 'auto' | 'never' }
  /** Where `onExisting: 'rename'` would put a clone or copy of `source` now (engine.renamedPath); changes nothing. */
  | { op: 'renamed-path'; operation: 'clone' | 'copy'; source: string; destination: string }
  | { op: 'punch'; path: string; range: ByteRange }
  | { op: 'zero'; path: string; range: ByteRange; keepAllocated?: boolean }
  | { op: 'dig-holes'; path: string; blockSize?: number }
  | { op: 'set-sparse'; path: string; sparse: boolean }
  // onFile, onFileMapped, onFileShared: functions, so in the caller's thread only (engine.ts strips
  // them before a request goes to the worker, which sets its own that send the rows back in batches)
  | ({ op: 'space'; paths: string[] } & SpaceOptions)
  | { op: 'dedupe-find'; paths: string[]; chunk?: bigint; minSize?: bigint }
  | { op: 'dedupe'; plan: DedupePlan };

export type Response =
  RangesResult | PackedExtentMap | PackedExtentMap[] | VolumeInfo | OperationReport | SpaceResult | DedupePlan | DedupeReport | string;

/** Most windows one map-windows request may ask for (one per device pixel of a wide view). */
const MAX_MAP_WINDOWS = 32_768;

type BackendResolver = (path: string) => Promise<ExtendedBackend>;

/** The paths a request touches (for error messages and for choosing thread/backend). */
export function requestPaths(r: Request): string[] {
  switch (r.op) {
    case 'clone':
    case 'copy':
    case 'renamed-path':
      return [r.source, r.destination];
    case 'clone-range':
      return r.source === r.target ? [r.source] : [r.source, r.target];
    case 'space':
    case 'dedupe-find':
      return r.paths;
    case 'dedupe':
      // The sources name the plan's file systems (a group never spans two), which is what routing needs.
      return Array.isArray(r.plan?.groups)
        ? [...new Set(r.plan.groups.map((g) => g?.ranges?.[0]?.path).filter((p): p is string => typeof p === 'string'))]
        : [];
    default:
      return [r.path];
  }
}

export function requestOperation(r: Request): Operation {
  return r.op === 'map-windows' ? 'map' : r.op === 'dedupe-find' ? 'dedupe' : r.op === 'renamed-path' ? r.operation : r.op;
}

const MAX_OFF = (1n << 63n) - 1n;

function rangeError(operation: Operation, paths: string[], what: string): FsctlError {
  return new FsctlError({ operation, code: 'E_RANGE', paths, message: `${operation}: ${what} (E_RANGE).` });
}

/** Negative, non-bigint or past-2^63 offsets are refused before any call. */
function checkRange(operation: Operation, paths: string[], name: string, offset: bigint, length: bigint): void {
  if (typeof offset !== 'bigint' || typeof length !== 'bigint')
    throw new FsctlError({
      operation,
      code: 'E_BAD_INPUT',
      paths,
      message: `${operation}: ${name} offset and length must be exact integers (bigint) (E_BAD_INPUT).`,
    });
  if (offset < 0n) throw rangeError(operation, paths, `${name} offset ${offset} is negative`);
  if (length < 0n) throw rangeError(operation, paths, `${name} length ${length} is negative`);
  if (offset + length > MAX_OFF)
    throw rangeError(operation, paths, `${name} offset ${offset} + length ${length} is beyond the largest file offset 2^63-1`);
}

async function statRegular(backend: ExtendedBackend, operation: Operation, p: string): Promise<PathInfo> {
  const dfs = destinationFsFor(backend, p);
  const info = await dfs.stat(p).catch((e) => {
    const code = (e as NodeJS.ErrnoException).code;
    // an OS error (EIO on a failing or shut-down disk) in the words every other command uses, with what to do
    throw e instanceof FsctlError
      ? e
      : typeof code === 'string' && /^E[A-Z0-9]+$/.test(code)
        ? nodeFsError(operation, e, [p])
        : new FsctlError({
            operation,
            code: (e as NodeJS.ErrnoException).code ?? 'EIO',
            paths: [p],
            message: `${operation}: cannot read ${p}: ${(e as Error).message}.`,
          });
  });
  if (info.kind !== 'file') throw notRegularError(operation, p, info.kind, info.missingCode);
  return info;
}

/** Errors after which a copy can still do the job (the file system just cannot share blocks). */
const CLONE_IMPOSSIBLE = new Set([
  'ETXTBSY',
  'EOPNOTSUPP',
  'ENOTSUP',
  'ENOTTY',
  'ENOSYS',
  'EXDEV',
  'EINVAL',
  'E_NODATACOW',
  'E_UNSUPPORTED',
  'E_CROSS_VOLUME',
  'ERROR_NOT_SUPPORTED',
  'ERROR_INVALID_FUNCTION',
  'ERROR_INVALID_PARAMETER',
  'ERROR_BLOCK_TOO_MANY_REFERENCES',
  'STATUS_NOT_SUPPORTED',
  'STATUS_INVALID_DEVICE_REQUEST',
  'STATUS_INVALID_PARAMETER',
  ...CROSS_VOLUME_CODES,
]);
// ETXTBSY: copy_file_range and FICLONE refuse an active swap file (the kernel's
// generic_copy_file_checks), which reading and writing copies as cp does.
const COPY_IMPOSSIBLE = new Set([
  'ETXTBSY',
  'EXDEV',
  'EOPNOTSUPP',
  'ENOTSUP',
  'ENOSYS',
  'EINVAL',
  'E_UNSUPPORTED',
  'ERROR_NOT_SUPPORTED',
  'ERROR_INVALID_FUNCTION',
  'STATUS_NOT_SUPPORTED',
  'STATUS_INVALID_DEVICE_REQUEST',
]);

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
function normalizeError(r: Request, e: unknown): FsctlError {
  const paths = requestPaths(r);
  if (e instanceof FsctlError) {
    if (e.paths.length > 0) return e;
    // A backend that did not know the path (e.g. a connection failure): name the request's.
    return resaid(e, { paths });
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

export function runRequest(resolve: BackendResolver, r: Request, ctx: EngineContext): Promise<Response> {
  return runRequestRaw(resolve, r, ctx).catch((e: unknown) => {
    throw normalizeError(r, e);
  });
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
        throw new FsctlError({
          operation: 'map',
          code: 'E_RANGE',
          paths: [r.path],
          message: `map: at most ${MAX_MAP_WINDOWS} windows per request (E_RANGE).`,
        });
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
    case 'renamed-path': {
      // resolveDestination itself, with 'rename': the suggestion is the name the operation would take
      const dfs = destinationFsFor(await resolve(r.destination), r.destination);
      return (await resolveDestination(r.operation, r.source, r.destination, 'rename', r.operation, dfs)).final;
    }
    case 'punch':
    case 'zero': {
      const b = await resolve(r.path);
      checkRange(r.op, [r.path], 'range', r.range.offset, r.range.length);
      await statRegular(b, r.op, r.path);
      // A Ctrl-C that came during the checks' (or the free-space measure's syncfs) native calls
      // is heard on the next turn of the event loop: taken before the file is changed (a trial's
      // punch went ahead and exited 0).
      await ctx.checkCancelledBeforeCommit();
      if (r.op === 'zero' && r.keepAllocated) {
        if (!b.keepsAllocated || !b.zeroRange)
          throw new FsctlError({
            operation: 'zero',
            code: 'E_UNSUPPORTED',
            paths: [r.path],
            message: `zero: keeping the range allocated needs Linux's FALLOC_FL_ZERO_RANGE, which the ${b.name} backend has not (E_UNSUPPORTED); zero it without keeping it allocated, or write zeros with another tool.`,
          });
        return b.zeroRange(r.path, r.range, ctx, { keepAllocated: true });
      }
      if (r.op === 'zero' && b.zeroRange) return b.zeroRange(r.path, r.range, ctx);
      const punch = async () => {
        await ctx.checkCancelledBeforeCommit();
        return { ...(await b.punchHole(r.path, r.range, ctx)), operation: r.op };
      };
      return r.op === 'zero' ? punch() : withFsFreed(b, r.path, punch);
    }
    case 'dig-holes': {
      const b = await resolve(r.path);
      const dig = async () => {
        await statRegular(b, 'dig-holes', r.path);
        return withFsFreed(b, r.path, () => digHoles(b, r.path, r.blockSize, ctx));
      };
      // (its backend calls' errors are named after them, 'punch' or 'volume' (an SMB stat): named after dig-holes)
      return dig().catch((e: unknown) =>
        Promise.reject(e instanceof FsctlError && e.operation !== 'dig-holes' ? resaid(e, { operation: 'dig-holes' }) : e),
      );
    }
    case 'set-sparse': {
      const b = await resolve(r.path);
      await statRegular(b, 'set-sparse', r.path);
      return b.setSparse(r.path, r.sparse, ctx);
    }
    case 'space':
      return spaceOf(resolve, r.paths, ctx, r);
    case 'dedupe-find':
      return findDuplicates(resolve, r.paths, ctx, { chunk: r.chunk, minSize: r.minSize });
    case 'dedupe':
      return applyDedupe(resolve, r.plan, ctx);
  }
}

/** One map of `path` (or of a window of it), bounded by `maxExtents` when given. */
async function readMap(
  b: ExtendedBackend,
  path: string,
  window: ByteRange | undefined,
  maxExtents: number | undefined,
  ctx: EngineContext,
): Promise<PackedExtentMap> {
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
    throw new FsctlError({
      operation: 'map',
      code: 'E_RANGE',
      paths: [path],
      message: `map: maxExtents ${maxExtents} is not a positive whole number (E_RANGE).`,
    });
}

/**
 * The data on its way to a destination: made under a temporary name (or, on Linux, with no name
 * yet) and given its final name by `place`, which must never replace unless told to. `close`
 * runs in every case; it removes what was not placed.
 */
interface Staged {
  report: OperationReport;
  place(to: string, replace: boolean): Promise<void>;
  close(): Promise<void>;
}

/** Staged data under the temporary name `d.temp`, through the destination's file operations. */
function stagedAtTemp(report: OperationReport, d: ResolvedDestination, dfs: DestinationFs): Staged {
  let placed = false;
  return {
    report,
    place: async (to, replace) => {
      await dfs.rename(d.temp, to, replace);
      placed = true;
    },
    close: async () => {
      if (!placed) await dfs.remove(d.temp).catch(() => undefined);
    },
  };
}

/**
 * Where a clone or copy lands (destination.ts: folder or new path, the existing-name policy, a
 * temporary name in the folder), then `work` stages the data and it is placed under the final
 * name without ever replacing unless overwrite was chosen. A failure or a cancel at any point
 * leaves nothing.
 */
async function intoDestination(
  operation: 'clone' | 'copy',
  backend: ExtendedBackend,
  source: string,
  destination: string,
  policy: ExistingPolicy,
  ctx: EngineContext,
  work: (d: ResolvedDestination, dfs: DestinationFs) => Promise<Staged>,
): Promise<OperationReport> {
  const t0 = performance.now();
  const dfs = destinationFsFor(backend, destination);
  // The backend checks the source's type when it opens it; the engine needs the source's
  // identity only to refuse overwriting the source with itself.
  const srcInfo = policy === 'overwrite' ? await statRegular(backend, operation, source) : undefined;
  const d = await resolveDestination(operation, source, destination, policy, operation, dfs, srcInfo);
  let staged: Staged | undefined;
  let refusedChanged = false;
  try {
    staged = await work(d, dfs);
    await ctx.checkCancelledBeforeCommit(); // a cancel that arrives before the name is given still leaves nothing
    const s = staged;
    let replaced = false;
    const final = await commitDestinationWith(operation, d, dfs, async (to) => {
      refusedChanged = true;
      replaced = d.overwrite && (await stillReplacing(operation, d, dfs, to));
      refusedChanged = false;
      await s.place(to, replaced);
    });
    // The report is the staged work's own object: completed in place (a spread copy of it
    // measured as a tenth of the engine's own time in a clone).
    const report = staged.report;
    report.operation = operation;
    report.source = source;
    report.destination = final;
    if (replaced) {
      // said, not only done: the old data is gone from this name, yet not from the file's other names
      report.replaced = true;
      (report.notes ??= []).push(
        `${final} existed and was replaced by the new file; other hard links to the old file, and programs that have it open, still see its old data`,
      );
    }
    // a fallback's reason may name the temporary file, which the person never chose
    if (report.fallbackReason) report.fallbackReason = report.fallbackReason.split(d.temp).join(final);
    report.durationMs = since(t0);
    return report;
  } catch (e) {
    const named = relabelError(e, d.temp, d.final);
    // "pwrite failed on …/old.img: no space left" read as if the file being replaced was written
    // (stillReplacing's refusal says itself that nothing was overwritten)
    throw d.overwrite && named instanceof FsctlError && !isCancelled(named) && !refusedChanged ? keptOnFailure(named, d.final) : named;
  } finally {
    await (staged ? staged.close() : dfs.remove(d.temp)).catch(() => undefined);
  }
}

/** The sentences a placing step returned, in the report's notes. */
function saidToo(report: OperationReport, said: string[] | void): void {
  if (said && said.length > 0) (report.notes ??= []).push(...said);
}

/** An overwrite that failed: the file it was to replace is as it was (the new data went to a new file). */
function keptOnFailure(e: FsctlError, final: string): FsctlError {
  return resaid(e, { message: `${e.message} ${final} itself was not changed: the new data went to a new file, not into it.` });
}

/**
 * A clone between an SMB share and a local path: nothing can be shared, and the copy a fallback
 * would make is not supported between them either (as `copy` says), so a fallback asked for is
 * refused as such rather than as a clone a fallback would get past.
 */
function acrossShareAndLocal(operation: 'clone' | 'clone-range', paths: string[], fallback: 'none' | 'copy' | undefined): FsctlError {
  return fallback === 'copy'
    ? new FsctlError({
        operation,
        code: 'E_UNSUPPORTED',
        paths,
        message: `${operation}: nothing can be cloned between an SMB share and a local path, and copying between them is not supported either (E_UNSUPPORTED); to bring the data across, use smbclient's get or put (or a mount of the share).`,
      })
    : new FsctlError({
        operation,
        code: 'E_CROSS_VOLUME',
        paths,
        message: `${operation}: source and destination are on different machines or volumes (E_CROSS_VOLUME); block cloning needs one volume: clone within the share, or bring the data across with smbclient's get or put (or a mount of the share).`,
      });
}

/**
 * A whole-file clone. Where the backend has the synchronous clone core (Linux: cloneNew) it is
 * the one way; elsewhere the backend clones into the temporary name. Either way the engine
 * places the result by its policy, and a copy is made instead only when asked and only when
 * the file system cannot clone.
 */
async function cloneFile(resolve: BackendResolver, r: Extract<Request, { op: 'clone' }>, ctx: EngineContext): Promise<OperationReport> {
  if (!sameBackendKind(r.source, r.destination)) throw acrossShareAndLocal('clone', [r.source, r.destination], r.fallback);
  const b = await resolve(r.source);
  return intoDestination('clone', b, r.source, r.destination, r.onExisting ?? 'fail', ctx, async (d, dfs) => {
    try {
      if (b.cloneNew) {
        const p = b.cloneNew(r.source, d, ctx);
        const report: OperationReport = {
          operation: 'clone',
          method: 'FICLONE',
          source: r.source,
          bytes: p.bytes,
          calls: 1,
          durationMs: 0, // intoDestination sets it
          ...(p.notes ? { notes: p.notes } : {}),
        };
        return { report, place: async (to, replace) => saidToo(report, p.place(to, replace)), close: async () => p.close() };
      }
      return stagedAtTemp(await b.cloneFile(r.source, d.temp, ctx), d, dfs);
    } catch (e) {
      if (r.fallback !== 'copy' || isCancelled(e) || !fallbackAllowed(e, CLONE_IMPOSSIBLE)) throw e;
      await (b.remove?.(d.temp) ?? Promise.resolve()).catch(() => undefined);
      const cloneName = d.final;
      await d.madeAs('copy', dfs); // an automatic name says what is made: "name (copy).ext"
      // (the refusal names the file made, not the clone's name, which was never made)
      const reason = (relabelError(relabelError(e, d.temp, r.destination), cloneName, d.final) as FsctlError).message;
      let s: Staged;
      try {
        s = await stagedCopy(b, 'clone', r.source, d, dfs, ctx);
      } catch (c) {
        // the command was clone: its error says so, and that the copy it allowed is what failed
        if (!(c instanceof FsctlError) || isCancelled(c)) throw c;
        throw new FsctlError({
          operation: 'clone',
          code: c.code,
          errno: c.errno,
          syscall: c.syscall,
          paths: c.paths,
          message: `clone: cloning was not possible, and the copy made instead failed: ${c.message.replace(/^copy: /, '')}`,
          cause: c,
        });
      }
      const otherCalls = withRefusedCall(s.report.otherCalls, e.syscall); // (the refused FICLONE too)
      Object.assign(s.report, { operation: 'clone', fellBack: true, fallbackReason: reason }, otherCalls ? { otherCalls } : {});
      return s;
    }
  });
}

/**
 * The in-kernel/server copy, then the portable hole-keeping copy when that cannot run; with
 * `portable`, only the latter (the copy's own blocks: no sharing by the kernel or server).
 */
async function copyWithFallback(
  b: ExtendedBackend,
  operation: Operation,
  source: string,
  temp: string,
  ctx: EngineContext,
  portable = false,
): Promise<OperationReport> {
  const readWrite = (): Promise<OperationReport> =>
    isSmbPath(source) && b.sparseCopy ? b.sparseCopy(source, temp, ctx) : sparseCopyFile(b, b.io ?? nodeIo, operation, source, temp, ctx);
  if (portable) return readWrite();
  try {
    return await b.copyFile(source, temp, ctx);
  } catch (e) {
    if (isCancelled(e) || !fallbackAllowed(e, COPY_IMPOSSIBLE)) throw e;
    if (isSmbPath(source) && !b.sparseCopy) throw e;
    if (!isSmbPath(source)) await (b.remove?.(temp) ?? Promise.resolve()).catch(() => undefined);
    const rep = await readWrite();
    return isSmbPath(source)
      ? rep
      : { ...rep, notes: [...(rep.notes ?? []), `${e.code}: the in-kernel copy could not run, so a hole-keeping copy was made`] };
  }
}

/**
 * A whole-file copy staged for intoDestination: where the backend has copyNew (Linux), an
 * unnamed new file (in the kernel, then read/write where the kernel cannot copy); elsewhere the
 * backend's copy into the temporary name.
 */
async function stagedCopy(
  b: ExtendedBackend,
  operation: Operation,
  source: string,
  d: ResolvedDestination,
  dfs: DestinationFs,
  ctx: EngineContext,
  portable = false,
): Promise<Staged> {
  if (!b.copyNew) return stagedAtTemp(await copyWithFallback(b, operation, source, d.temp, ctx, portable), d, dfs);
  const staged = (p: PendingFile): Staged => ({
    report: p.report,
    place: async (to, r) => saidToo(p.report, p.place(to, r)),
    close: async () => p.close(),
  });
  if (portable) return staged(await b.copyNew(source, d, ctx, { portable: true }));
  try {
    return staged(await b.copyNew(source, d, ctx));
  } catch (e) {
    if (isCancelled(e) || !fallbackAllowed(e, COPY_IMPOSSIBLE)) throw e;
    const p = await b.copyNew(source, d, ctx, { portable: true });
    (p.report.notes ??= []).push(`${e.code}: the in-kernel copy could not run, so a hole-keeping copy was made`);
    return staged(p);
  }
}

async function copyFile(resolve: BackendResolver, r: Extract<Request, { op: 'copy' }>, ctx: EngineContext): Promise<OperationReport> {
  if (!sameBackendKind(r.source, r.destination))
    throw new FsctlError({
      operation: 'copy',
      code: 'E_UNSUPPORTED',
      paths: [r.source, r.destination],
      message:
        `copy: ${isSmbPath(r.source) ? `${r.source} is on an SMB share and ${r.destination} on this computer` : `${r.source} is on this computer and ${r.destination} on an SMB share`}: ` +
        'copy works within a share, between shares and between local paths, not between a share and this computer (E_UNSUPPORTED); ' +
        "use smbclient's get or put (or a mount of the share) for that.",
    });
  const b = await resolve(r.source);
  return intoDestination('copy', b, r.source, r.destination, r.onExisting ?? 'fail', ctx, (d, dfs) =>
    stagedCopy(b, 'copy', r.source, d, dfs, ctx, r.reflink === 'never'),
  );
}

async function cloneRange(
  resolve: BackendResolver,
  r: Extract<Request, { op: 'clone-range' }>,
  ctx: EngineContext,
): Promise<OperationReport> {
  const op: Operation = 'clone-range';
  const paths = r.source === r.target ? [r.source] : [r.source, r.target];
  checkRange(op, paths, 'source', r.sourceOffset, r.length);
  checkRange(op, paths, 'destination', r.targetOffset, r.length);
  if (!sameBackendKind(r.source, r.target)) throw acrossShareAndLocal(op, paths, r.fallback);
  const b = await resolve(r.source);
  // (a trial: --atomic on Linux was accepted and ignored; what cannot be honoured is refused up front)
  if (r.atomic && !b.atomicCloneRange)
    throw new FsctlError({
      operation: op,
      code: 'E_UNSUPPORTED',
      paths,
      refusedOption: 'atomic',
      message:
        `clone-range: an atomic (all or nothing) clone is not possible ${b.name === 'linux' ? 'on Linux' : b.name === 'darwin' ? 'on macOS' : `with the ${b.name} backend`} (E_UNSUPPORTED): ` +
        (b.name === 'linux'
          ? 'FICLONERANGE has no all-or-nothing mode (a failure part way, such as ENOSPC or EIO, leaves part of the range shared); '
          : '') +
        'only Windows and SMB (ReFS: FSCTL_DUPLICATE_EXTENTS_TO_FILE_EX with SOURCE_ATOMIC) offer it; clone without it.',
    });
  const src = await statRegular(b, op, r.source);
  const dst = await statRegular(b, op, r.target);
  const length = r.length === 0n ? src.size - r.sourceOffset : r.length;
  // Each refusal says what would fit (the offsets and lengths that the source and destination allow).
  const below =
    src.size === 0n
      ? `${r.source} has a size of 0 bytes; choose a source that holds data (a file of /proc says 0 whatever it holds: copy it whole instead)`
      : `choose a source offset below ${src.size}`;
  if (r.sourceOffset > src.size || length < 0n)
    throw rangeError(op, paths, `the source offset ${r.sourceOffset} is past the source's end (${src.size} bytes); ${below}`);
  if (length === 0n)
    throw rangeError(
      op,
      paths,
      `the range is empty (nothing to clone): ${src.size === 0n ? below : `the source offset ${r.sourceOffset} is the source's end; ${below}`}`,
    );
  if (r.targetOffset + length > MAX_OFF)
    // LENGTH 0 (to the source's end): known only now; the kernel would say EINVAL
    throw rangeError(
      op,
      paths,
      `the destination range ${r.targetOffset}+${length} (to the source's end) would end past the largest file size, 2^63 - 1 bytes; choose a lower destination offset or a shorter LENGTH`,
    );
  if (r.sourceOffset + length > src.size)
    throw rangeError(
      op,
      paths,
      `the source range ${r.sourceOffset}+${length} ends past the source's end (${src.size} bytes); ${r.sourceOffset < src.size ? `at most ${src.size - r.sourceOffset} bytes fit from that offset (a length of 0 takes them all)` : below}`,
    );
  if (r.extend === false && r.targetOffset + length > dst.size)
    throw rangeError(
      op,
      paths,
      `the destination range ${r.targetOffset}+${length} ends past the destination's end (${dst.size} bytes) and extending was not allowed; ` +
        // (an empty destination has no offset below its end: "must be below 0" read as nonsense)
        (dst.size === 0n
          ? 'the destination is empty, so nothing fits in it: allow it to grow'
          : `${
              r.targetOffset < dst.size
                ? `at most ${dst.size - r.targetOffset} bytes fit there`
                : // (where the range fits, not only "below the end": 1048575 is below a 1 MiB end and a 4096-byte range still does not fit)
                  length <= dst.size
                  ? `the destination offset must be at most ${dst.size - length} for ${length} bytes to fit`
                  : `the destination holds ${dst.size} bytes, fewer than the ${length} asked for`
            }, or allow the destination to grow`),
    );
  // One file by its identity (dev:ino; volume + file index on Windows and SMB), so also by a case
  // alias or a hard link; where a backend cannot tell (no index), the same path is still one file.
  const same = src.fileId !== undefined && dst.fileId !== undefined ? src.fileId === dst.fileId : r.source === r.target;
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
  const block = isSmbPath(r.source) ? "share's cluster" : `${vol.filesystem} block`; // (Samba says "NTFS" over any file system)
  const endsAtEof = r.sourceOffset + length === src.size;
  const bad: string[] = [];
  if (r.sourceOffset % bs !== 0n) bad.push(`source offset ${r.sourceOffset}`);
  if (r.targetOffset % bs !== 0n) bad.push(`destination offset ${r.targetOffset}`);
  if (length % bs !== 0n && !endsAtEof) bad.push(`length ${length}`);
  // The kernel shares the partial last block only when it also lands at the destination's end:
  // a partial block cannot be placed in the middle of a file (Linux generic_remap_checks).
  const tailInside = bad.length === 0 && length % bs !== 0n && r.targetOffset + length < dst.size;
  const misaligned =
    bad.length > 0 || tailInside
      ? new FsctlError({
          operation: op,
          code: 'E_MISALIGNED',
          paths,
          message: tailInside
            ? `clone-range: the range ends at the source's end (${src.size} bytes) in a partial ${block} (length ${length} is not a multiple of ${vol.blockSize} bytes), and a partial block can only be cloned to the destination's end: the destination range would end at ${r.targetOffset + length}, inside the destination (${dst.size} bytes) (E_MISALIGNED); clone ${length >= bs ? `${length - (length % bs)} bytes (whole blocks), or ` : ''}a range ending at or past the destination's end.`
            : `clone-range: ${bad.join(', ')} ${bad.length > 1 ? 'are' : 'is'} not a multiple of the ${block} size ${vol.blockSize} bytes (E_MISALIGNED); block cloning shares whole blocks, so offsets must be multiples of ${vol.blockSize} and so must the length unless the range ends at the source's end (${src.size} bytes).`,
        })
      : undefined;
  if (misaligned && r.fallback !== 'copy') throw misaligned;
  // A range ending past the destination's end makes it longer (and a gap before it a hole): said,
  // as the size of a file the person named is not what they may expect to change.
  const grown = (rep: OperationReport): OperationReport => {
    const end = r.targetOffset + length;
    if (end <= dst.size) return rep;
    // ("bytes A to B", as the engine's other range sentences: VS Code's notes give those numbers digit groups)
    const gap = r.targetOffset > dst.size ? `; bytes ${dst.size} to ${r.targetOffset}, before the range, are a hole` : '';
    (rep.notes ??= []).push(`${r.target} grew from ${dst.size} bytes to ${end} bytes${gap}`);
    return rep;
  };
  await ctx.checkCancelledBeforeCommit(); // (as punch: a Ctrl-C during the checks' native calls)
  if (!misaligned) {
    try {
      return grown(await b.cloneRange(r.source, r.sourceOffset, r.target, r.targetOffset, length, { atomic: r.atomic }, ctx));
    } catch (e) {
      if (r.fallback !== 'copy' || isCancelled(e) || !fallbackAllowed(e, CLONE_IMPOSSIBLE)) throw e;
      return grown(await rangeFallback(b, r, length, ctx, e.message, e.syscall));
    }
  }
  return grown(await rangeFallback(b, r, length, ctx, misaligned!.message));
}

async function rangeFallback(
  b: ExtendedBackend,
  r: Extract<Request, { op: 'clone-range' }>,
  length: bigint,
  ctx: EngineContext,
  reason: string,
  refused?: string,
): Promise<OperationReport> {
  if (isSmbPath(r.source))
    throw new FsctlError({
      operation: 'clone-range',
      code: 'E_UNSUPPORTED',
      paths: [r.source, r.target],
      // (the reason may start with the operation already: a misaligned range's sentence does)
      message: `clone-range: ${reason.replace(/^clone-range: /, '')} A copy fallback is not available on SMB paths (E_UNSUPPORTED).`,
    });
  const rep = await copyRangeBytes(b, b.io ?? nodeIo, r.source, r.sourceOffset, r.target, r.targetOffset, length, ctx);
  const otherCalls = withRefusedCall(rep.otherCalls, refused); // (the refused FICLONERANGE too)
  return { ...rep, ...(otherCalls ? { otherCalls } : {}), fellBack: true, fallbackReason: reason };
}

export type { Backend };
