// Dedupe work on several threads: hashing the find's local files (dedupe-find.ts) and sharing the
// apply's local groups (dedupe-apply.ts). Both cost per byte (reading and hashing; the kernel's
// compare in FIDEDUPERANGE), so large selections are spread over a few threads running the engine
// worker script (worker.ts answers 'pool' messages: dedupe-hash.ts's hashBatch, dedupe-apply.ts's
// applyBatch) and over the calling thread itself, which would otherwise only wait (one thread fewer
// to start: each costs ~0.1-0.2 s of CPU on a busy machine, more than it saves there). Items go in
// batches of about BATCH_BYTES (a message each way costs a thread switch: per 1 MiB file that was
// a sixth of the time), at most two batches outstanding per thread. Cancel (or an error) stops the
// threads between calls: a shared flag their loops read (as the engine worker's), then each
// thread's batches in hand come back (the apply's with the outcomes so far, so every call made is
// counted; the hashing's as cancelled) and the thread ends. It is not ended inside a
// native call: a thread torn down in a koffi call can take the process with it (koffi#190), and
// the call in hand is short (a read of at most 1 MiB, or one FIDEDUPERANGE of at most 16 MiB,
// which is atomic). A thread that does not answer within STOP_WAIT_MS is ended anyway.
// Progress: the threads add their work (the hashing's bytes read) to a shared counter as they go
// (WorkPool.worked), since an item's outcome comes back only once it is done.

import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import type { EngineContext } from './context';
import { FsctlError, isCancelled, type SerializedFsctlError } from './errors';
import { startWorkerScript, workerThreadsCanStart } from './worker-script';

/** What a pool thread does with each item: hash a file, or share a group's ranges. */
type PoolJob = 'hash' | 'apply';

/** A batch of items for a pool thread, `first` being the index of items[0] in the caller's list. */
export interface PoolCall {
  kind: 'pool';
  job: PoolJob;
  first: number;
  items: unknown[];
  /** The find's chunk size (job 'hash'). */
  chunk?: bigint;
  /** Int32[1]: the pool stores 1 to stop; the thread's loops read it between native calls. */
  cancel: SharedArrayBuffer;
  /** BigInt64[1]: work done so far by every thread, added as it goes (the hashing's bytes read). */
  worked: SharedArrayBuffer;
}

/** The outcomes of a PoolCall's items, in its order; or why the batch as a whole failed. */
export interface PoolReply {
  kind: 'pooled';
  first: number;
  outcomes?: unknown[];
  failure?: SerializedFsctlError | { name: string; message: string };
}

/** How long a stopping pool waits for a thread to hand back its batches before ending it regardless. */
const STOP_WAIT_MS = 5000;

/** Data per message: large enough that messages cost little, small enough to share the work out evenly. */
const BATCH_BYTES = 8n << 20n;

/** The calling thread's batches: it answers the threads only between them. */
const HERE_BATCH_BYTES = 2n << 20n;

/** Below this much data the threads' start (~50 ms of CPU each) costs more than it saves. */
export const POOL_MIN_BYTES = 64n << 20n;

/** Threads to work on, the caller's included: the cores, at most 4; 1 means the caller's alone (also where no thread can start). */
export function poolSize(): number {
  return workerThreadsCanStart() ? Math.min(4, availableParallelism()) : 1;
}

/** Items handed out as they come (WorkPool.add) and finished together (WorkPool.finish). */
export interface WorkPool<I> {
  /** Queue an item: the threads start on it once a batch is full. */
  add(item: I): void;
  /**
   * No more items: the caller's thread works through what is left alongside the threads.
   * Resolves when every item is done (`done` was called for each), rejects on cancel or on a
   * batch's failure.
   */
  finish(): Promise<void>;
  /**
   * End the threads (always, after finish or on an error). False when a thread did not hand back
   * its batches within STOP_WAIT_MS and was ended with them (their outcomes are lost).
   */
  stop(): Promise<boolean>;
  /**
   * The work done so far, items in hand included (the hashing's bytes read): what progress
   * shows while a thread is inside one big file, whose outcome comes only at its end.
   */
  worked(): bigint;
}

