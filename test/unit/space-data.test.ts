// The Space view's pure host-side data (src/views/space-data.ts) and the webview's model
// (webview/space/model.ts): the treemap's base folder, the wire form, the exports, the folder
// tree and the exclusive / inside / outside split.
// (Over 400 lines: the host's wire data and the view's model are the two sides of one format, tested together.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SpaceResult } from '../../src/engine';
import { commonBase, pathSeparator, spaceData, spaceRow, StreamingBase } from '../../src/views/space-data';
import { spaceExportText, spacePartners } from '../support/space-wire';
import { parseWebviewMessage } from '../../src/protocol/messages';
import { parseHostMessage } from '../../src/protocol/host-message-check';
import { sharingKnown, sharingSums } from '../../src/protocol/space-sharing';
import { withHumanSizes } from '../../src/protocol/format';
import { buildTree, fileNums, sharedSplit } from '../../webview/space/model';
import { addRows, completeRows, rowsData } from '../../webview/space/stream';

const f = (p: string, allocated: bigint, shared: bigint, sharesWith: Array<{ path: string; index: number; bytes: bigint }> = []) => ({
  path: p,
  size: allocated,
  allocated,
  shared,
  exclusive: allocated - shared,
  fileSystem: 0,
  sharesWith,
  sharesWithCount: sharesWith.length,
});
const totals = {
  files: 3,
  size: 0n,
  allocated: 0n,
  shared: 0n,
  exclusive: 0n,
  unique: 0n,
  reclaimable: 0n,
  reclaimableExact: true,
  reclaimableMax: 0n,
  reclaimableBounds: true,
};

test('commonBase: a folder root is its own base, a file root its folder, several roots their common ancestor', () => {
  const files = [{ path: '/m/a/x' }, { path: '/m/a/b/y' }, { path: '/m/c/z' }];
  assert.equal(commonBase(['/m/a'], files, '/'), '/m/a');
  assert.equal(commonBase(['/m/a/'], files, '/'), '/m/a');
  assert.equal(commonBase(['/m/a/x'], files, '/'), '/m/a');
  assert.equal(commonBase(['/m/a/b', '/m/c/z'], files, '/'), '/m');
  assert.equal(commonBase(['/m/ab', '/m/a'], files, '/'), '/m', 'by whole names, never a partial name');
  assert.equal(commonBase(['/x', '/m/a'], files, '/'), '/');
  assert.equal(pathSeparator(['C:\\data']), '\\');
  assert.equal(commonBase(['C:\\data\\a', 'C:\\data\\b'], [{ path: 'C:\\data\\a\\1' }], '\\'), 'C:\\data');
});

test('spaceData: decimal strings, partners apart (by index), exports in the CLI shape', () => {
  const big = (1n << 60n) + 1n;
  const r: SpaceResult = {
    files: [
      f('/m/d/a', big, 4096n, [{ path: '/m/d/s/b', index: 1, bytes: 4096n }]),
      f('/m/d/s/b', 8192n, 4096n, [{ path: '/m/d/a', index: 0, bytes: 4096n }]),
      f('/m/d/c,"q"', 0n, 0n),
    ],
    total: totals,
    fileSystems: [{ ...totals, filesystem: 'xfs', id: '8:1', notes: ['n'] }],
    errors: [],
    symlinks: 1,
    hardLinks: 0,
    notes: [],
    durationMs: 2,
  };
  const d = spaceData(r, ['/m/d']);
  const p = spacePartners(r);
  assert.equal(d.files[0].allocated, big.toString(), 'exact above 2^53');
  assert.deepEqual(p[0], [[1, '4096']]);
  assert.equal(d.files[0].sharesWithCount, 1);
  assert.equal(d.files[0].overlap, '4096', 'the bytes in common, for the treemap');
  assert.equal('sharesWith' in d.files[0], false, 'who: asked for when selected');
  assert.ok(parseHostMessage({ type: 'space', data: JSON.parse(JSON.stringify(d)) }), 'valid on the wire');
  const j = JSON.parse(spaceExportText(d, p, 'json'));
  assert.deepEqual(j.files[0].sharesWith, [{ path: '/m/d/s/b', bytes: '4096' }]);
  assert.equal(j.total.reclaimable, '0');
  const csv = spaceExportText(d, p, 'csv').split('\n');
  assert.equal(csv[3], '"/m/d/c,""q""",0,0,0,0,0', 'quoted as RFC 4180 says');

  const nums = fileNums(d);
  assert.deepEqual(
    nums.map((n) => n.rel),
    ['a', 's/b', 'c,"q"'],
  );
  const tree = buildTree(d, nums);
  assert.deepEqual(
    tree.children!.map((c) => [c.name, c.file, c.children?.map((g) => g.name)]),
    [
      ['a', 0, undefined],
      ['s', undefined, ['b']],
      ['c,"q"', 2, undefined],
    ],
  );
});

