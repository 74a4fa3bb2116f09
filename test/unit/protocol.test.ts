// The host<->webview protocol (src/protocol/messages.ts): every message from a webview is
// untrusted and every message from the host is checked by the webview; malformed, unknown and
// out-of-range messages must be rejected, well-formed ones passed through unchanged.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { fromWire, isU64String, parseWebviewMessage, toWire, MAX_COPY_TEXT } from '../../src/protocol/messages';
import { parseHostMessage } from '../../src/protocol/host-message-check';
import { groupDigits, humanBytes, percentOf } from '../../src/protocol/format';
import { classOf } from '../../src/protocol/extent-class';

test('webview messages: valid ones pass unchanged', () => {
  const ok = [
    { type: 'ready' },
    { type: 'refresh' },
    { type: 'compareWithCopy' },
    { type: 'requestWindow', requestId: 0, offset: '9007199254740993', length: '4096', maxExtents: 2000 },
    { type: 'requestWindow', requestId: 3, offset: '0', length: '1', maxExtents: 1, binCount: 800 },
    { type: 'requestRows', requestId: 1, start: 999_990, count: 100 },
    { type: 'export', format: 'json' },
    { type: 'export', format: 'csv' },
    { type: 'copyText', text: 'a\tb' },
    { type: 'copyText', text: 'a\tb', requestId: 7 },
  ];
  for (const m of ok) assert.deepEqual(parseWebviewMessage(m), m, JSON.stringify(m));
});

test('webview messages: extra fields are dropped, not passed on', () => {
  assert.deepEqual(parseWebviewMessage({ type: 'refresh', path: '/etc/shadow' }), { type: 'refresh' });
  assert.deepEqual(parseWebviewMessage({ type: 'export', format: 'csv', path: '/tmp/x' }), { type: 'export', format: 'csv' });
});

test('webview messages: malformed, unknown and out-of-range are rejected', () => {
  const bad: unknown[] = [
    null,
    undefined,
    42,
    'ready',
    [],
    [{ type: 'ready' }],
    {},
    { type: 'READY' },
    { type: 'delete', path: '/' },
    { type: 'requestWindow', requestId: 1, offset: 0, length: '1', maxExtents: 1 }, // number, not decimal string
    { type: 'requestWindow', requestId: 1, offset: '-1', length: '1', maxExtents: 1 },
    { type: 'requestWindow', requestId: 1, offset: '01', length: '1', maxExtents: 1 }, // leading zero
    { type: 'requestWindow', requestId: 1, offset: '0x10', length: '1', maxExtents: 1 },
    { type: 'requestWindow', requestId: 1, offset: '1.5', length: '1', maxExtents: 1 },
    { type: 'requestWindow', requestId: 1, offset: '18446744073709551616', length: '1', maxExtents: 1 }, // 2^64
    { type: 'requestWindow', requestId: 1, offset: '18446744073709551615', length: '1', maxExtents: 1 }, // end > 2^64-1
    { type: 'requestWindow', requestId: 1, offset: '0', length: '1', maxExtents: 0 },
    { type: 'requestWindow', requestId: 1, offset: '0', length: '1', maxExtents: 1_000_001 },
    { type: 'requestWindow', requestId: 1, offset: '0', length: '1', maxExtents: 1.5 },
    { type: 'requestWindow', requestId: -1, offset: '0', length: '1', maxExtents: 1 },
    { type: 'requestWindow', requestId: 1, offset: '0', length: '1', maxExtents: 1, binCount: 0 },
    { type: 'requestWindow', requestId: 1, offset: '0', length: '1', maxExtents: 1, binCount: 1e9 },
    { type: 'requestRows', requestId: 1, start: -1, count: 1 },
    { type: 'requestRows', requestId: 1, start: 0, count: 0 },
    { type: 'requestRows', requestId: 1, start: 0, count: 10_001 },
    { type: 'requestRows', requestId: 1, start: NaN, count: 1 },
    { type: 'requestRows', requestId: 1, start: Infinity, count: 1 },
    { type: 'requestRows', requestId: '1', start: 0, count: 1 },
    { type: 'export', format: 'xml' },
    { type: 'export' },
    { type: 'copyText', text: 5 },
    { type: 'copyText', text: 'x'.repeat(MAX_COPY_TEXT + 1) },
    { type: 'copyText', text: 'a', requestId: -1 },
    { type: 'copyText', text: 'a', requestId: '7' },
    { type: 'copyText', text: 'a', requestId: 1.5 },
  ];
  for (const m of bad) assert.equal(parseWebviewMessage(m), undefined, JSON.stringify(m)?.slice(0, 120));
});

