// The engine: one API over every backend (src/engine/backend.ts), with the safety rules of
// src/engine/operations.ts. Local work runs in this thread (CLI, tests) or, with
// `{ worker: true }` (the extension host), in a worker thread so that no native loop blocks the
// caller's event loop. smb:// paths always run here: their backend is network I/O, not a
// native loop.

// node:worker_threads (and the streams it loads) is required only when a worker is started:
// the CLI runs most commands in its own thread and should not pay ~5 ms to load it.
import type { Worker } from 'node:worker_threads';
import { backendFor, isSmbPath, localBackend } from './select-backend';
import { startWorkerScript, workerThreadsCanStart } from './worker-script';
import type { ExtendedBackend } from './backend-ext';
import { unpackExtents, type PackedExtentMap } from './map-format';
import { SignalContext } from './context';
import { cancelledError, FsctlError, type SerializedFsctlError } from './errors';
import { type Request, requestOperation, requestPaths, type Response, runRequest } from './operations';
import type {
  ByteRange,
  CloneFileOptions,
  CloneRangeOptions,
  CopyOptions,
  DigHolesOptions,
  ExtentMap,
  OperationReport,
  Progress,
  RangesResult,
  RunOptions,
  VolumeInfo,
  ZeroOptions,
} from './types';
import type { SpaceResult } from './space-types';
import type { SpaceOptions } from './space';
import type { DedupeFindOptions, DedupePlan, DedupeReport } from './dedupe-types';
import type { WorkerCall, WorkerReply } from './worker-protocol';

/**
 * engine.space's own options (src/engine/space.ts SpaceOptions): exactScan, and the streaming
 * callbacks onFileMapped, onFile and onFileShared; from the worker, their rows come in batches
 * (src/engine/worker-protocol.ts ROW_BATCH), before the result.
 */
export type SpaceRunOptions = SpaceOptions;

export interface EngineOptions {
  /** Run local native work in a worker thread (the extension host); default false (CLI, tests). */
  worker?: boolean;
  /** The worker script; default dist/worker.js next to the bundle, or src/engine/worker.ts under tsx. */
  workerScript?: string;
  /**
   * Node options for the worker threads (default: this process's, as node:worker_threads
   * does). Benchmarks running under tsx pass [] so that the shipped worker.js starts as it
   * does in the extension host, without tsx's loader (which triples its start-up).
   */
  workerExecArgv?: string[];
  /**
   * TEST SEAM: run every request in this thread against this backend instead of the one
   * select-backend.ts picks (no worker, no SMB routing, no Linux clone fast path). Tests use it
   * to drive the whole engine (operations, packing, limits, unpacking) over a backend that
   * cannot run here, e.g. createNtBackend over a stand-in NtTransport that answers like ReFS.
   * Not for production use.
   */
  backend?: ExtendedBackend;
}

export interface MapOptions {
  /** Only this part of the file (extents are clipped to it). */
  window?: ByteRange;
  /** Read at most this many extents (see PackedExtentMap.truncatedAt). */
  maxExtents?: number;
}

