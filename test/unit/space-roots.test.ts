// space's "per path given" sums (src/engine/space-roots.ts): a file under two of the paths
// given counts under the deeper one, the paths compared as the file system resolves them. The
// walk names each file by the path it met it through, so text alone fails: a trial's `space .
// day1` put every file of day1 under "." ("./day1/f" does not start with "day1"), and a path
// through a link and ".." is not what its text says (a/link/.. is the link target's parent).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PerRoot } from '../../src/engine/space-roots';
import type { SpaceFile } from '../../src/engine';

const T = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'el-space-roots-')));
for (const d of ['b/day1/sub dir', 'b/day', 'a/sub']) fs.mkdirSync(path.join(T, d), { recursive: true });
fs.symlinkSync(path.join(T, 'a', 'sub'), path.join(T, 'link'));
after(() => fs.rmSync(T, { recursive: true, force: true }));

const file = (p: string): SpaceFile => ({ path: p, size: 4096n, allocated: 4096n, shared: 0n, exclusive: 4096n }) as unknown as SpaceFile;
/** How many of `files` (named as the walk names them) count under each of `roots`, run in `cwd`. */
function counts(roots: string[], files: string[], cwd = T): number[] {
  const was = process.cwd();
  process.chdir(cwd);
  try {
    const per = new PerRoot(roots);
    for (const f of files) per.add(file(f));
    return per.sums.map((s) => s.files);
  } finally {
    process.chdir(was);
  }
}

test('a file under "." and under "day1" counts under day1, whichever path named it', () => {
  const cwd = path.join(T, 'b');
  assert.deepEqual(counts(['.', 'day1'], ['./day1/a', './day1/sub dir/b', './other'], cwd), [1, 2]);
  assert.deepEqual(counts(['day1', '.'], ['day1/a', './other'], cwd), [1, 1]);
  // an absolute and a relative spelling nest too
  assert.deepEqual(counts([cwd, 'day1'], [path.join(cwd, 'day1', 'a'), path.join(cwd, 'x')], cwd), [1, 1]);
  assert.deepEqual(counts(['day1/../day1', 'day1/sub dir'], ['day1/../day1/a', 'day1/../day1/sub dir/b'], cwd), [1, 1]);
});

test('as the file system resolves a path: a/link/.. is the link target’s parent, not a', () => {
  // link -> a/sub, so link/.. is a: its files "link/../sub/f" lie in a/sub
  assert.deepEqual(counts(['link/..', 'a/sub'], ['link/../sub/f', 'link/../g']), [1, 1]);
  // and b is not under link/.. (as text, "link/.." simplified would be T itself, holding b)
  assert.deepEqual(counts(['.', 'link/..'], ['./b/day/x', 'link/../sub/f']), [1, 1]);
});

test('the same folder given twice: its files count once, under the first spelling', () => {
  const cwd = path.join(T, 'b');
  assert.deepEqual(counts(['day1', 'day1/', './day1'], ['day1/a', 'day1/b'], cwd), [2, 0, 0]);
  // yet deleting ./day1 deletes them: each repeat knows the first (pathTotals gives it its figures)
  const was = process.cwd();
  process.chdir(cwd);
  try {
    assert.deepEqual(new PerRoot(['day1', 'x', 'day1/', './day1', 'nosuch', 'nosuch']).sameAs, [0, 1, 0, 0, 4, 5]);
  } finally {
    process.chdir(was);
  }
});

test('text prefixes that are not folders stay apart; a path that cannot be resolved and smb:// as given', () => {
  assert.deepEqual(counts([path.join(T, 'b/day'), path.join(T, 'b/day1/')], [path.join(T, 'b/day1/a'), path.join(T, 'b/day/x')]), [1, 1]);
  assert.deepEqual(counts(['smb://h/s/d', 'smb://h/s/d/e'], ['smb://h/s/d/e/f', 'smb://h/s/d/g']), [1, 1]);
  assert.deepEqual(counts(['nosuch', 'b'], ['b/day/x']), [0, 1]);
});

test('the paths given inside a path (outermost only, as given): its figures leave their files out (SpacePathTotals.without)', () => {
  const was = process.cwd();
  process.chdir(path.join(T, 'b'));
  try {
    // `space . day1 "day1/sub dir" day`: "." leaves out day1 and day (day1/sub dir lies in day1); day1 leaves out its sub dir
    const per = new PerRoot(['.', 'day1', 'day1/sub dir', 'day', './day1']);
    assert.deepEqual(per.inside, [['day1', 'day'], ['day1/sub dir'], [], [], ['day1/sub dir']]);
    // side by side (day is not inside day1: a text prefix is not a folder), and smb:// by its text
    assert.deepEqual(new PerRoot(['day1', 'day']).inside, [[], []]);
    assert.deepEqual(new PerRoot(['smb://u@h/s/a', 'smb://u@h/s/a/b', 'smb://u@h/s/ab']).inside, [['smb://u@h/s/a/b'], [], []]);
  } finally {
    process.chdir(was);
  }
});