test('property: random objects never throw, and anything accepted re-validates identically', () => {
  fc.assert(
    fc.property(fc.anything(), (v) => {
      const r = parseWebviewMessage(v);
      if (r !== undefined) assert.deepEqual(parseWebviewMessage(r), r);
      parseHostMessage(v);
    }),
    { numRuns: 2000 },
  );
  const type = fc.constantFrom('requestWindow', 'requestRows', 'export', 'copyText', 'copied', 'window', 'rows', 'summary');
  const keys = ['type', 'requestId', 'offset', 'length', 'maxExtents', 'start', 'count', 'format', 'text', 'window', 'rows', 'total'];
  keys.push('ok', 'error');
  fc.assert(
    fc.property(fc.dictionary(fc.constantFrom(...keys), fc.anything()), type, (o, t) => {
      parseWebviewMessage({ ...o, type: t });
      parseHostMessage({ ...o, type: t });
    }),
    { numRuns: 2000 },
  );
});

const win = { offset: '0', length: '8192', extentCount: 1, extents: [{ offset: '0', length: '4096', physical: null, flags: ['last'] }] };
const summary = {
  path: '/a/b',
  name: 'b',
  size: '8192',
  allocated: '4096',
  sparseRatio: 0.5,
  extentCount: 1,
  sharedBytes: '0',
  unwrittenBytes: '0',
  filesystem: 'xfs',
  blockSize: 4096,
  supportsClone: true,
  supportsSparse: true,
  source: 'fiemap',
  cloneEvidence: 'x',
};
const side = { path: '/a', size: '8192', after: win, sharedBytes: '4096' };
const clone = {
  operation: 'clone',
  method: 'FICLONE',
  fellBack: false,
  bytes: '8192',
  calls: 1,
  durationMs: 0.4,
  spaceSaved: '4096',
  source: side,
  destination: side,
  notes: [],
};

test('host messages: valid ones pass (webview side)', () => {
  const ok = [
    { type: 'summary', summary },
    { type: 'summary', summary: { ...summary, supportsClone: undefined } }, // unknown: the probe could not run
    { type: 'summary', summary: { ...summary, notes: ['tmpfs counts 4194304 bytes in use for this file'] } },
    { type: 'overview', window: win },
    { type: 'window', requestId: 2, window: { ...win, extents: undefined, binCount: 2, bins: new Array(12).fill(0.25) } },
    { type: 'rows', requestId: 1, start: 0, total: 1, rows: win.extents },
    { type: 'selectRange', offset: '0', length: '4096' },
    { type: 'progress', message: 'Reading extents', done: '1', total: '2' },
    { type: 'error', code: 'EACCES', message: 'Permission denied: open the file as its owner.' },
    { type: 'cloneResults', data: clone },
    { type: 'cloneResults', data: { ...clone, comparison: { copyMs: 12, copyBytes: '8192', cloneMs: 0.4 } } },
    // a report's notes are sentences: an SMB copy's runs to ~550 characters (its panel was blank)
    { type: 'cloneResults', data: { ...clone, notes: ["A server may share the source's blocks ".padEnd(600, 'x'), 'x'.repeat(4000)] } },
    { type: 'copied', requestId: 3, ok: true },
    { type: 'copied', requestId: 3, ok: false },
    { type: 'copied', requestId: 3, ok: false, error: 'The clipboard is not available.' },
  ];
  for (const m of ok) assert.ok(parseHostMessage(m), JSON.stringify(m));
});

