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

/** Below this much data the threads' start (~50 ms each) costs more than it saves. */
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

/**
 * Hash `files` on `threads` threads, the caller's one of them. `done(i, read | error)` is called
 * in completion order; the promise resolves when every file is done, or rejects on cancel.
 */
export async function hashOnThreads(
  files: Hashed[],
  chunk: bigint,
  threads: number,
  ctx: EngineContext,
  done: (i: number, outcome: { read: bigint } | { code: string; message: string }) => void,
): Promise<void> {
  const workers: Worker[] = [];
  let next = 0;
  let left = files.length;
  try {
    await new Promise<void>((resolve, reject) => {
      // Cancel is seen between replies (and, in the caller's thread, when its event loop turns).
      const poll = setInterval(() => {
        if (ctx.isCancelled()) reject(ctxCancelled(ctx));
      }, 50);
      const finish = (e?: unknown): void => {
        clearInterval(poll);
        if (e) reject(e);
        else resolve();
      };
      /** The next batch: files [first, end). */
      const take = (): { first: number; end: number } | undefined => {
        if (next >= files.length) return undefined;
        const first = next;
        let bytes = 0n;
        while (next < files.length && (next === first || bytes + files[next].size <= BATCH_BYTES)) bytes += files[next++].size;
        return { first, end: next };
      };
      const settle = (m: HashReply): void => {
        m.outcomes.forEach((o, k) => {
          const i = m.first + k;
          if ('read' in o) {
            files[i].chunkKeys = o.chunkKeys;
            files[i].wholeKey = o.wholeKey;
            done(i, { read: o.read });
          } else done(i, o);
        });
        left -= m.outcomes.length;
        if (left === 0) finish();
        else if (ctx.isCancelled()) finish(ctxCancelled(ctx));
      };
      const send = (w: Worker): void => {
        const b = take();
        if (!b) return;
        const call: HashCall = { kind: 'hash', first: b.first, files: files.slice(b.first, b.end), chunk };
        w.postMessage(call);
      };
      for (let t = 1; t < threads; t++) {
        const w = startWorkerScript();
        workers.push(w);
        w.on('message', (m: HashReply) => {
          settle(m);
          if (left > 0) send(w);
        });
        w.on('error', (e) => finish(e));
        w.on('exit', (code) => {
          if (left > 0) finish(new Error(`a dedupe hashing thread stopped (exit code ${code})`));
        });
        send(w);
        send(w);
      }
      // The caller's share, a batch at a time; between batches its event loop turns, so the
      // threads' replies are taken and answered.
      const own = async (): Promise<void> => {
        for (let b = take(); b && left > 0; b = take()) {
          settle({ kind: 'hashed', first: b.first, outcomes: await hashBatch(files.slice(b.first, b.end), chunk, ctx) });
          await new Promise((r) => setImmediate(r));
        }
      };
      own().catch(finish);
      if (files.length === 0) finish();
    });
  } catch (e) {
    if (isCancelled(e) || e instanceof FsctlError) throw e;
    throw new FsctlError({
      operation: 'dedupe',
      code: 'E_INTERNAL',
      paths: ctx.paths,
      message: `dedupe: ${(e as Error).message} (E_INTERNAL); try again, and report it if it repeats.`,
    });
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

function ctxCancelled(ctx: EngineContext): unknown {
  try {
    ctx.checkCancelled();
  } catch (e) {
    return e;
  }
  return new Error('cancelled');
}
