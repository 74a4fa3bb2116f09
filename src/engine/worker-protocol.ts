// Messages between the engine (host thread) and the engine worker (src/engine/worker.ts).
// bigints survive structured clone; errors cross as FsctlError.toJSON(); maps cross packed
// (BigInt64Array/Uint32Array buffers are transferred, not copied).

import type { SerializedFsctlError } from './errors';
import type { Request, Response } from './operations';
import type { Progress } from './types';
import type { HashCall, HashReply } from './dedupe-pool';

/** dedupe-pool.ts's hashing threads run this script too: their messages. */
export type { HashCall, HashReply };

export interface WorkerCall {
  kind: 'call';
  id: number;
  request: Request;
  /** Int32[1]: the host stores 1 to cancel; native loops read it between calls. */
  cancel: SharedArrayBuffer;
  wantProgress: boolean;
}

export type WorkerReply =
  | { kind: 'progress'; id: number; progress: Progress }
  | { kind: 'result'; id: number; value: Response }
  | { kind: 'error'; id: number; error: SerializedFsctlError | { name: string; message: string; stack?: string } };
