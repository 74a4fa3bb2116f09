// Pure planning logic of the NT FSCTL algorithms: how a clone is cut into DUPLICATE_EXTENTS calls
// (each below 4 GiB, cluster aligned, tail rounded up to the cluster, docs/facts/windows-fsctl.md#cluster-alignment-and-chunks) and how a
// server-side copy is cut into COPYCHUNK batches within the server's limits. The FSCTLs
// themselves are exercised against Samba (test/smb/), Wine (test/wine/) and ReFS (test/windows/).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { planCloneChunks, cloneChunkSize } from '../../src/engine/nt/clone';
import { CopyCursor, DEFAULT_COPYCHUNK_LIMITS } from '../../src/engine/nt/copychunk';

const GiB = 1n << 30n;

test('clone chunks: (1 << 32) - cluster each, the last rounded up to the cluster', () => {
  assert.equal(cloneChunkSize(4096), (1n << 32n) - 4096n);
  const len = 10n * GiB + 100n;
  const chunks = [...planCloneChunks(0n, 8192n, len, 65536)];
  const chunk = (1n << 32n) - 65536n;
  assert.deepEqual(chunks, [
    { sourceOffset: 0n, targetOffset: 8192n, byteCount: chunk },
    { sourceOffset: chunk, targetOffset: 8192n + chunk, byteCount: chunk },
    { sourceOffset: 2n * chunk, targetOffset: 8192n + 2n * chunk, byteCount: 10n * GiB - 2n * chunk + 65536n },
  ]);
  assert.deepEqual([...planCloneChunks(0n, 0n, 0n, 4096)], []);
  assert.deepEqual([...planCloneChunks(4096n, 0n, 1n, 4096)], [{ sourceOffset: 4096n, targetOffset: 0n, byteCount: 4096n }]);
});

test('clone chunks: every call < 4 GiB and cluster aligned; together they cover the range (property)', () => {
  fc.assert(
    fc.property(
      fc.constantFrom(4096, 65536),
      fc.bigInt({ min: 0n, max: 1n << 40n }),
      fc.bigInt({ min: 1n, max: 1n << 36n }),
      fc.option(fc.bigInt({ min: 1n << 24n, max: 1n << 33n }), { nil: undefined }),
      (cluster, startClusters, length, maxChunk) => {
        const c = BigInt(cluster);
        const start = startClusters * c;
        const chunks = planCloneChunks(start, start + c, length, cluster, maxChunk);
        let pos = start;
        for (const ch of chunks) {
          assert.ok(ch.byteCount < 1n << 32n);
          assert.equal(ch.byteCount % c, 0n);
          assert.equal(ch.sourceOffset, pos);
          assert.equal(ch.targetOffset - ch.sourceOffset, c);
          pos += ch.byteCount;
        }
        assert.ok(pos >= start + length && pos - (start + length) < c, 'covers the range, overshooting by less than one cluster');
      },
    ),
    { numRuns: 200 },
  );
});

test('copychunk batches respect chunk count, chunk size and total; the cursor follows partial progress', () => {
  const M = 1n << 20n;
  const segs = [
    { offset: 0n, length: 40n * M + 5n },
    { offset: 100n * M, length: 3n * M },
  ];
  const cur = new CopyCursor(segs);
  const first = cur.next(DEFAULT_COPYCHUNK_LIMITS);
  assert.equal(first.length, 16);
  assert.ok(first.every((c) => c.length === 1 << 20 && c.sourceOffset === c.targetOffset));
  cur.advance(16n * M);
  const limits = { maxChunks: 2, maxChunkBytes: 3 << 20, maxTotalBytes: 5 << 20 };
  const second = cur.next(limits);
  assert.deepEqual(second.map((c) => [c.sourceOffset, c.length]), [[16n * M, 3 << 20], [19n * M, 2 << 20]]);
  // The server wrote only part: continue exactly where it stopped.
  cur.advance(4n * M + 7n);
  assert.equal(cur.next(limits)[0].sourceOffset, 20n * M + 7n);
  // Batches cross from one segment (allocated range) to the next without copying the hole.
  let copied = 20n * M + 7n;
  for (let b = cur.next(DEFAULT_COPYCHUNK_LIMITS); b.length; b = cur.next(DEFAULT_COPYCHUNK_LIMITS)) {
    assert.ok(b.length <= 256 && b.reduce((a, c) => a + c.length, 0) <= 16 << 20);
    for (const c of b) assert.ok(segs.some((s) => c.sourceOffset >= s.offset && c.sourceOffset + BigInt(c.length) <= s.offset + s.length));
    const n = b.reduce((a, c) => a + BigInt(c.length), 0n);
    cur.advance(n);
    copied += n;
  }
  assert.equal(copied, 43n * M + 5n);
  assert.equal(cur.done, true);
});
