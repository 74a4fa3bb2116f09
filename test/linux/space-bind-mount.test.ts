// engine.space on a selection holding a bind mount of one of its own folders (XFS, as root): the
// files under it are met twice, each time with one link, so counting only files with several
// links once counted them twice (allocated, unique, and an "exact" reclaimable of 3 MiB where
// deleting frees 2 MiB). Every file is counted once, with a note, and what deleting frees is
// what statfs says it freed.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createEngine } from '../../src/engine';
import { mountsRepeatInside } from '../../src/engine/space-fs';
import { spaceData } from '../../src/views/space-data';
import { freshDir, makeFs, skipReason, type TestFs } from '../support/loopfs';
import { MiB, randomFile, settledFree } from '../support/space-files';

describe('space with a bind mount inside the selection (XFS)', { skip: skipReason('xfs') }, () => {
  let xfs: TestFs;
  before(() => {
    xfs = makeFs('xfs');
  });
  after(() => xfs?.cleanup());

  test('a file seen through a bind mount of its folder counts once; deleting frees what was said', async () => {
    const sel = freshDir(xfs, 'sel');
    fs.mkdirSync(path.join(sel, 'sub'));
    fs.mkdirSync(path.join(sel, 'view'));
    randomFile(path.join(sel, 'sub', 's'), MiB);
    randomFile(path.join(sel, 't'), MiB);
    execFileSync('sync');
    assert.equal(mountsRepeatInside([sel]), false, 'no mount inside yet');
    execFileSync('mount', ['--bind', path.join(sel, 'sub'), path.join(sel, 'view')]);
    try {
      assert.equal(mountsRepeatInside([sel]), true);
      assert.equal(mountsRepeatInside([path.join(sel, 'sub')]), false, 'the bind mount lies outside sub');
      const engine = createEngine();
      const r = await engine.space([sel]).finally(() => engine.dispose());
      assert.deepEqual(r.errors, []);
      assert.equal(r.total.files, 2, 'sub/s and view/s are one file');
      assert.equal(r.total.allocated, 2n * BigInt(MiB));
      assert.equal(r.total.unique, 2n * BigInt(MiB));
      assert.equal(r.total.reclaimableExact, true);
      assert.equal(r.total.reclaimable, 2n * BigInt(MiB));
      assert.ok(
        r.notes.some((n) => /1 file was met again under another name through a mount/.test(n)),
        r.notes.join('\n'),
      );
      // the Space view's message carries the count (its details line says it: test/webview/space.test.ts)
      assert.equal(r.mountedAgain, 1);
      assert.equal(spaceData(r, [sel]).mountedAgain, 1);
    } finally {
      spawnSync('umount', [path.join(sel, 'view')]);
    }
    const free0 = await settledFree(xfs.mountPoint, ['sync']);
    fs.rmSync(sel, { recursive: true });
    const freed = (await settledFree(xfs.mountPoint, ['sync'])) - free0;
    // the data, and the folders' and inodes' own blocks (not counted: docs/CLI.md, space)
    assert.ok(freed >= 2n * BigInt(MiB) && freed < 2n * BigInt(MiB) + 256n * 1024n, `freed ${freed}`);
  });
});
