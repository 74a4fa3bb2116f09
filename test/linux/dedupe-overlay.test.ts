// engine.dedupe --apply on an overlayfs merged view (lower and upper on one XFS, as root): two
// identical files only in the lower layer. Opening the duplicate for writing copied it up (the
// whole file written to the upper layer), then overlayfs refused FIDEDUPERANGE (EPERM): a trial
// read "freed -2 MiB". Such files are read-only to dedupe now: nothing is copied up or changed.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createEngine } from '../../src/engine';
import { freshDir, makeFs, skipReason, type TestFs } from '../support/loopfs';
import { overlayFolders, withOverlay } from '../support/overlay';
import { MiB, randomFile } from '../support/space-files';

describe('dedupe of an overlayfs merged view (XFS layers)', { skip: skipReason('xfs') }, () => {
  let xfs: TestFs;
  before(() => {
    xfs = makeFs('xfs');
  });
  after(() => xfs?.cleanup());

  test('files only in the lower layer are not copied up nor counted as a saving', async () => {
    const o = overlayFolders(freshDir(xfs, 'ov'));
    const { lower, upper, merged } = o;
    randomFile(path.join(lower, 'a'), MiB);
    execFileSync('cp', ['--reflink=never', path.join(lower, 'a'), path.join(lower, 'b')]);
    await withOverlay(o, async () => {
      const engine = createEngine();
      try {
        const plan = await engine.findDuplicates([merged]);
        assert.equal(plan.total.netSaving, 0n, 'nothing can be shared through the merged view');
        assert.deepEqual(plan.groups, []);
        assert.ok(
          plan.notes.some((n) =>
            /^2 files lie only in a lower layer of an overlay: overlayfs shares blocks only between files that are both in its upper layer/.test(
              n,
            ),
          ),
          plan.notes.join('\n'),
        );
        const r = await engine.dedupe(plan);
        assert.deepEqual(r.skipped, []);
      } finally {
        await engine.dispose();
      }
      assert.deepEqual(fs.readdirSync(upper), [], 'nothing copied up');
    });
  });

  test('a lower-only copy and an upper one: no group (overlayfs would refuse it), a note, nothing copied up', async () => {
    const o = overlayFolders(freshDir(xfs, 'ov-mixed'));
    const { lower, upper, merged } = o;
    randomFile(path.join(lower, 'a'), MiB);
    await withOverlay(o, async () => {
      execFileSync('cp', ['--reflink=never', path.join(merged, 'a'), path.join(merged, 'b')]); // made in the upper layer
      const engine = createEngine();
      try {
        const plan = await engine.findDuplicates([merged]);
        assert.deepEqual(plan.groups, [], 'a read-only source would still be refused by overlayfs (EPERM)');
        assert.equal(plan.total.netSaving, 0n);
        assert.ok(
          plan.notes.some((n) => /^One file lies only in a lower layer of an overlay/.test(n)),
          plan.notes.join('\n'),
        );
      } finally {
        await engine.dispose();
      }
      assert.deepEqual(fs.readdirSync(upper).sort(), ['b'], 'a was not copied up');
    });
  });
});
