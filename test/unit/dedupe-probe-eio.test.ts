// dedupe --apply on an XFS shut down (xfs_io -x -c shutdown) after the search: the stat of the
// first group's source, before any sharing, failed with EIO, and the error named the sources of
// all 1227 groups ("stat failed on dd/a0 -> dd/a1 -> … -> dd/a999: an I/O error …", 13 KB on
// stderr), without saying that nothing had been changed. It names the one file now, and says so.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runRequest } from '../../src/engine/operations';
import { SignalContext } from '../../src/engine/context';
import type { ExtendedBackend } from '../../src/engine/backend-ext';
import type { FsctlError } from '../../src/engine/errors';
import type { DedupeGroup, DedupePlan } from '../../src/engine/dedupe-types';

const KiB = 1024n;
let dedupeCalls = 0;
// the Linux backend's stat fails as io.ts throws it: a Node-style errno error, no path of its own
const eio = (p: string): NodeJS.ErrnoException => Object.assign(new Error(`stat ${p}: EIO`), { code: 'EIO', errno: -5, syscall: 'stat' });
const shutDown = {
  name: 'stand-in',
  stat: async (p: string) => {
    throw eio(p);
  },
  dedupeSupport: async () => undefined,
  dedupeRange: () => {
    dedupeCalls++;
    return [];
  },
  freeBytesSynced: async () => 0n,
} as unknown as ExtendedBackend;

const group = (i: number): DedupeGroup => ({
  length: 64n * KiB,
  ranges: [
    { path: `/x/dd/a${i}`, offset: 0n },
    { path: `/x/dd/b${i}`, offset: 0n },
  ],
  netSaving: 64n * KiB,
  candidateBytes: 64n * KiB,
  wholeFiles: true,
  warnings: [],
});

test('an EIO before any sharing names the one file it failed on and says nothing was changed', async () => {
  const groups = Array.from({ length: 50 }, (_, i) => group(i));
  const plan: DedupePlan = {
    groups,
    total: { groups: 50, candidateBytes: 50n * 64n * KiB, netSaving: 50n * 64n * KiB, files: 100, hashedBytes: 100n * 64n * KiB },
    errors: [],
    notes: [],
    durationMs: 1,
  };
  await assert.rejects(
    runRequest(async () => shutDown, { op: 'dedupe', plan }, new SignalContext('dedupe', [])),
    (e: FsctlError) => {
      assert.equal(e.code, 'EIO');
      assert.deepEqual(e.paths, ['/x/dd/a0']);
      assert.match(e.message, /^dedupe: stat failed on \/x\/dd\/a0: an I\/O error .*\(EIO\); nothing was shared: no file was changed\.$/);
      return true;
    },
  );
  assert.equal(dedupeCalls, 0);
});