test("sharedSplit: the engine's sharedInside where it gives it (exact), whatever the overlaps", () => {
  // two clones in the selection that a third file outside also references: nothing inside
  assert.deepEqual(sharedSplit(100n, '100', '0'), { inside: 0n, outside: 100n });
  assert.deepEqual(sharedSplit(100n, '100', '40'), { inside: 40n, outside: 60n });
  assert.deepEqual(sharedSplit(100n, undefined, '100'), { inside: 100n, outside: 0n });
});

test('sharedSplit with bounds: inside is the overlaps with selected files, at most shared; the rest is outside', () => {
  assert.deepEqual(sharedSplit(100n, undefined), { inside: 0n, outside: 100n });
  assert.deepEqual(sharedSplit(100n, '30'), { inside: 30n, outside: 70n });
  assert.deepEqual(sharedSplit(100n, '160'), { inside: 100n, outside: 0n }, 'two partners of 80 each: at most shared');
  assert.deepEqual(sharedSplit(0n, undefined), { inside: 0n, outside: 0n });
});

test('StreamingBase: commonBase as the rows come in, from the first file met under each root', () => {
  const roots = ['/m/d', '/m/e/f.img'];
  const b = new StreamingBase(roots, '/');
  assert.equal(b.base, commonBase(roots, [], '/'));
  const seen: string[] = [];
  for (const batch of [['/m/e/f.img'], ['/m/d/x/1', '/m/d/x/2'], ['/m/d/y']]) {
    b.add(batch);
    seen.push(...batch);
    assert.equal(
      b.base,
      commonBase(
        roots,
        seen.map((path) => ({ path })),
        '/',
      ),
      batch.join(),
    );
  }
  assert.equal(b.base, '/m');
  const one = new StreamingBase(['/m/d'], '/');
  assert.equal(one.base, '/m', 'before any file: the folder holding the root');
  one.add(['/m/d/a']);
  assert.equal(one.base, '/m/d', 'a folder with files is its own base');
});

test('sharing unknown: the CSV says unknown, the JSON keeps the numbers and the flag; a filtered export has the files shown and says so', () => {
  const u = { ...f('smb://h/s/u', 8192n, 0n), sharingUnknown: true };
  const r: SpaceResult = {
    files: [f('/m/d/a', 4096n, 0n), u, f('/m/d/b', 4096n, 4096n)],
    total: totals,
    fileSystems: [
      { ...totals, filesystem: 'xfs', id: '8:1', notes: [], exactScan: 'possible' },
      { ...totals, filesystem: 'smb', id: 'smb://h/s', notes: [] },
    ],
    errors: [],
    symlinks: 0,
    hardLinks: 0,
    notes: [],
    durationMs: 2,
  };
  const d = spaceData(r, ['/m/d', 'smb://h/s']);
  const p = spacePartners(r);
  assert.equal(d.exactScan, false, 'no exact scan ran');
  assert.equal(d.fileSystems[0].exactScan, 'possible');
  assert.ok(parseHostMessage({ type: 'space', data: JSON.parse(JSON.stringify(d)) }));
  const csv = spaceExportText(d, p, 'csv').split('\n');
  assert.equal(csv[2], 'smb://h/s/u,8192,8192,unknown,unknown,unknown');
  assert.equal(csv[1], '/m/d/a,4096,4096,0,4096,0');
  const j = JSON.parse(spaceExportText(d, p, 'json'));
  assert.equal(j.files[1].exclusive, '8192', 'JSON: the numbers as defined');
  assert.equal(j.files[1].sharingUnknown, true, 'JSON: with the flag to check');
  assert.equal(j.fileSystems[0].exactScan, undefined, 'the CLI shape');
  assert.equal(j.filter, undefined);
  const part = JSON.parse(spaceExportText(d, p, 'json', { shown: [0, 2], filter: '/m/d' }));
  assert.deepEqual(
    part.files.map((x: { path: string }) => x.path),
    ['/m/d/a', '/m/d/b'],
  );
  assert.deepEqual(part.filter, { text: '/m/d', files: 2, of: 3, note: 'the totals are those of every file analysed' });
  const inFolder = JSON.parse(spaceExportText(d, p, 'json', { shown: [0], filter: '', folder: 'd' }));
  assert.equal(inFolder.filter.folder, `${d.base}${d.base.endsWith('/') ? '' : '/'}d`, 'the zoomed folder, whole');
  assert.deepEqual(
    spaceExportText(d, p, 'csv', { shown: [1], filter: 'u' })
      .split('\n')
      .slice(1, -1),
    ['smb://h/s/u,8192,8192,unknown,unknown,unknown'],
  );
});