export interface Engine {
  ranges(path: string, opts?: RunOptions & { window?: ByteRange }): Promise<RangesResult>;
  map(path: string, opts?: RunOptions & MapOptions): Promise<ExtentMap>;
  /**
   * The same map with the extents in columnar typed arrays (PackedExtents, src/engine/map-format.ts:
   * BigInt64Array offset/length/physical (-1 = unknown), Uint32Array EXTENT_FLAG bits, and a
   * Uint32Array of reference counts where the OS gives them). Millions of extents arrive
   * without creating an object per extent; `unpackExtents` converts.
   * With `maxExtents` the read stops after that many extents and `truncatedAt` says where the
   * exact part ends. Such bounded reads (and volume queries) run on a second worker in worker
   * mode, so they never wait behind a long read of a huge file.
   */
  mapPacked(path: string, opts?: RunOptions & MapOptions): Promise<PackedExtentMap>;
  /**
   * Bounded maps of many windows of one file in one request (at most MAX_MAP_WINDOWS): what
   * mapPacked(path, { window, maxExtents }) gives for each, in order, at the cost of one
   * round trip to the worker instead of one per window (the inspector samples a huge file
   * with one window per bin).
   */
  mapWindows(path: string, windows: ByteRange[], opts: RunOptions & { maxExtents: number }): Promise<PackedExtentMap[]>;
  volume(path: string): Promise<VolumeInfo>;
  /** `destination` is an existing folder (clone keeps the source's name) or a new file path. */
  clone(source: string, destination: string, opts?: CloneFileOptions): Promise<OperationReport>;
  cloneRange(
    source: string,
    sourceOffset: bigint,
    target: string,
    targetOffset: bigint,
    length: bigint,
    opts?: CloneRangeOptions,
  ): Promise<OperationReport>;
  /** Where clone/copy with `onExisting: 'rename'` would put the file now (destination.ts renameBase); changes nothing. */
  renamedPath(operation: 'clone' | 'copy', source: string, destination: string): Promise<string>;
  /** Server-side / in-kernel copy; falls back to a hole-keeping copy and says so in the report. */
  copy(source: string, destination: string, opts?: CopyOptions): Promise<OperationReport>;
  punch(path: string, range: ByteRange, opts?: RunOptions): Promise<OperationReport>;
  /** Make a range read as zeros (punching where the file system can, writing zeros otherwise). */
  zero(path: string, range: ByteRange, opts?: ZeroOptions): Promise<OperationReport>;
  digHoles(path: string, opts?: DigHolesOptions): Promise<OperationReport>;
  setSparse(path: string, sparse: boolean, opts?: RunOptions): Promise<OperationReport>;
  /**
   * Space accounting of a selection (files and folders, walked recursively): per file size,
   * allocated, shared, exclusive and the files it shares with; per file system and in total
   * unique and reclaimable (exact or bounds). Per-path failures land in `errors`. See src/engine/space.ts.
   */
  space(paths: string[], opts?: RunOptions & SpaceRunOptions): Promise<SpaceResult>;
  /**
   * Identical data across the selection (walked like space): whole files, then aligned chunks,
   * each group with its net saving from the physical offsets. Reads only allocated data, never
   * a hole; changes nothing. See src/engine/dedupe-find.ts.
   */
  findDuplicates(paths: string[], opts?: RunOptions & DedupeFindOptions): Promise<DedupePlan>;
  /**
   * Share the plan's ranges (Linux: FIDEDUPERANGE, which compares the bytes itself; a range that
   * changed is left alone and reported), with the space freed measured. See src/engine/dedupe-apply.ts.
   */
  dedupe(plan: DedupePlan, opts?: RunOptions): Promise<DedupeReport>;
  /** Stop the worker, if any. */
  dispose(): Promise<void>;
}

export function createEngine(opts: EngineOptions = {}): Engine {
  return new EngineImpl(opts);
}

/** smb:// paths through the SMB backend (loaded lazily), local paths through this OS's backend. */
async function resolveBackend(p: string): Promise<ExtendedBackend> {
  // backendFor loads the SMB backend lazily (dynamic import), so local work never loads it.
  if (isSmbPath(p)) return (await backendFor(p)) as ExtendedBackend;
  return localBackend() as ExtendedBackend;
}

function toMap(p: PackedExtentMap): ExtentMap {
  const t0 = performance.now();
  const { packed, ...rest } = p;
  const extents = unpackExtents(packed);
  return { ...rest, extents, durationMs: rest.durationMs + Math.round((performance.now() - t0) * 1000) / 1000 };
}

/**
 * Worker lanes: 'main' runs everything; 'quick' runs bounded requests (a map with maxExtents,
 * mapWindows, a volume query, a renamed path), so that the inspector's view of a huge file never waits behind the long
 * full read running in 'main'. Each lane is one thread, started on first use.
 */
type Lane = 'main' | 'quick';

function laneOf(req: Request): Lane {
  return (req.op === 'map' && req.maxExtents !== undefined) || ['map-windows', 'volume', 'renamed-path'].includes(req.op)
    ? 'quick'
    : 'main';
}

interface Pending {
  request: Request;
  lane: Lane;
  /** The operation's cancel flag (Int32 over a SharedArrayBuffer). */
  flag: Int32Array;
  /** Resolves when the operation has finished either way. */
  settled: Promise<void>;
  resolve(v: Response): void;
  reject(e: unknown): void;
  onProgress?: (p: Progress) => void;
  /** A space request's rows, as the worker sends them. */
  onRows?: (m: Extract<WorkerReply, { kind: 'rows' }>) => void;
  /** What a row callback threw: the operation is cancelled and fails with it. */
  rowsError?: unknown;
}

class EngineImpl implements Engine {
  private readonly workers = new Map<Lane, Worker>();
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;

  constructor(private readonly opts: EngineOptions) {}

