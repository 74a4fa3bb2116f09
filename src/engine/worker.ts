// The engine worker thread: runs local backend operations synchronously, off the host's main
// thread (the VS Code extension host must never block on a native loop, and koffi's .async
// pool is shared by every extension, docs/facts/koffi.md#async-calls-and-the-libuv-pool).
// Cancellation arrives as a SharedArrayBuffer flag that the loops check between native calls; progress and results go back by postMessage.

import { parentPort } from 'node:worker_threads';
import { localBackend } from './select-backend';
import type { ExtendedBackend } from './backend-ext';
import { packedBuffers, type PackedExtentMap } from './map-format';
import { SharedFlagContext } from './context';
import { isFsctlError } from './errors';
import { requestOperation, requestPaths, runRequest } from './operations';
import type { WorkerCall, WorkerReply } from './worker-protocol';

if (!parentPort) throw new Error('src/engine/worker.ts must run in a worker thread');
const port = parentPort;

port.on('message', (msg: WorkerCall) => {
  if (msg?.kind !== 'call') return;
  void handle(msg);
});

async function handle(msg: WorkerCall): Promise<void> {
  const send = (reply: WorkerReply, transfer?: ArrayBuffer[]): void => port.postMessage(reply, transfer ?? []);
  const ctx = new SharedFlagContext(
    requestOperation(msg.request),
    requestPaths(msg.request),
    msg.cancel,
    msg.wantProgress ? (progress) => send({ kind: 'progress', id: msg.id, progress }) : undefined,
  );
  try {
    const value = await runRequest(async () => localBackend() as ExtendedBackend, msg.request, ctx);
    const transfer: ArrayBuffer[] = [];
    // Maps travel by transfer (their typed arrays move, no copy).
    const maps =
      msg.request.op === 'map' ? [value as PackedExtentMap] : msg.request.op === 'map-windows' ? (value as PackedExtentMap[]) : [];
    // (every column, the refcounts too when there are any)
    for (const { packed } of maps) transfer.push(...packedBuffers(packed));
    send({ kind: 'result', id: msg.id, value }, transfer);
  } catch (e) {
    if (isFsctlError(e)) send({ kind: 'error', id: msg.id, error: e.toJSON() });
    else {
      const err = e as Error;
      send({ kind: 'error', id: msg.id, error: { name: err?.name ?? 'Error', message: err?.message ?? String(e), stack: err?.stack } });
    }
  }
}