test('sharingSums / sharingKnown: known, unknown when every file is, partial with the known files’ sums', () => {
  const row = (shared: bigint, exclusive: bigint, sharingUnknown?: boolean) => ({
    allocated: shared + exclusive,
    shared,
    exclusive,
    sharingUnknown,
  });
  assert.deepEqual(sharingKnown(sharingSums([row(1n, 2n)])), { kind: 'known' });
  assert.deepEqual(sharingKnown(sharingSums([row(0n, 5n, true), row(0n, 7n, true)])), { kind: 'unknown' });
  const s = sharingSums([row(1n, 2n), row(0n, 5n, true), row(3n, 4n)]);
  assert.deepEqual(s, { files: 3, unknownFiles: 1, knownShared: 4n, knownExclusive: 6n });
  assert.deepEqual(sharingKnown(s), { kind: 'partial', knownFiles: 2, unknownFiles: 1 });
});

// A trial: a cancelled dig-holes read "… 410,000,000 bytes (391 MiB) (measured)" in VS Code.
test('withHumanSizes: a parenthesis right after the count takes the size in, not a second one beside it', () => {
  assert.equal(
    withHumanSizes('dig-holes was cancelled (E_CANCELLED) after deallocating 410000000 bytes (measured); the file reads as before.'),
    'dig-holes was cancelled (E_CANCELLED) after deallocating 410,000,000 bytes (391.01 MiB, measured); the file reads as before.',
  );
  assert.equal(withHumanSizes('512 bytes (measured), 2048 bytes (a (b) c)', ''), '512 bytes (measured), 2048 bytes (2 KiB, a (b) c)');
  // a count that is the whole parenthesis shares it (a cancelled Clone Range read "(7,340,032 bytes (7 MiB))")
  assert.equal(
    withHumanSizes("bytes 16777216 to 24117248 of d.img already hold copies of the source's bytes (7340032 bytes); the rest"),
    "bytes 16,777,216 to 24,117,248 of d.img already hold copies of the source's bytes (7,340,032 bytes, 7 MiB); the rest",
  );
  assert.equal(
    withHumanSizes('(2048 bytes) and (512 bytes) and (4096 bytes of it)'),
    '(2,048 bytes, 2 KiB) and (512 bytes) and (4,096 bytes (4 KiB) of it)',
  );
});

test('withHumanSizes: digit groups and the binary size beside byte counts from 1 KiB', () => {
  assert.equal(
    withHumanSizes('Deleting these files frees between 0 bytes and 83886128 bytes: x.'),
    'Deleting these files frees between 0 bytes and 83,886,128 bytes (80 MiB): x.',
  );
  assert.equal(withHumanSizes('1023 bytes, 9007199254740993 bytes', ''), '1023 bytes, 9007199254740993 bytes (8 PiB)');
  assert.equal(
    withHumanSizes('87371 files were smaller; 1 file, 999 files, 1000 ranges, 12345 hard links; f20000.bin'),
    '87,371 files were smaller; 1 file, 999 files, 1,000 ranges, 12,345 hard links; f20000.bin',
  );
  // a range's offsets (a Clone Range's note in Clone Results read "[8388608, 9223372036854710272)")
  assert.equal(
    withHumanSizes(
      '/d/a.img grew from 8388608 bytes to 9223372036854771712 bytes; bytes 8388608 to 9223372036854710272, before the range, are a hole',
    ),
    '/d/a.img grew from 8,388,608 bytes (8 MiB) to 9,223,372,036,854,771,712 bytes (8 EiB); bytes 8,388,608 to 9,223,372,036,854,710,272, before the range, are a hole',
  );
  // a Duplicate Data warning (dedupe-saving.ts) read "5064 of these ranges are in one file"
  assert.equal(withHumanSizes('5064 of these ranges are in one file (z.img)'), '5,064 of these ranges are in one file (z.img)');
});