test('host messages: malformed, unknown and out-of-range are rejected (webview side)', () => {
  const bad: unknown[] = [
    { type: 'summary', summary: { ...summary, size: 8192 } },
    { type: 'summary', summary: { ...summary, sparseRatio: 2 } },
    { type: 'summary', summary: { ...summary, supportsClone: 'yes' } },
    { type: 'summary', summary: { ...summary, notes: 'one' } },
    { type: 'summary', summary: { ...summary, notes: [7] } },
    { type: 'summary', summary: { ...summary, notes: ['x'.repeat(5000)] } },
    { type: 'summary' },
    { type: 'window', requestId: 1, window: { ...win, extents: [{ offset: '0', length: '-1', physical: null, flags: [] }] } },
    { type: 'window', requestId: 1, window: { ...win, extents: undefined } }, // neither extents nor bins
    { type: 'window', requestId: 1, window: { ...win, extents: undefined, binCount: 2, bins: [0.5] } }, // wrong length
    { type: 'window', requestId: 1, window: { ...win, extents: undefined, binCount: 1, bins: [NaN, 0, 0, 0, 0, 0] } },
    { type: 'window', requestId: 1, window: { ...win, extents: undefined, binCount: 1, bins: [2, 0, 0, 0, 0, 0] } },
    {
      type: 'window',
      requestId: 1,
      window: { ...win, extents: [{ offset: '18446744073709551615', length: '2', physical: null, flags: [] }] },
    },
    { type: 'rows', requestId: 1, start: 5, total: 1, rows: win.extents },
    { type: 'rows', requestId: 1, start: 0, total: 1, rows: 'x' },
    { type: 'selectRange', offset: '1e3', length: '1' },
    { type: 'error', code: 5, message: 'x' },
    { type: 'cloneResults', data: { ...clone, calls: -1 } },
    { type: 'cloneResults', data: { ...clone, notes: ['x'.repeat(8193)] } },
    { type: 'cloneResults', data: { ...clone, destination: { ...side, after: 'x' } } },
    { type: 'cloneResults', data: { ...clone, comparison: { copyMs: 'fast' } } },
    { type: 'unknown' },
    { type: 'copied', requestId: 3 },
    { type: 'copied', requestId: -1, ok: true },
    { type: 'copied', requestId: 3, ok: 'yes' },
    { type: 'copied', requestId: 3, ok: false, error: 5 },
    { type: 'copied', requestId: 3, ok: true, error: 'a success has no error' },
    { type: 'copied', requestId: 3, ok: false, error: 'x'.repeat(4097) },
  ];
  for (const m of bad) assert.equal(parseHostMessage(m), undefined, JSON.stringify(m));
});

test('wire numbers: exact round trip over the whole u64 range', () => {
  fc.assert(
    fc.property(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), (v) => {
      const s = toWire(v);
      assert.ok(isU64String(s));
      assert.equal(fromWire(s), v);
    }),
  );
  assert.equal(isU64String('18446744073709551616'), false);
});

test('format: exact grouping, human units, hex and percentages in bigint', () => {
  assert.equal(groupDigits((1n << 53n) + 4097n), '9,007,199,254,745,089');
  assert.equal(groupDigits(0n), '0');
  assert.equal(groupDigits(999n), '999');
  assert.equal(groupDigits(1000n), '1,000');
  assert.equal(humanBytes(512n), '512 B');
  assert.equal(humanBytes(1536n), '1.5 KiB');
  assert.equal(humanBytes(1n << 60n), '1 EiB');
  assert.equal(humanBytes((1n << 64n) - 1n), '16 EiB', 'exact above 2^53');
  assert.equal(humanBytes(1342177280n), '1.25 GiB');
  // rounded up to a whole next unit, named in it, not "1024 KiB"
  assert.equal(humanBytes(1048575n), '1 MiB');
  assert.equal(humanBytes((1n << 30n) - 1n), '1 GiB');
  assert.equal(humanBytes(1048063n), '1023.5 KiB', 'below the half-way point stays in KiB');
  assert.equal(humanBytes(1023n), '1023 B');
  assert.equal(humanBytes(1288490189n), '1.2 GiB', 'trailing zeros dropped');
  assert.equal(humanBytes(1127428915n), '1.05 GiB', 'an inner zero kept');
  // one rule for every view, the CLI and the messages: two decimals at most, rounded half up
  assert.equal(humanBytes(1302528n), '1.24 MiB', 'not 1.2 MiB (the Space view) beside 1.24 MiB (Duplicate Data)');
  assert.equal(humanBytes(5368709n), '5.12 MiB', 'half up');
  assert.equal(humanBytes(-1536n), '-1.5 KiB');
  assert.equal(percentOf(1n, 3n), '33.3%');
});

