// OpContext implementations: how a backend loop learns it was cancelled and reports progress.
//
// In-thread: an AbortSignal, which only fires between awaits, so long loops yield now and then
// (see `maybeYield`). In the worker: a SharedArrayBuffer Int32 flag the host sets with
// Atomics.store; a synchronous native loop sees it on its next check, with no event loop turn.

import type { OpContext } from './backend';
import { cancelledError } from './errors';
import type { Operation, Progress } from './types';

/** OpContext plus what the engine core needs: the operation name for errors, a cheap yield. */
export interface EngineContext extends OpContext {
  readonly operation: Operation;
  readonly paths: string[];
  isCancelled(): boolean;
  /** Let the event loop run (so an AbortSignal can fire) at most every ~20 ms. */
  maybeYield(): Promise<void>;
  /**
   * checkCancelled() for the step that cannot be taken back (giving a new file its name), after
   * letting a cancel that arrived during a long native call be heard: a native call holds the
   * thread, and an AbortSignal fired meanwhile (Ctrl-C in the CLI during a FICLONE of a file
   * with many extents, ~1 s) is delivered only on the next event loop turn. An operation that
   * has run for under ~20 ms does not take the turn (a clone is usually ~70 µs).
   */
  checkCancelledBeforeCommit(): Promise<void>;
}

/** Progress events are throttled: a UI needs ~20 per second, not one per native call. */
const PROGRESS_INTERVAL_MS = 50;

abstract class BaseContext implements EngineContext {
  private lastProgress = 0;
  // 0, not Date.now(): the first maybeYield() of a long loop yields at once, and a short
  // operation (a clone is ~70 µs) does not pay for a clock read it never uses.
  private lastYield = 0;
  private readonly startedAt = performance.now();
  constructor(
    readonly operation: Operation,
    readonly paths: string[],
    private readonly onProgress?: (p: Progress) => void,
  ) {}

  abstract isCancelled(): boolean;

  checkCancelled(): void {
    if (this.isCancelled()) throw cancelledError(this.operation, this.paths);
  }

  progress(p: Progress): void {
    if (!this.onProgress) return;
    const now = Date.now();
    // Always deliver the final event so the bar reaches 100%.
    if (now - this.lastProgress < PROGRESS_INTERVAL_MS && !(p.total > 0n && p.done >= p.total)) return;
    this.lastProgress = now;
    this.onProgress(p);
  }

  async checkCancelledBeforeCommit(): Promise<void> {
    if (performance.now() - this.startedAt >= 20) await new Promise<void>((resolve) => setImmediate(resolve));
    this.checkCancelled();
  }

  async maybeYield(): Promise<void> {
    const now = Date.now();
    if (now - this.lastYield < 20) return;
    this.lastYield = now;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

/** Same thread as the caller: cancellation by AbortSignal. */
export class SignalContext extends BaseContext {
  constructor(
    operation: Operation,
    paths: string[],
    private readonly signal?: AbortSignal,
    onProgress?: (p: Progress) => void,
  ) {
    super(operation, paths, onProgress);
  }
  isCancelled(): boolean {
    return this.signal?.aborted === true;
  }
}

/** Worker thread: cancellation by a shared Int32 flag (index 0, non-zero = cancelled). */
export class SharedFlagContext extends BaseContext {
  private readonly flag: Int32Array;
  constructor(operation: Operation, paths: string[], cancelBuffer: SharedArrayBuffer, onProgress?: (p: Progress) => void) {
    super(operation, paths, onProgress);
    this.flag = new Int32Array(cancelBuffer);
  }
  isCancelled(): boolean {
    return Atomics.load(this.flag, 0) !== 0;
  }
  override async maybeYield(): Promise<void> {
    // The worker's event loop has nothing to deliver mid-operation; the flag is read directly.
  }
  override async checkCancelledBeforeCommit(): Promise<void> {
    this.checkCancelled(); // the flag, directly: no event to wait for
  }
}