test('export message: the files shown in the table’s order (each once, in range), with a filter the filter text', () => {
  assert.deepEqual(parseWebviewMessage({ type: 'export', format: 'csv' }), { type: 'export', format: 'csv' });
  assert.deepEqual(parseWebviewMessage({ type: 'export', format: 'json', shown: [0, 3], filter: 'a' }), {
    type: 'export',
    format: 'json',
    shown: [0, 3],
    filter: 'a',
  });
  assert.deepEqual(parseWebviewMessage({ type: 'export', format: 'json', shown: [1], filter: '', folder: 'sub' }), {
    type: 'export',
    format: 'json',
    shown: [1],
    filter: '',
    folder: 'sub',
  });
  // every file, in the table's order (sorted by exclusive, say): no filter
  assert.deepEqual(parseWebviewMessage({ type: 'export', format: 'csv', shown: [3, 0, 2, 1] }), {
    type: 'export',
    format: 'csv',
    shown: [3, 0, 2, 1],
  });
  for (const bad of [
    { shown: [1], filter: '', folder: 3 },
    { shown: [3, 3], filter: 'a' },
    { shown: [-1], filter: 'a' },
    { shown: 'x', filter: 'a' },
    { filter: 'a' },
  ])
    assert.equal(parseWebviewMessage({ type: 'export', format: 'json', ...bad }), undefined, JSON.stringify(bad));
});

test('export follows the table’s order: CSV and JSON rows as the view sorted them; with no filter it is every file, not "filtered"', () => {
  const r: SpaceResult = {
    files: [f('/m/a', 4096n, 0n), f('/m/b', 3n * 4096n, 0n), f('/m/c', 2n * 4096n, 4096n)],
    total: totals,
    fileSystems: [{ ...totals, filesystem: 'xfs', id: '8:1', notes: [] }],
    errors: [],
    symlinks: 0,
    hardLinks: 0,
    notes: [],
    durationMs: 1,
  };
  const d = spaceData(r, ['/m']);
  const p = spacePartners(r);
  // sorted by allocated, largest first: b, c, a
  const csv = spaceExportText(d, p, 'csv', { shown: [1, 2, 0] })
    .trim()
    .split('\n');
  assert.deepEqual(
    csv.slice(1).map((l) => l.split(',')[0]),
    ['/m/b', '/m/c', '/m/a'],
  );
  const j = JSON.parse(spaceExportText(d, p, 'json', { shown: [1, 2, 0] }));
  assert.deepEqual(
    j.files.map((x: { path: string }) => x.path),
    ['/m/b', '/m/c', '/m/a'],
  );
  assert.equal(j.filter, undefined, 'every file: no filter member');
  // filtered: the files shown, in the table's order, said so
  const part = JSON.parse(spaceExportText(d, p, 'json', { shown: [2, 0], filter: '/m' }));
  assert.deepEqual(
    part.files.map((x: { path: string }) => x.path),
    ['/m/c', '/m/a'],
  );
  assert.equal(part.filter.files, 2);
});

test('addRows keeps the streamed sums with every message (a row sent again replaces its numbers)', () => {
  const row = (p: string, allocated: string, shared: string, sharingUnknown?: boolean) => ({
    path: p,
    size: allocated,
    allocated,
    shared,
    exclusive: String(BigInt(allocated) - BigInt(shared)),
    fileSystem: 0,
    ...(sharingUnknown ? { sharingUnknown: true as const } : {}),
  });
  const m = (start: number, rows: ReturnType<typeof row>[]) => ({
    type: 'spaceRows' as const,
    start,
    rows,
    base: '/m',
    sep: '/' as const,
    exactScan: false,
  });
  let so = addRows(undefined, m(0, [row('/m/a', '100', '40')]));
  so = addRows(so, m(1, [row('/m/b', '10', '0', true), row('/m/c', '5', '5')]));
  assert.deepEqual(so!.sums, {
    files: 3,
    unknownFiles: 1,
    knownShared: 45n,
    knownExclusive: 60n,
    size: 115n,
    allocated: 115n,
    shared: 45n,
    exclusive: 70n,
  });
  so = addRows(so, m(2, [row('/m/c', '6', '0')]));
  assert.equal(so!.sums.files, 3);
  assert.equal(so!.sums.allocated, 116n);
  assert.equal(rowsData(so!).total.files, 3);
  assert.equal(rowsData(so!).total.exclusive, '76');
});