test('classOf: the most specific class wins', () => {
  assert.equal(classOf([]), 'data');
  assert.equal(classOf(['last']), 'data');
  assert.equal(classOf(['unwritten']), 'unwritten');
  assert.equal(classOf(['shared', 'unwritten']), 'shared');
  assert.equal(classOf([], 3), 'shared');
  assert.equal(classOf([], 1), 'data');
  assert.equal(classOf(['delalloc', 'unknown']), 'delalloc');
  assert.equal(classOf(['inline', 'not-aligned']), 'inline');
  assert.equal(classOf(['encoded']), 'encoded');
  // btrfs with compression: every extent is encoded, and a clone's must still show as shared
  assert.equal(classOf(['encoded', 'shared']), 'shared');
  assert.equal(classOf(['encoded'], 2), 'shared');
  assert.equal(classOf(['inline', 'shared']), 'inline');
});

// ---- the Space view (issue 13) ----------------------------------------------------------------

const spaceTotals = {
  files: 2,
  size: '12288',
  allocated: '12288',
  shared: '8192',
  exclusive: '4096',
  unique: '8192',
  reclaimable: '4096',
  reclaimableExact: false,
  reclaimableMax: '8192',
  reclaimableBounds: true,
};
const spaceData = () => ({
  roots: ['/m/d'],
  base: '/m/d',
  sep: '/',
  exactScan: false,
  files: [
    {
      path: '/m/d/a',
      size: '8192',
      allocated: '8192',
      shared: '4096',
      exclusive: '4096',
      fileSystem: 0,
      sharesWithCount: 1,
      overlap: '4096',
    },
    { path: '/m/d/b', size: '4096', allocated: '4096', shared: '4096', exclusive: '0', fileSystem: 0, sharesWithCount: 1, overlap: '4096' },
  ],
  // (a copy: a broken case below sets total.reclaimableExact, which must not reach later tests)
  total: { ...spaceTotals },
  fileSystems: [{ ...spaceTotals, filesystem: 'xfs', notes: ['a bound'] }],
  errors: [{ path: '/m/d/x', code: 'EACCES', message: 'permission denied' }],
  notes: [],
  symlinks: 0,
  hardLinks: 0,
  durationMs: 1.5,
});

test('space view: webview messages name files by index only', () => {
  assert.deepEqual(parseWebviewMessage({ type: 'spaceScan', exactScan: true }), { type: 'spaceScan', exactScan: true });
  assert.deepEqual(parseWebviewMessage({ type: 'spaceCancel', extra: 1 }), { type: 'spaceCancel' });
  assert.deepEqual(parseWebviewMessage({ type: 'spaceRowsSeen', upTo: 20_000 }), { type: 'spaceRowsSeen', upTo: 20_000 });
  assert.deepEqual(parseWebviewMessage({ type: 'spaceOpen', index: 3 }), { type: 'spaceOpen', index: 3 });
  assert.deepEqual(parseWebviewMessage({ type: 'spaceReveal', index: 0, path: '/etc/shadow' }), { type: 'spaceReveal', index: 0 });
  for (const bad of [
    { type: 'spaceScan' },
    { type: 'spaceScan', exactScan: 'yes' },
    { type: 'spaceRowsSeen' },
    { type: 'spaceRowsSeen', upTo: -1 },
    { type: 'spaceRowsSeen', upTo: 1.5 },
    { type: 'spaceOpen' },
    { type: 'spaceOpen', index: -1 },
    { type: 'spaceOpen', index: 1.5 },
    { type: 'spaceOpen', index: '2' },
    { type: 'spaceOpen', path: '/etc/passwd' },
    { type: 'spaceReveal', index: Number.MAX_SAFE_INTEGER },
  ]) {
    assert.equal(parseWebviewMessage(bad), undefined, JSON.stringify(bad));
  }
});

