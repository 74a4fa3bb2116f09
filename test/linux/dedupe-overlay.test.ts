// engine.dedupe --apply on an overlayfs merged view (lower and upper on one XFS, as root). Once:
// two identical files only in the lower layer; opening the duplicate for writing copied it up
// (the whole file written to the upper layer), then overlayfs refused FIDEDUPERANGE (EPERM): a
// trial read "freed -2 MiB". Then such files were left out. Now every file met through the
// merged view is examined and shared as its layer's own file (dedupe-overlay.ts): the lower
// files share, and nothing is opened through the overlay for writing, so nothing is copied up.
// Where the layers are not to be seen from here, a note says what examining through the overlay costs.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createEngine } from '../../src/engine';
import { freshDir, makeFs, skipReason, type TestFs } from '../support/loopfs';
import { overlayFolders, withOverlay } from '../support/overlay';
import { MiB, randomFile } from '../support/space-files';
import { freeAfterSync, sha } from '../support/dedupe-files';

describe('dedupe of an overlayfs merged view (XFS layers)', { skip: skipReason('xfs') }, () => {
  let xfs: TestFs;
  before(() => {
    xfs = makeFs('xfs');
  });
  after(() => xfs?.cleanup());

  /** Find `merged`, check the plan names `expected` (layer files) and saves 1 MiB, apply it: 1 MiB freed, measured. */
  async function findApply(merged: string, expected: string[]): Promise<void> {
    const engine = createEngine();
    try {
      const plan = await engine.findDuplicates([merged]);
      assert.deepEqual(plan.groups.flatMap((g) => g.ranges.map((r) => r.path)).sort(), expected.sort(), plan.notes.join('\n'));
      assert.equal(plan.total.netSaving, BigInt(MiB));
      assert.ok(!plan.notes.some((n) => /only in a lower layer of an overlay/.test(n)), plan.notes.join('\n'));
      const free0 = freeAfterSync(xfs.mountPoint);
      const r = await engine.dedupe(plan);
      assert.deepEqual(r.skipped, []);
      assert.equal(r.freed, freeAfterSync(xfs.mountPoint) - free0);
      assert.equal(r.freed, BigInt(MiB));
    } finally {
      await engine.dispose();
    }
  }

  test('files only in the lower layer: shared as the lower files, nothing copied up', async () => {
    const o = overlayFolders(freshDir(xfs, 'ov'));
    const { lower, upper, merged } = o;
    randomFile(path.join(lower, 'a'), MiB);
    execFileSync('cp', ['--reflink=never', path.join(lower, 'a'), path.join(lower, 'b')]);
    const before = sha(path.join(lower, 'b'));
    await withOverlay(o, async () => {
      await findApply(merged, [path.join(lower, 'a'), path.join(lower, 'b')]);
      assert.deepEqual(fs.readdirSync(upper), [], 'nothing copied up');
      assert.equal(sha(path.join(merged, 'b')), before);
    });
  });

  test('a lower-only copy and an upper one: shared as the layer files (overlayfs would refuse them: EPERM), nothing copied up', async () => {
    const o = overlayFolders(freshDir(xfs, 'ov-mixed'));
    const { lower, upper, merged } = o;
    randomFile(path.join(lower, 'a'), MiB);
    await withOverlay(o, async () => {
      execFileSync('cp', ['--reflink=never', path.join(merged, 'a'), path.join(merged, 'b')]); // made in the upper layer
      execFileSync('sync');
      await findApply(merged, [path.join(lower, 'a'), path.join(upper, 'b')]);
      assert.deepEqual(fs.readdirSync(upper).sort(), ['b'], 'a was not copied up');
      assert.equal(sha(path.join(merged, 'b')), sha(path.join(merged, 'a')));
    });
  });

  test('layers not to be seen from here, with those layers selected too: a note says the files were examined through the overlay, and what that costs', async () => {
    const o = overlayFolders(freshDir(xfs, 'ov-away'));
    const away = freshDir(xfs, 'ov-away-mnt');
    randomFile(path.join(o.upper, 'up'), MiB);
    execFileSync('cp', ['--reflink=never', path.join(o.upper, 'up'), path.join(o.top, 'copy')]);
    // relative layers, mounted from a folder that is not above the mount point: not to be placed
    execFileSync('mount', ['-t', 'overlay', 'overlay', '-o', 'lowerdir=lower,upperdir=upper,workdir=work', away], { cwd: o.top });
    const engine = createEngine();
    try {
      const alone = await engine.findDuplicates([away]);
      assert.ok(!alone.notes.some((n) => /could not be matched/.test(n)), 'the overlay alone: nothing to say');
      const plan = await engine.findDuplicates([away, o.top]);
      const note = plan.notes.find((n) => /could not be matched/.test(n));
      assert.ok(note, plan.notes.join('\n'));
      assert.match(
        note,
        new RegExp(
          `^One file seen through the overlay on ${away} could not be matched to its layer file \\(its layers are not to be seen from here: .*\\), ` +
            'so it was examined through the overlay, .*the space a deduplication frees is measured on the overlay and on the file system beneath',
        ),
      );
    } finally {
      await engine.dispose();
      spawnSync('umount', [away]);
    }
  });
});