test('spaceDone: the rows the view was sent, the rest and what the sweep adds make the same result as a space message', () => {
  const r: SpaceResult = {
    files: [
      { ...f('/m/a', 8192n, 4096n, [{ path: '/m/c', index: 2, bytes: 4096n }]), sharedInside: 4096n },
      f('/m/b', 4096n, 0n),
      { ...f('/m/c', 4096n, 4096n, [{ path: '/m/a', index: 0, bytes: 4096n }]), sharedInside: 4096n },
    ],
    total: totals,
    fileSystems: [{ ...totals, filesystem: 'btrfs', id: '0:1', notes: [] }],
    errors: [],
    symlinks: 0,
    hardLinks: 0,
    notes: [],
    durationMs: 1,
  };
  const whole = spaceData(r, ['/m']);
  const rows = r.files.map(spaceRow).map(({ sharedInside: _, ...row }) => row); // as mapped: before the sweep
  const sent = addRows(undefined, { type: 'spaceRows', start: 0, rows: rows.slice(0, 2), base: '/m', sep: '/', exactScan: false });
  const done = {
    type: 'spaceDone',
    start: 2,
    rows: rows.slice(2),
    sharing: whole.files.map((x) =>
      x.sharedInside ? [x.sharesWithCount, x.overlap ?? '0', x.sharedInside] : [x.sharesWithCount, x.overlap ?? '0'],
    ),
    data: { ...whole, files: [] },
  };
  const m = parseHostMessage(JSON.parse(JSON.stringify(done)));
  assert.ok(m && m.type === 'spaceDone', 'valid on the wire');
  assert.deepEqual(completeRows(sent, m), whole);
  // a view that lacks rows before `start` (none, or fewer) cannot complete them: it asks for the whole result
  assert.equal(completeRows(undefined, m), undefined);
  assert.equal(
    completeRows(addRows(undefined, { type: 'spaceRows', start: 0, rows: rows.slice(0, 1), base: '/m', sep: '/', exactScan: false }), m),
    undefined,
  );

  // malformed: a count and bytes per file, one sharing entry per file, no rows in data
  const bad: Array<(d: typeof done) => unknown> = [
    (d) => ({ ...d, sharing: [[4, '4096'], ...d.sharing.slice(1)] }), // more partners than other files
    (d) => ({ ...d, sharing: d.sharing.slice(1) }),
    (d) => ({ ...d, start: 1 }),
    (d) => ({ ...d, sharing: [[0, '0', null], ...d.sharing.slice(1)] }),
    (d) => ({ ...d, sharing: [[-1, '0'], ...d.sharing.slice(1)] }),
    (d) => ({ ...d, sharing: [[[[2, '4096']], 1], ...d.sharing.slice(1)] }), // the old form: pairs
    (d) => ({ ...d, sharing: [[1, 4096], ...d.sharing.slice(1)] }),
    (d) => ({ ...d, data: whole }),
    (d) => ({ ...d, rows: [{ ...d.rows[0], size: 1 }] }),
  ];
  for (const b of bad)
    assert.equal(parseHostMessage(JSON.parse(JSON.stringify(b(done)))), undefined, JSON.stringify(b(done)).slice(0, 200));
});

test('spaceRows: rows of any file system of the analysis are accepted, whatever their place in the message', () => {
  // (a selection spanning file systems: its later rows are on file system 1, 2, ...; a check
  // once read each row's place in the message as the count of file systems, and dropped them)
  const row = (p: string, fileSystem: number) => ({ path: p, size: '1', allocated: '4096', shared: '0', exclusive: '4096', fileSystem });
  const m = { type: 'spaceRows', start: 5, rows: [row('/x/a', 1), row('/x/b', 1), row('/y/c', 2)], base: '/', sep: '/', exactScan: false };
  assert.ok(parseHostMessage(m), 'rows on file systems 1 and 2');
  assert.equal(parseHostMessage({ ...m, rows: [row('/x/a', -1)] }), undefined);
  assert.equal(parseHostMessage({ ...m, rows: [row('/x/a', 4096)] }), undefined, 'at most 4,096 file systems');
});

