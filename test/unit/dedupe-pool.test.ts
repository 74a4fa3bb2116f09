// dedupe-pool.ts in the calling thread alone (threads: 1): when a cancel counts, and when it
// comes too late to stop anything.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SharedFlagContext } from '../../src/engine/context';
import { startPool } from '../../src/engine/dedupe-pool';

function pool(items: number, cancelAt: number) {
  const flag = new SharedArrayBuffer(4);
  const ctx = new SharedFlagContext('dedupe', [], flag);
  const done: number[] = [];
  const p = startPool<number, number>({
    job: 'apply',
    threads: 1,
    ctx,
    bytesOf: () => 1n << 20n,
    // the cancel arrives while item `cancelAt` is worked on (as Ctrl-C during its call)
    here: async (batch) =>
      batch.map((i) => {
        if (i === cancelAt) Atomics.store(new Int32Array(flag), 0, 1);
        return i * 10;
      }),
    done: (i) => void done.push(i),
  });
  for (let i = 0; i < items; i++) p.add(i);
  return { p, done };
}

test('a cancel while the last item is worked on: every item is done, so finish resolves (not "cancelled after N of N")', async () => {
  const { p, done } = pool(4, 3);
  await p.finish();
  assert.equal(await p.stop(), true);
  assert.deepEqual(done, [0, 1, 2, 3]);
});

test('a cancel with items left: finish rejects with E_CANCELLED after the outcomes in hand are taken', async () => {
  // 1 MiB items, 2 MiB batches in the calling thread: the cancel during item 1 is seen after its batch
  const { p, done } = pool(6, 1);
  await assert.rejects(p.finish(), (e: { code?: string }) => e.code === 'E_CANCELLED');
  await p.stop();
  assert.deepEqual(done, [0, 1]);
});
