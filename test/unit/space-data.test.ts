// The Space view's pure host-side data (src/views/space-data.ts) and the webview's model
// (webview/space/model.ts): the treemap's base folder, the wire form, the exports, the folder
// tree and the exclusive / inside / outside split.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SpaceResult } from '../../src/engine';
import { commonBase, pathSeparator, spaceData, spaceExportText, StreamingBase } from '../../src/views/space-data';
import { parseHostMessage } from '../../src/protocol/messages';
import { buildTree, fileNums, sharedSplit } from '../../webview/space/model';

const f = (p: string, allocated: bigint, shared: bigint, sharesWith: Array<{ path: string; bytes: bigint }> = []) => ({
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

test('spaceData: decimal strings, sharesWith by index, exports in the CLI shape', () => {
  const big = (1n << 60n) + 1n;
  const r: SpaceResult = {
    files: [
      f('/m/d/a', big, 4096n, [{ path: '/m/d/s/b', bytes: 4096n }]),
      f('/m/d/s/b', 8192n, 4096n, [{ path: '/m/d/a', bytes: 4096n }]),
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
  assert.equal(d.files[0].allocated, big.toString(), 'exact above 2^53');
  assert.deepEqual(d.files[0].sharesWith, [[1, '4096']]);
  assert.ok(parseHostMessage({ type: 'space', data: JSON.parse(JSON.stringify(d)) }), 'valid on the wire');
  const j = JSON.parse(spaceExportText(d, 'json'));
  assert.deepEqual(j.files[0].sharesWith, [{ path: '/m/d/s/b', bytes: '4096' }]);
  assert.equal(j.total.reclaimable, '0');
  const csv = spaceExportText(d, 'csv').split('\n');
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

test('sharedSplit: inside is the overlaps with selected files, at most shared; the rest is outside', () => {
  assert.deepEqual(sharedSplit(100n, []), { inside: 0n, outside: 100n });
  assert.deepEqual(sharedSplit(100n, [[1, '30']]), { inside: 30n, outside: 70n });
  assert.deepEqual(
    sharedSplit(100n, [
      [1, '80'],
      [2, '80'],
    ]),
    { inside: 100n, outside: 0n },
  );
  assert.deepEqual(sharedSplit(0n, []), { inside: 0n, outside: 0n });
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