  ranges(p: string, o: RunOptions & { window?: ByteRange } = {}): Promise<RangesResult> {
    return this.run({ op: 'ranges', path: p, window: o.window }, o) as Promise<RangesResult>;
  }
  async map(p: string, o: RunOptions & MapOptions = {}): Promise<ExtentMap> {
    return toMap((await this.run({ op: 'map', path: p, window: o.window, maxExtents: o.maxExtents }, o)) as PackedExtentMap);
  }
  mapPacked(p: string, o: RunOptions & MapOptions = {}): Promise<PackedExtentMap> {
    return this.run({ op: 'map', path: p, window: o.window, maxExtents: o.maxExtents }, o) as Promise<PackedExtentMap>;
  }
  mapWindows(p: string, windows: ByteRange[], o: RunOptions & { maxExtents: number }): Promise<PackedExtentMap[]> {
    return this.run({ op: 'map-windows', path: p, windows, maxExtents: o.maxExtents }, o) as Promise<PackedExtentMap[]>;
  }
  volume(p: string): Promise<VolumeInfo> {
    return this.run({ op: 'volume', path: p }, {}) as Promise<VolumeInfo>;
  }
  clone(source: string, destination: string, o: CloneFileOptions = {}): Promise<OperationReport> {
    return this.run({ op: 'clone', source, destination, onExisting: o.onExisting, fallback: o.fallback }, o) as Promise<OperationReport>;
  }
  cloneRange(
    source: string,
    sourceOffset: bigint,
    target: string,
    targetOffset: bigint,
    length: bigint,
    o: CloneRangeOptions = {},
  ): Promise<OperationReport> {
    return this.run(
      { op: 'clone-range', source, sourceOffset, target, targetOffset, length, atomic: o.atomic, fallback: o.fallback, extend: o.extend },
      o,
    ) as Promise<OperationReport>;
  }
  copy(source: string, destination: string, o: CopyOptions = {}): Promise<OperationReport> {
    return this.run({ op: 'copy', source, destination, onExisting: o.onExisting, reflink: o.reflink }, o) as Promise<OperationReport>;
  }
  renamedPath(operation: 'clone' | 'copy', source: string, destination: string): Promise<string> {
    return this.run({ op: 'renamed-path', operation, source, destination }, {}) as Promise<string>;
  }
  punch(p: string, range: ByteRange, o: RunOptions = {}): Promise<OperationReport> {
    return this.run({ op: 'punch', path: p, range }, o) as Promise<OperationReport>;
  }
  zero(p: string, range: ByteRange, o: ZeroOptions = {}): Promise<OperationReport> {
    return this.run({ op: 'zero', path: p, range, keepAllocated: o.keepAllocated }, o) as Promise<OperationReport>;
  }
  digHoles(p: string, o: DigHolesOptions = {}): Promise<OperationReport> {
    return this.run({ op: 'dig-holes', path: p, blockSize: o.blockSize }, o) as Promise<OperationReport>;
  }
  setSparse(p: string, sparse: boolean, o: RunOptions = {}): Promise<OperationReport> {
    return this.run({ op: 'set-sparse', path: p, sparse }, o) as Promise<OperationReport>;
  }
  space(paths: string[], o: RunOptions & SpaceRunOptions = {}): Promise<SpaceResult> {
    const req: Request = {
      op: 'space',
      paths: [...paths],
      exactScan: o.exactScan,
      onFile: o.onFile,
      onFileMapped: o.onFileMapped,
      onFileShared: o.onFileShared,
    };
    return this.run(req, o) as Promise<SpaceResult>;
  }

  findDuplicates(paths: string[], o: RunOptions & DedupeFindOptions = {}): Promise<DedupePlan> {
    return this.run({ op: 'dedupe-find', paths: [...paths], chunk: o.chunk, minSize: o.minSize }, o) as Promise<DedupePlan>;
  }
  dedupe(plan: DedupePlan, o: RunOptions = {}): Promise<DedupeReport> {
    return this.run({ op: 'dedupe', plan }, o) as Promise<DedupeReport>;
  }

  /**
   * Cancel what is still running (so each operation removes its temporary files itself), wait
   * for it to settle (at most 5 s), then stop the worker.
   */
  async dispose(): Promise<void> {
    if (this.workers.size === 0) return;
    const settling = [...this.pending.values()].map((p) => {
      Atomics.store(p.flag, 0, 1);
      return p.settled;
    });
    if (settling.length > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([Promise.allSettled(settling), new Promise((r) => (timer = setTimeout(r, 5000)))]);
      clearTimeout(timer);
    }
    const all = [...this.workers.values()];
    this.workers.clear();
    await Promise.all(all.map((w) => w.terminate()));
  }

  /** Never throws: it rejects. */
  private run(req: Request, o: RunOptions): Promise<Response> {
    try {
      const paths = requestPaths(req);
      if (o.signal?.aborted) return Promise.reject(cancelledError(requestOperation(req), paths));
      const fixed = this.opts.backend;
      if (this.opts.worker && !fixed && !paths.some(isSmbPath) && workerThreadsCanStart()) return this.runInWorker(req, o);
      const ctx = new SignalContext(requestOperation(req), paths, o.signal, o.onProgress);
      // the test seam: its backend instead of the one select-backend picks
      if (fixed) return runRequest(() => Promise.resolve(fixed), req, ctx);
      return runRequest(resolveBackend, req, ctx);
    } catch (e) {
      return Promise.reject(e); // e.g. the worker script is missing
    }
  }

