// Messages between the engine (host thread) and the engine worker (src/engine/worker.ts).
// bigints survive structured clone; errors cross as FsctlError.toJSON(); maps cross packed
// (BigInt64Array/Uint32Array buffers are transferred, not copied). A space request's rows cross
// while it runs, in batches ('rows'), before its result.

import type { SerializedFsctlError } from './errors';
import type { Request, Response } from './operations';
import type { SpaceFile, SpaceSharing } from './space-types';
import type { Progress } from './types';
import type { PoolCall, PoolReply } from './dedupe-pool';

/** dedupe-pool.ts's hashing threads run this script too: their messages. */
export type { PoolCall, PoolReply };

export interface WorkerCall {
  kind: 'call';
  id: number;
  request: Request;
  /** Int32[1]: the host stores 1 to cancel; native loops read it between calls. */
  cancel: SharedArrayBuffer;
  wantProgress: boolean;
  /** space: send the rows back as they are made ('rows' replies): as mapped, final, and/or what the sweep adds. */
  wantRows?: { mapped: boolean; final: boolean; shared: boolean };
}

/** Most rows in one 'rows' reply, and the longest a made row waits for its batch (ms); the first row goes alone at once. */
export const ROW_BATCH = { rows: 2000, ms: 100 } as const;

export type WorkerReply =
  | { kind: 'progress'; id: number; progress: Progress }
  /**
   * space rows, in the order made. 'mapped': onFileMapped's rows (sharesWith empty), `indices`
   * their places; 'final': onFile's rows (with sharesWith), in the rows' order; 'shared':
   * onFileShared's, `indices` their places.
   */
  | { kind: 'rows'; id: number; stage: 'mapped' | 'final'; rows: SpaceFile[]; indices?: number[] }
  | { kind: 'rows'; id: number; stage: 'shared'; rows: SpaceSharing[]; indices: number[] }
  | { kind: 'result'; id: number; value: Response }
  | { kind: 'error'; id: number; error: SerializedFsctlError | { name: string; message: string; stack?: string } };