test('space view: host messages are validated on the webview side', () => {
  assert.ok(parseHostMessage({ type: 'space', data: spaceData() }));
  // the analysis's notes are sentences, longer than a flag's 256 characters
  assert.ok(parseHostMessage({ type: 'space', data: { ...spaceData(), notes: ['n'.repeat(1500)] } }));
  assert.ok(parseHostMessage({ type: 'spaceProgress', files: 10, bytes: '40960', message: 'x', exactScan: false }));
  assert.equal(parseHostMessage({ type: 'spaceProgress', files: -1, bytes: '0', message: '', exactScan: false }), undefined);
  assert.equal(parseHostMessage({ type: 'spaceProgress', files: 1, bytes: 12, message: '', exactScan: false }), undefined);
  const broken: Array<(d: ReturnType<typeof spaceData>) => unknown> = [
    (d) => ((d.files[0].sharesWithCount = 2), d), // more partners than other files
    (d) => ((d.files[0].overlap = 4096 as unknown as string), d),
    (d) => ((d.files[0].size = '-1'), d),
    (d) => ((d.files[1].fileSystem = 1), d), // no such file system
    (d) => ((d.total.reclaimableExact = 'no' as unknown as boolean), d),
    (d) => ((d.sep = ':'), d),
    (d) => ((d.fileSystems[0].notes = [1 as unknown as string]), d),
    (d) => ((d.errors = [{ path: '/x' } as never]), d),
    (d) => ((d.durationMs = -1), d),
    (d) => ((d.roots = 'x' as unknown as string[]), d),
  ];
  for (const f of broken) assert.equal(parseHostMessage({ type: 'space', data: f(spaceData()) }), undefined, f.toString());
});

test('space view: spaceRows (the files while the analysis runs) are validated', () => {
  const row = { path: '/m/d/a', size: '8192', allocated: '8192', shared: '4096', exclusive: '4096', fileSystem: 0 };
  const ok = {
    type: 'spaceRows',
    start: 0,
    rows: [row, { ...row, path: '/m/d/b', sharingUnknown: true }],
    base: '/m/d',
    sep: '/',
    exactScan: false,
  };
  assert.deepEqual(parseHostMessage(ok), ok);
  assert.ok(parseHostMessage({ ...ok, start: 5000, sep: '\\' }));
  for (const bad of [
    { ...ok, start: -1 },
    { ...ok, start: 0.5 },
    { ...ok, rows: 'x' },
    { ...ok, rows: [{ ...row, size: 8192 }] },
    { ...ok, rows: [{ ...row, allocated: '-1' }] },
    { ...ok, rows: [{ ...row, fileSystem: -1 }] },
    { ...ok, rows: [{ ...row, sharingUnknown: 'yes' }] },
    { ...ok, rows: Array.from({ length: 10_001 }, () => row) },
    { ...ok, base: 7 },
    { ...ok, sep: ':' },
    { ...ok, exactScan: undefined },
  ])
    assert.equal(parseHostMessage(bad), undefined, JSON.stringify(bad).slice(0, 200));
});

test("space view: each path given's figures (paths) are checked: typed, no more than the roots", () => {
  const path = (p: string, more: Record<string, unknown> = {}) => ({
    path: p,
    files: 1,
    size: '4096',
    allocated: '4096',
    shared: '0',
    exclusive: '4096',
    reclaimable: '4096',
    reclaimableExact: true,
    reclaimableMax: '4096',
    reclaimableBounds: true,
    ...more,
  });
  const roots = ['/m/d', '/m/d/sub'];
  const ok = [path('/m/d', { without: ['/m/d/sub'] }), path('/m/d/sub', { unread: true, sharingUnknownFiles: 1 })];
  assert.ok(parseHostMessage({ type: 'space', data: { ...spaceData(), roots, paths: ok } }));
  for (const paths of [
    'x',
    [...ok, path('/m/e')],
    [path('/m/d', { reclaimable: '-1' })],
    [path('/m/d', { reclaimableExact: 'yes' })],
    [path('/m/d', { without: '/m/d/sub' })],
    [path('/m/d', { without: [7] })],
    [path('/m/d', { unread: 1 })],
    [{ ...path('/m/d'), files: undefined }],
  ])
    assert.equal(parseHostMessage({ type: 'space', data: { ...spaceData(), roots, paths } }), undefined, JSON.stringify(paths));
});