  // ---- worker ------------------------------------------------------------------------------

  private getWorker(lane: Lane): Worker {
    const running = this.workers.get(lane);
    if (running) return running;
    const w = startWorkerScript(this.opts.workerScript, this.opts.workerExecArgv);
    w.on('message', (m: WorkerReply) => this.onReply(m, lane));
    const failAll = (why: string): void => {
      if (this.workers.get(lane) === w) this.workers.delete(lane);
      for (const [id, p] of this.pending) {
        if (p.lane !== lane) continue;
        this.pending.delete(id);
        p.reject(
          new FsctlError({
            operation: requestOperation(p.request),
            code: 'E_INTERNAL',
            paths: requestPaths(p.request),
            message: `${requestOperation(p.request)}: the engine worker stopped (${why}) (E_INTERNAL); try again, and report it if it repeats.`,
          }),
        );
      }
    };
    w.on('error', (e) => failAll(e.message));
    w.on('exit', (code) => failAll(`exit code ${code}`));
    w.unref();
    this.workers.set(lane, w);
    return w;
  }

  private onReply(m: WorkerReply, lane: Lane): void {
    const p = this.pending.get(m.id);
    if (!p) return;
    if (m.kind === 'progress') {
      p.onProgress?.(m.progress);
      return;
    }
    if (m.kind === 'rows') {
      try {
        if (p.rowsError === undefined) p.onRows?.(m);
      } catch (e) {
        // as in the caller's thread, where the callback's throw ends the scan
        p.rowsError = e;
        Atomics.store(p.flag, 0, 1);
      }
      return;
    }
    this.pending.delete(m.id);
    // An idle worker must not keep the process alive (the CLI, tests).
    if (![...this.pending.values()].some((x) => x.lane === lane)) this.workers.get(lane)?.unref();
    if (p.rowsError !== undefined) p.reject(p.rowsError);
    else if (m.kind === 'result') p.resolve(m.value);
    else if ((m.error as SerializedFsctlError).name === 'FsctlError') p.reject(FsctlError.fromJSON(m.error as SerializedFsctlError));
    else {
      const e = new Error(m.error.message);
      e.name = m.error.name;
      p.reject(e);
    }
  }

  private runInWorker(req: Request, o: RunOptions): Promise<Response> {
    // A function cannot cross to the worker: a space request's row callbacks stay here, and the
    // worker sends the rows back in batches ('rows' replies) as it makes them.
    let onRows: Pending['onRows'];
    let wantRows: WorkerCall['wantRows'];
    if (req.op === 'space' && (req.onFile || req.onFileMapped || req.onFileShared)) {
      const { onFile, onFileMapped, onFileShared } = req;
      wantRows = { mapped: onFileMapped !== undefined, final: onFile !== undefined, shared: onFileShared !== undefined };
      onRows = (m) => {
        if (m.stage === 'final') m.rows.forEach((f) => onFile?.(f));
        else if (m.stage === 'shared') m.rows.forEach((s, i) => onFileShared?.(m.indices[i], s));
        else m.rows.forEach((f, i) => onFileMapped?.(f, m.indices?.[i] ?? -1));
      };
      req = { ...req, onFile: undefined, onFileMapped: undefined, onFileShared: undefined };
    }
    const lane = laneOf(req);
    const w = this.getWorker(lane);
    const id = this.nextId++;
    const cancel = new SharedArrayBuffer(4);
    const flag = new Int32Array(cancel);
    const onAbort = (): void => {
      Atomics.store(flag, 0, 1);
    };
    o.signal?.addEventListener('abort', onAbort, { once: true });
    let markSettled!: () => void;
    const settled = new Promise<void>((r) => (markSettled = r));
    return new Promise<Response>((resolve, reject) => {
      this.pending.set(id, {
        request: req,
        lane,
        flag,
        settled,
        resolve: (v) => {
          o.signal?.removeEventListener('abort', onAbort);
          markSettled();
          resolve(v);
        },
        reject: (e) => {
          o.signal?.removeEventListener('abort', onAbort);
          markSettled();
          reject(e);
        },
        onProgress: o.onProgress,
        onRows,
      });
      w.ref();
      const call: WorkerCall = { kind: 'call', id, request: req, cancel, wantProgress: o.onProgress !== undefined, wantRows };
      w.postMessage(call);
    });
  }
}
