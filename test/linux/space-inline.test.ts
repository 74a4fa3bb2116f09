// engine.space of small btrfs files whose data lies inline in the metadata: no data extent, so 0
// allocated, as `btrfs filesystem du --raw` has them, while `compsize` counts their bytes; a trial
// read "allocated 0" for four such files beside compsize's 3,031 bytes with nothing to say why.
// Now a note says so, with their bytes; and deleting them frees no data (Data used unchanged).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { freshDir, makeFs, skipReason, type TestFs } from '../support/loopfs';
import { btrfsDataUsed, MiB, randomFile, spaceOf } from '../support/space-files';

describe('space and btrfs inline files', { skip: skipReason('btrfs') }, () => {
  let t: TestFs;
  before(() => {
    t = makeFs('btrfs');
  });
  after(() => t?.cleanup());

  test('inline files count 0 allocated, as btrfs filesystem du, and a note gives their bytes', async () => {
    const d = freshDir(t, 'inline');
    fs.writeFileSync(path.join(d, 'tiny1'), 'hello world\n');
    fs.writeFileSync(path.join(d, 'tiny2'), Buffer.alloc(1500, 7));
    randomFile(path.join(d, 'big'), MiB);
    execFileSync('sync');
    const du = execFileSync('btrfs', ['filesystem', 'du', '--raw', path.join(d, 'tiny1'), path.join(d, 'tiny2')], { encoding: 'utf8' });
    assert.match(du, /^\s+0\s+0\s+0\s+\S*tiny1$/m, du);
    const r = await spaceOf([d]);
    const byName = new Map(r.files.map((f) => [path.basename(f.path), f]));
    assert.equal(byName.get('tiny1')!.allocated, 0n);
    assert.equal(byName.get('tiny2')!.inline, 4096n);
    assert.equal(r.total.allocated, BigInt(MiB));
    assert.ok(
      r.notes.some((n) => /^2 files keep their data, 1512 bytes, inline in the file system's metadata .*compsize/.test(n)),
      r.notes.join('\n'),
    );
    // what deleting frees is data: the inline files free none
    const before = btrfsDataUsed(t.mountPoint);
    fs.rmSync(path.join(d, 'tiny1'));
    fs.rmSync(path.join(d, 'tiny2'));
    assert.equal(btrfsDataUsed(t.mountPoint), before);
  });
});