interface PoolOptions<I, O> {
  job: PoolJob;
  /** Threads, the caller's included (so threads - 1 are started). */
  threads: number;
  ctx: EngineContext;
  chunk?: bigint;
  /** The bytes an item stands for (the batch size is counted in them). */
  bytesOf(item: I): bigint;
  /** The caller's own share: the same work as a thread's, in this thread (adding to `worked` alike). */
  here(items: I[], worked: BigInt64Array): Promise<O[]>;
  /** Called once per item, in completion order, with its outcome. */
  done(item: I, outcome: O): void;
}

/**
 * Start `threads - 1` threads on `job` (the caller's thread is the last one, in finish()). Items
 * added while the caller does other work (the find maps files meanwhile) start at once; the
 * caller's event loop must turn now and then for the threads' replies to be taken.
 */
export function startPool<I, O>(o: PoolOptions<I, O>): WorkPool<I> {
  const { ctx } = o;
  const items: I[] = [];
  const workers: { w: Worker; outstanding: number; idle?: () => void }[] = [];
  const cancel = new SharedArrayBuffer(4);
  const worked = new SharedArrayBuffer(8);
  const workedHere = new BigInt64Array(worked);
  let next = 0; // first item not yet handed out
  let queued = 0n; // bytes of items[next..]
  let left = 0; // items added and not yet done
  let closed = false;
  let failure: unknown;
  let wake: (() => void) | undefined;
  const fail = (e: unknown): void => {
    failure ??= e;
    wake?.();
  };
  /**
   * The next batch, [first, end): a full one, or once closed a share of what is left that
   * shrinks with it, so the threads run out together rather than one finishing a full batch
   * while the others wait (per item at the very end). The caller's own batches are smaller
   * (HERE_BATCH_BYTES): the threads' replies are taken only between them.
   */
  const take = (limit: bigint): { first: number; end: number } | undefined => {
    if (next >= items.length || (!closed && queued < BATCH_BYTES)) return undefined;
    const fair = closed ? queued / BigInt(2 * o.threads) : limit;
    const most = fair < limit ? fair : limit;
    const first = next;
    let bytes = 0n;
    while (next < items.length && (next === first || bytes + o.bytesOf(items[next]) <= most)) bytes += o.bytesOf(items[next++]);
    queued -= bytes;
    return { first, end: next };
  };
  const settle = (first: number, outcomes: O[]): void => {
    outcomes.forEach((out, k) => o.done(items[first + k], out));
    left -= outcomes.length;
    // every item done: a cancel that arrives now has nothing left to stop
    if (closed && left === 0) wake?.();
    else if (ctx.isCancelled()) fail(ctxCancelled(ctx));
  };
  /** Keep every thread two batches ahead. */
  const pump = (): void => {
    for (const t of workers)
      while (t.outstanding < 2 && failure === undefined) {
        const b = take(BATCH_BYTES);
        if (!b) return;
        const call: PoolCall = {
          kind: 'pool',
          job: o.job,
          first: b.first,
          items: items.slice(b.first, b.end),
          chunk: o.chunk,
          cancel,
          worked,
        };
        t.w.postMessage(call);
        t.outstanding++;
      }
  };
  const listeners: { w: Worker; message: (m: PoolReply) => void; exit: (code: number) => void }[] = [];
  for (let i = 1; i < o.threads; i++) {
    const t: (typeof workers)[number] = { w: takeThread(), outstanding: 0 };
    workers.push(t);
    const message = (m: PoolReply): void => {
      if (--t.outstanding === 0) t.idle?.();
      const f = m.failure;
      if (f) return fail(f.name === 'FsctlError' ? FsctlError.fromJSON(f as SerializedFsctlError) : new Error(f.message));
      settle(m.first, m.outcomes as O[]);
      pump();
    };
    const exit = (code: number): void => {
      t.outstanding = 0;
      t.idle?.();
      if (left > 0) fail(new Error(`a dedupe ${o.job === 'hash' ? 'hashing' : 'sharing'} thread stopped (exit code ${code})`));
    };
    t.w.on('message', message);
    t.w.on('error', fail);
    t.w.on('exit', exit);
    listeners.push({ w: t.w, message, exit });
  }
  return {
    worked: () => Atomics.load(workedHere, 0),
    add(item) {
      items.push(item);
      left++;
      queued += o.bytesOf(item);
      pump();
    },
    async stop() {
      // After a clean finish the threads wait for the next pool (the CLI's --apply right after its
      // find); after a failure or a cancel they end.
      const clean = closed && left === 0 && failure === undefined;
      let handedBack = true;
      if (!clean) {
        // Stop the threads between calls and let each hand back what it holds (see the top).
        Atomics.store(new Int32Array(cancel), 0, 1);
        await Promise.all(
          workers.map((t) =>
            t.outstanding === 0
              ? undefined
              : new Promise<void>((resolve) => {
                  const timer = setTimeout(() => {
                    handedBack = false;
                    resolve();
                  }, STOP_WAIT_MS);
                  t.idle = () => {
                    clearTimeout(timer);
                    resolve();
                  };
                }),
          ),
        );
      }
      for (const l of listeners) l.w.off('message', l.message).off('error', fail).off('exit', l.exit);
      await Promise.all(workers.map((t) => (clean ? keepThread(t.w) : t.w.terminate())));
      return handedBack;
    },
    async finish() {
      closed = true;
      pump();
      // Cancel is seen between replies (and in the caller's own batches, between items).
      const poll = setInterval(() => {
        if (ctx.isCancelled() && left > 0) fail(ctxCancelled(ctx));
      }, 50);
      try {
        // The caller's share, a batch at a time; between batches its event loop turns, so the
        // threads' replies are taken and answered.
        for (let b = take(HERE_BATCH_BYTES); b && failure === undefined; b = take(HERE_BATCH_BYTES)) {
          settle(b.first, await o.here(items.slice(b.first, b.end), workedHere));
          await new Promise((r) => setImmediate(r));
        }
        if (left > 0 && failure === undefined) await new Promise<void>((r) => (wake = r));
        if (failure !== undefined) throw failure;
      } catch (e) {
        if (isCancelled(e) || e instanceof FsctlError) throw e;
        throw new FsctlError({
          operation: 'dedupe',
          code: 'E_INTERNAL',
          paths: ctx.paths,
          message: `dedupe: ${(e as Error).message} (E_INTERNAL); try again, and report it if it repeats.`,
        });
      } finally {
        clearInterval(poll);
      }
    },
  };
}

