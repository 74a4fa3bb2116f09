// Before its calls, the apply maps again only each range of the group (its window), not the
// whole files (dedupe-apply-group.ts): files deduplicated in small chunks end with thousands of
// extents, and a whole map per file per group made FIEMAP most of a `--chunk 4k` run (a trial:
// 441 s on XFS, ~25 ms per map). What the windows show still decides which ranges are already at
// the source's place. A stand-in backend answers; the real maps are tested on XFS and btrfs
// (test/linux/dedupe*.test.ts).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyGroup, emptyTally, type Dedupable } from '../../src/engine/dedupe-apply-group';
import { SignalContext } from '../../src/engine/context';
import type { DedupeGroup } from '../../src/engine/dedupe-types';
import type { PackedExtentMap } from '../../src/engine/map-format';
import type { ByteRange } from '../../src/engine/types';

const K = 1024n;
const MiB = 1024n * K;
const SIZE = 64n * MiB;

/** Where each file's data lies on disk: one extent per file, `/v/twin` already on the source's blocks. */
const PHYSICAL: Record<string, bigint> = { '/v/src': 100n * MiB, '/v/dst': 300n * MiB, '/v/twin': 100n * MiB };

function standIn(asked: { path: string; window: ByteRange | undefined }[], sent: string[]): Dedupable {
  return {
    name: 'stand-in',
    dedupeRange: (_s: string, _o: bigint, length: bigint, dests: { path: string }[]) =>
      dests.map((d) => (sent.push(d.path), { status: 'same', bytes: length })),
    dedupeSupport: () => undefined,
    freeBytesSynced: () => 0n,
    extentMapPacked: async (path: string, window: ByteRange | undefined): Promise<PackedExtentMap> => {
      asked.push({ path, window });
      // the extent meeting the window (the whole file's one extent, clipped as FIEMAP's window gives it)
      const w = window ?? { offset: 0n, length: SIZE };
      return {
        path,
        size: SIZE,
        blockSize: 4096,
        window: w,
        source: 'fiemap',
        calls: 1,
        durationMs: 0,
        packed: {
          count: 1,
          offset: BigInt64Array.of(w.offset),
          length: BigInt64Array.of(w.length),
          physical: BigInt64Array.of(PHYSICAL[path] + w.offset),
          flags: Uint32Array.of(0),
        },
      };
    },
  } as unknown as Dedupable;
}

test('the apply maps each range of the group, not the whole files; a range on the source’s blocks gets no call', async () => {
  const at = 40n * MiB;
  const g: DedupeGroup = {
    length: 4n * K,
    ranges: [
      { path: '/v/src', offset: at },
      { path: '/v/dst', offset: at },
      { path: '/v/twin', offset: at },
    ],
    netSaving: 4n * K,
    candidateBytes: 8n * K,
    wholeFiles: false,
    warnings: [],
  };
  const asked: { path: string; window: ByteRange | undefined }[] = [];
  const sent: string[] = [];
  const t = emptyTally();
  await applyGroup(standIn(asked, sent), g, new SignalContext('dedupe', []), t, () => undefined);
  assert.deepEqual(
    asked,
    g.ranges.map((r) => ({ path: r.path, window: { offset: r.offset, length: g.length } })),
    'one window per range, the group’s length',
  );
  assert.deepEqual(sent, ['/v/dst'], 'the twin already shares the source’s blocks: no call');
  assert.equal(t.deduped, 4n * K);
  assert.equal(t.alreadyShared, 4n * K);
  assert.deepEqual(t.skipped, []);
});