test('export JSON: each error says whether it is a failure, as the CLI’s "failed" does', () => {
  const r: SpaceResult = {
    files: [],
    total: totals,
    fileSystems: [],
    errors: [
      { path: '/m/gone', code: 'ENOENT', message: 'gone' },
      { path: '/m/d/fifo', code: 'E_NOT_REGULAR', message: 'a FIFO in a folder' },
      { path: '/m/fifo', code: 'E_NOT_REGULAR', message: 'a FIFO named directly' },
      { path: '/m/d/grew', code: 'E_CHANGED', message: 'changed during the scan' },
    ],
    symlinks: 0,
    hardLinks: 0,
    notes: [],
    durationMs: 1,
  };
  const j = JSON.parse(spaceExportText(spaceData(r, ['/m/gone', '/m/d', '/m/fifo']), [], 'json'));
  assert.deepEqual(
    j.errors.map((e: { path: string; failed: boolean }) => [e.path, e.failed]),
    [
      ['/m/gone', true],
      ['/m/d/fifo', false],
      ['/m/fifo', true],
      ['/m/d/grew', false],
    ],
  );
});

test('20,000 clones of one file: the rows carry counts, not partners (message bytes measured), who is asked for per file', () => {
  // engine.space on k clones of one file: each file shares with all k-1 others, listed up to 100
  const k = 20_000;
  const files = Array.from({ length: k }, (_, i) => ({
    ...f(`/m/clones/c${i}.img`, 1n << 20n, 1n << 20n),
    sharesWith: Array.from({ length: 100 }, (_, j) => {
      const o = j < i ? j : j + 1;
      return { path: `/m/clones/c${o}.img`, index: o, bytes: 1n << 20n };
    }),
    sharesWithCount: k - 1,
  }));
  const r: SpaceResult = {
    files,
    total: { ...totals, files: k },
    fileSystems: [{ ...totals, files: k, filesystem: 'xfs', id: '8:1', notes: [] }],
    errors: [],
    symlinks: 0,
    hardLinks: 0,
    notes: [],
    durationMs: 1,
  };
  const d = spaceData(r, ['/m/clones']);
  const p = spacePartners(r);
  const bytes = JSON.stringify({ type: 'space', data: d }).length;
  // what the rows carried before: every file's partners as [index, bytes] pairs
  const before = JSON.stringify({ type: 'space', data: { ...d, files: d.files.map((x, i) => ({ ...x, sharesWith: p[i] })) } }).length;
  console.log(`space message for ${k} clones: ${(bytes / 1e6).toFixed(2)} MB (with partners in the rows: ${(before / 1e6).toFixed(2)} MB)`);
  assert.ok(bytes < 4_000_000, `${bytes} bytes`);
  assert.ok(before > 8 * bytes, `${before} vs ${bytes}`);
  assert.equal(d.files[5].sharesWithCount, k - 1);
  // the treemap's "inside" from the rows alone: every shared byte is in common with a selected file
  assert.deepEqual(fileNums(d)[5].inside, 1n << 20n);
  // one file's partners, both ways on the wire
  assert.deepEqual(parseWebviewMessage({ type: 'spacePartners', index: 5 }), { type: 'spacePartners', index: 5 });
  for (const bad of [{ index: -1 }, { index: 1.5 }, {}, { index: '5' }])
    assert.equal(parseWebviewMessage({ type: 'spacePartners', ...bad }), undefined, JSON.stringify(bad));
  const answer = { type: 'spacePartners', index: 5, partners: p[5], count: k - 1 };
  assert.ok(parseHostMessage(JSON.parse(JSON.stringify(answer))));
  assert.ok(JSON.stringify(answer).length < 3000);
  for (const bad of [
    { ...answer, count: 99 }, // fewer than listed
    { ...answer, partners: [[-1, '1']] },
    { ...answer, partners: [[1, 1]] },
    { ...answer, partners: Array.from({ length: 101 }, (_, j) => [j, '1']) }, // at most 100
    { ...answer, index: undefined },
  ])
    assert.equal(parseHostMessage(JSON.parse(JSON.stringify(bad))), undefined);
  // the export still names every file's partners by path
  const j = JSON.parse(spaceExportText(d, p, 'json', { shown: [5], filter: 'c5.img' }));
  assert.equal(j.files[0].sharesWith.length, 100);
  assert.equal(j.files[0].sharesWith[0].path, '/m/clones/c0.img');
  assert.equal(j.files[0].sharesWithCount, k - 1);
});
