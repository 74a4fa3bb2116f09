// Hashing local files on several threads (dedupe-find.ts): sha256 is the find's cost (~1.6 GB/s
// per core), so large selections are hashed by a few threads running the engine worker script
// (worker.ts answers 'hash' messages with dedupe-hash.ts's hashFile), one file per message, at
// most two outstanding per thread. Results keep the files' order. Cancel (or an error) ends the
// threads at once; they only read.

import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import type { EngineContext } from './context';
import type { Hashed } from './dedupe-hash';
import { FsctlError, isCancelled } from './errors';
import { startWorkerScript } from './worker-script';

export interface HashCall {
  kind: 'hash';
  id: number;
  file: Hashed;
  chunk: bigint;
}

export type HashReply =
  | { kind: 'hashed'; id: number; chunkKeys: (string | undefined)[]; wholeKey?: string; read: bigint }
  | { kind: 'hash-error'; id: number; code: string; message: string };

/** Below this much data the threads' start (~50 ms each) costs more than it saves. */
export const POOL_MIN_BYTES = 64n << 20n;

/** Threads to use: the cores, at most 4; 1 means hash in the caller's thread. */
export function poolSize(): number {
  return Math.min(4, availableParallelism());
}

/**
 * Hash `files` on `threads` threads. `done(i, read | error)` is called in completion order; the
 * promise resolves when every file is done, or rejects on cancel.
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
      const send = (w: Worker): void => {
        if (next >= files.length) return;
        const id = next++;
        const call: HashCall = { kind: 'hash', id, file: files[id], chunk };
        w.postMessage(call);
      };
      for (let t = 0; t < threads; t++) {
        const w = startWorkerScript();
        workers.push(w);
        w.on('message', (m: HashReply) => {
          const f = files[m.id];
          if (m.kind === 'hashed') {
            f.chunkKeys = m.chunkKeys;
            f.wholeKey = m.wholeKey;
            done(m.id, { read: m.read });
          } else done(m.id, { code: m.code, message: m.message });
          if (--left === 0) finish();
          else if (ctx.isCancelled()) finish(ctxCancelled(ctx));
          else send(w);
        });
        w.on('error', (e) => finish(e));
        w.on('exit', (code) => {
          if (left > 0) finish(new Error(`a dedupe hashing thread stopped (exit code ${code})`));
        });
        send(w);
        send(w);
      }
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
