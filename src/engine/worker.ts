// The engine worker thread: runs local backend operations synchronously, off the host's main
// thread (the VS Code extension host must never block on a native loop, and koffi's .async
// pool is shared by every extension, docs/facts/koffi.md#async-calls-and-the-libuv-pool).
// Cancellation arrives as a SharedArrayBuffer flag that the loops check between native calls;
// progress, a space scan's rows (in batches, as they are made) and results go back by postMessage.

import { parentPort } from 'node:worker_threads';
import { localBackend } from './select-backend';
import type { ExtendedBackend } from './backend-ext';
import { packedBuffers, type PackedExtentMap } from './map-format';
import { SharedFlagContext } from './context';
import { isFsctlError, type SerializedFsctlError } from './errors';
import { requestOperation, requestPaths, runRequest } from './operations';
import type { SpaceFile, SpaceSharing } from './space-types';
import { ROW_BATCH, type PoolCall, type PoolReply, type WorkerCall, type WorkerReply } from './worker-protocol';
import { hashBatch, type Hashed } from './dedupe-hash';
import { applyBatch } from './dedupe-apply';
import type { DedupeGroup } from './dedupe-types';

if (!parentPort) throw new Error('src/engine/worker.ts must run in a worker thread');
const port = parentPort;

/**
 * Pool batches run one after another, not interleaved: the pool keeps two in hand here so the
 * first's reply travels (and the next batch is sent) while the second runs. Run side by side
 * (their awaits interleave) both would end together and the thread would wait out the round trip.
 */
let poolQueue = Promise.resolve();

port.on('message', (msg: WorkerCall | PoolCall) => {
  if (msg?.kind === 'pool')
    poolQueue = poolQueue.then(() => pooled(msg)).catch(() => undefined); // pooled() always answers
  else if (msg?.kind === 'call') void handle(msg);
});

/** A dedupe pool thread's batch (dedupe-pool.ts): local files' chunk keys, or local groups shared. */
async function pooled(msg: PoolCall): Promise<void> {
  // The pool's stop flag: the loops stop between native calls, and the batch comes back cancelled.
  const ctx = new SharedFlagContext('dedupe', [], msg.cancel);
  let reply: PoolReply;
  try {
    const outcomes =
      msg.job === 'hash'
        ? await hashBatch(msg.items as Hashed[], msg.chunk!, ctx, new BigInt64Array(msg.worked))
        : await applyBatch(msg.items as DedupeGroup[], ctx);
    reply = { kind: 'pooled', first: msg.first, outcomes };
  } catch (e) {
    reply = { kind: 'pooled', first: msg.first, failure: errorJson(e) };
  }
  try {
    port.postMessage(reply);
  } catch (e) {
    // an outcome that cannot cross (the pool then fails the run, naming it, rather than wait for ever)
    port.postMessage({ kind: 'pooled', first: msg.first, failure: errorJson(e) } satisfies PoolReply);
  }
}

/** An error as it crosses back: an FsctlError whole (FsctlError.fromJSON), anything else by name, message and stack. */
function errorJson(e: unknown): SerializedFsctlError | { name: string; message: string; stack?: string } {
  if (isFsctlError(e)) return e.toJSON();
  const err = e as Error;
  return { name: err?.name ?? 'Error', message: err?.message ?? String(e), stack: err?.stack };
}

async function handle(msg: WorkerCall): Promise<void> {
  const send = (reply: WorkerReply, transfer?: ArrayBuffer[]): void => port.postMessage(reply, transfer ?? []);
  const ctx = new SharedFlagContext(
    requestOperation(msg.request),
    requestPaths(msg.request),
    msg.cancel,
    msg.wantProgress ? (progress) => send({ kind: 'progress', id: msg.id, progress }) : undefined,
  );
  const batches = msg.request.op === 'space' && msg.wantRows ? new RowBatches(msg.id, send) : undefined;
  try {
    let request = msg.request;
    if (batches && request.op === 'space')
      request = {
        ...request,
        onFileMapped: msg.wantRows?.mapped ? (f, i) => batches.push('mapped', f, i) : undefined,
        onFile: msg.wantRows?.final ? (f) => batches.push('final', f) : undefined,
        onFileShared: msg.wantRows?.shared ? (i, s) => batches.push('shared', s, i) : undefined,
      };
    const value = await runRequest(async () => localBackend() as ExtendedBackend, request, ctx);
    batches?.flush(); // the last rows before the result
    const transfer: ArrayBuffer[] = [];
    // Maps travel by transfer (their typed arrays move, no copy).
    const maps =
      msg.request.op === 'map' ? [value as PackedExtentMap] : msg.request.op === 'map-windows' ? (value as PackedExtentMap[]) : [];
    // (every column, the refcounts too when there are any)
    for (const { packed } of maps) transfer.push(...packedBuffers(packed));
    send({ kind: 'result', id: msg.id, value }, transfer);
  } catch (e) {
    batches?.flush(); // the rows made before a failure or cancel, then the error
    send({ kind: 'error', id: msg.id, error: errorJson(e) });
  }
}

/**
 * A space request's rows on their way back: the first at once, then when ROW_BATCH.rows are
 * waiting or the oldest has waited ROW_BATCH.ms (checked as rows are made, and by a timer for
 * when the walk pauses).
 */
class RowBatches {
  private stage: 'mapped' | 'final' | 'shared' = 'mapped';
  private rows: Array<SpaceFile | SpaceSharing> = [];
  private indices: number[] = [];
  private since = 0;
  private timer: NodeJS.Timeout | undefined;
  private sent = false;

  constructor(
    private readonly id: number,
    private readonly send: (r: WorkerReply) => void,
  ) {}

  push(stage: 'mapped' | 'final', f: SpaceFile, index?: number): void;
  push(stage: 'shared', s: SpaceSharing, index: number): void;
  push(stage: 'mapped' | 'final' | 'shared', f: SpaceFile | SpaceSharing, index?: number): void {
    if (stage !== this.stage) this.flush();
    this.stage = stage;
    if (this.rows.length === 0) {
      this.since = performance.now();
      this.timer = setTimeout(() => this.flush(), ROW_BATCH.ms);
    }
    this.rows.push(f);
    if (index !== undefined) this.indices.push(index);
    // the first row goes at once (a view shows something as soon as it can), then in batches
    if (!this.sent || this.rows.length >= ROW_BATCH.rows || performance.now() - this.since >= ROW_BATCH.ms) this.flush();
  }

  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.rows.length === 0) return;
    // (push's overloads keep each stage's rows of its own kind)
    const reply =
      this.stage === 'shared'
        ? { kind: 'rows' as const, id: this.id, stage: this.stage, rows: this.rows as SpaceSharing[], indices: this.indices }
        : {
            kind: 'rows' as const,
            id: this.id,
            stage: this.stage,
            rows: this.rows as SpaceFile[],
            ...(this.stage === 'mapped' ? { indices: this.indices } : {}),
          };
    this.rows = [];
    this.indices = [];
    this.sent = true;
    this.send(reply);
  }
}
