// The Space view's totals on the wire: the apparent size of a selection is a sum of file sizes,
// and three 8 EiB sparse images (2^63 − 1 bytes each) already pass 2^64. The message carrying
// such a total must be accepted as it is (exact), not dropped for not fitting 64 bits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SpaceResult } from '../../src/engine';
import { spaceData } from '../../src/views/space-data';
import { parseHostMessage } from '../../src/protocol/host-message-check';

const INT64_MAX = (1n << 63n) - 1n;

function result(n: number): SpaceResult {
  const sum = INT64_MAX * BigInt(n);
  const totals = {
    files: n,
    size: sum,
    allocated: 4096n * BigInt(n),
    shared: 0n,
    exclusive: 4096n * BigInt(n),
    unique: 4096n * BigInt(n),
    reclaimable: 4096n * BigInt(n),
    reclaimableExact: true,
    reclaimableMax: 4096n * BigInt(n),
    reclaimableBounds: true,
  };
  const files = Array.from({ length: n }, (_, i) => ({
    path: `/m/img${i}`,
    size: INT64_MAX,
    allocated: 4096n,
    shared: 0n,
    exclusive: 4096n,
    fileSystem: 0,
    sharesWith: [],
    sharesWithCount: 0,
  }));
  return { files, total: totals, fileSystems: [{ ...totals, filesystem: 'xfs', id: '7:2', notes: [] }], errors: [], symlinks: 0, hardLinks: 0, notes: [], durationMs: 1 };
}

test('three 8 EiB images: the total apparent size (past 2^64) reaches the Space view exactly', () => {
  const d = spaceData(result(3), ['/m']);
  assert.equal(d.total.size, '27670116110564327421');
  const m = parseHostMessage({ type: 'space', data: JSON.parse(JSON.stringify(d)) });
  assert.ok(m, 'the message is valid');
  assert.equal((m as { data: { total: { size: string } } }).data.total.size, '27670116110564327421');
  assert.equal((m as { data: { fileSystems: Array<{ size: string }> } }).data.fileSystems[0].size, '27670116110564327421');
  // the end of a streamed analysis carries the same totals
  const done = { type: 'spaceDone', start: 0, rows: d.files, sharing: d.files.map((_, i) => [i, '0']), data: { ...d, files: [] } };
  assert.ok(parseHostMessage(JSON.parse(JSON.stringify(done))), 'spaceDone is valid');
});

test('the most files one view takes, each 2^63 − 1 bytes, still sum to a valid total; more digits than that are refused', () => {
  const d = spaceData(result(2), ['/m']);
  const huge = (INT64_MAX * 50_000_000n).toString();
  assert.ok(parseHostMessage({ type: 'space', data: { ...d, total: { ...d.total, size: huge } } }));
  assert.equal(parseHostMessage({ type: 'space', data: { ...d, total: { ...d.total, size: huge + '0' } } }), undefined);
  assert.equal(parseHostMessage({ type: 'space', data: { ...d, total: { ...d.total, size: '-1' } } }), undefined);
  // a single file's size stays 64-bit
  assert.equal(parseHostMessage({ type: 'space', data: { ...d, files: [{ ...d.files[0], size: (1n << 64n).toString() }, d.files[1]] } }), undefined);
});
