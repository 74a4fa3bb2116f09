// Hashing local files on several threads (dedupe-find.ts): reading and hashing (xxHash128, ~4
// GB/s per core) are the find's cost, so large selections are hashed by a few threads running the
// engine worker script (worker.ts answers 'hash' messages with hashBatch) and by the calling thread
// itself, which would otherwise only wait (one thread fewer to start: each costs ~0.1-0.2 s of CPU
// on a busy machine, more than it saves there). Files go in batches of about BATCH_BYTES (a message
// each way costs a thread switch: per 1 MiB file that was a sixth of the time), at most two
// batches outstanding per thread. Cancel (or an error) ends the threads at once; they only read.

import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import type { EngineContext } from './context';
import { hashFile, localReader, type Hashed } from './dedupe-hash';
import { nodeFsError } from './errno';
import { FsctlError, isCancelled, isFsctlError } from './errors';
import { startWorkerScript } from './worker-script';

/** Files to hash, `first` being the index of files[0] in the caller's list. */
export interface HashCall {
  kind: 'hash';
  first: number;
  files: Hashed[];
  chunk: bigint;
}

/** One file's outcome. */
export type HashOutcome = { chunkKeys: (string | undefined)[]; wholeKey?: string; read: bigint } | { code: string; message: string };

/** The outcomes of a HashCall's files, in its order. */
export interface HashReply {
  kind: 'hashed';
  first: number;
  outcomes: HashOutcome[];
}

/** Data per message: large enough that messages cost little, small enough to share the work out evenly. */
const BATCH_BYTES = 8n << 20n;

/** Below this much data the threads' start (~50 ms of CPU each) costs more than it saves. */
export const POOL_MIN_BYTES = 64n << 20n;

/** Threads to hash on, the caller's included: the cores, at most 4; 1 means the caller's alone. */
export function poolSize(): number {
  return Math.min(4, availableParallelism());
}

/** Hash local files in order (a file that cannot be read gets its error); stops only on cancel. */
export async function hashBatch(files: Hashed[], chunk: bigint, ctx: EngineContext): Promise<HashOutcome[]> {
  const outcomes: HashOutcome[] = [];
  for (const f of files) {
    f.chunkKeys = [];
    try {
      const read = await hashFile(f, localReader(f), chunk, ctx, () => undefined);
      outcomes.push({ chunkKeys: f.chunkKeys, wholeKey: f.wholeKey, read });
    } catch (e) {
      if (isCancelled(e)) throw e;
      const x = isFsctlError(e) ? e : nodeFsError('dedupe', e, [f.path]);
      outcomes.push({ code: x.code, message: x.message });
    }
  }
  return outcomes;
}

/** Hashing threads fed while the caller maps (startHashPool). */
export interface HashPool {
  /** Queue a mapped local file: the threads start on it once a batch is full. */
  add(f: Hashed): void;
  /**
   * No more files: the caller's thread hashes what is left alongside the threads. Resolves when
   * every file is done (`done` was called for each), rejects on cancel or a thread's failure.
   */
  finish(): Promise<void>;
  /** End the threads (always, after finish or on an error). */
  stop(): Promise<void>;
}

/**
 * Start `threads - 1` hashing threads (the caller's thread is the last one, in finish()). Files
 * are added as the caller maps them, so the threads hash while it maps; the caller's event loop
 * must turn now and then meanwhile (dedupe-find.ts yields every few ms) for replies to be taken.
 * `done(f, read | error)` is called in completion order.
 */
export function startHashPool(
  chunk: bigint,
  threads: number,
  ctx: EngineContext,
  done: (f: Hashed, outcome: { read: bigint } | { code: string; message: string }) => void,
): HashPool {
  const files: Hashed[] = [];
  const workers: { w: Worker; outstanding: number }[] = [];
  let next = 0; // first file not yet handed out
  let queued = 0n; // bytes of files[next..]
  let left = 0; // files added and not yet done
  let closed = false;
  let failure: unknown;
  let wake: (() => void) | undefined;
  const fail = (e: unknown): void => {
    failure ??= e;
    wake?.();
  };
  /** The next batch, [first, end): a full one, or (once closed) whatever is left. */
  const take = (): { first: number; end: number } | undefined => {
    if (next >= files.length || (!closed && queued < BATCH_BYTES)) return undefined;
    const first = next;
    let bytes = 0n;
    while (next < files.length && (next === first || bytes + files[next].size <= BATCH_BYTES)) bytes += files[next++].size;
    queued -= bytes;
    return { first, end: next };
  };
  const settle = (m: HashReply): void => {
    m.outcomes.forEach((o, k) => {
      const f = files[m.first + k];
      if ('read' in o) {
        f.chunkKeys = o.chunkKeys;
        f.wholeKey = o.wholeKey;
        done(f, { read: o.read });
      } else done(f, o);
    });
    left -= m.outcomes.length;
    if (ctx.isCancelled()) fail(ctxCancelled(ctx));
    else if (closed && left === 0) wake?.();
  };
  /** Keep every thread two batches ahead. */
  const pump = (): void => {
    for (const t of workers)
      while (t.outstanding < 2 && failure === undefined) {
        const b = take();
        if (!b) return;
        const call: HashCall = { kind: 'hash', first: b.first, files: files.slice(b.first, b.end), chunk };
        t.w.postMessage(call);
        t.outstanding++;
      }
  };
  for (let i = 1; i < threads; i++) {
    const t = { w: startWorkerScript(), outstanding: 0 };
    workers.push(t);
    t.w.on('message', (m: HashReply) => {
      t.outstanding--;
      settle(m);
      pump();
    });
    t.w.on('error', fail);
    t.w.on('exit', (code) => {
      if (left > 0) fail(new Error(`a dedupe hashing thread stopped (exit code ${code})`));
    });
  }
  const stop = async (): Promise<void> => {
    await Promise.all(workers.map((t) => t.w.terminate()));
  };
  return {
    add(f) {
      files.push(f);
      left++;
      queued += f.size;
      pump();
    },
    stop,
    async finish() {
      closed = true;
      pump();
      // Cancel is seen between replies (and in the caller's own batches, between chunks).
      const poll = setInterval(() => {
        if (ctx.isCancelled()) fail(ctxCancelled(ctx));
      }, 50);
      try {
        // The caller's share, a batch at a time; between batches its event loop turns, so the
        // threads' replies are taken and answered.
        for (let b = take(); b && failure === undefined; b = take()) {
          settle({ kind: 'hashed', first: b.first, outcomes: await hashBatch(files.slice(b.first, b.end), chunk, ctx) });
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

function ctxCancelled(ctx: EngineContext): unknown {
  try {
    ctx.checkCancelled();
  } catch (e) {
    return e;
  }
  return new Error('cancelled');
}