/** Threads of a pool that finished cleanly, kept for the next one (unreferenced: they never hold the process open). */
const spare: { w: Worker; timer: NodeJS.Timeout; gone: () => void }[] = [];

/** How long a spare thread waits for another pool before it ends. */
const SPARE_MS = 5000;

/** A spare thread has no work to lose: an error only ends it. */
const ignore = (): void => undefined;

/** A spare thread, or a new one. */
function takeThread(): Worker {
  const s = spare.pop();
  if (!s) return startWorkerScript();
  clearTimeout(s.timer);
  s.w.off('error', ignore).off('exit', s.gone);
  s.w.ref();
  return s.w;
}

function keepThread(w: Worker): void {
  const drop = (): void => {
    const i = spare.findIndex((s) => s.w === w);
    if (i >= 0) spare.splice(i, 1);
  };
  // one that ends while it waits (an error, the timer) is never handed out
  w.on('error', ignore).once('exit', drop);
  w.unref();
  const timer = setTimeout(() => {
    drop();
    void w.terminate();
  }, SPARE_MS);
  timer.unref();
  spare.push({ w, timer, gone: drop });
}

function ctxCancelled(ctx: EngineContext): unknown {
  try {
    ctx.checkCancelled();
  } catch (e) {
    return e;
  }
  return new Error('cancelled');
}
