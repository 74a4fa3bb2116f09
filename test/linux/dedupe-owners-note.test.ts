// engine.findDuplicates on XFS without rmapbt, where the owners of shared blocks cannot be asked
// but no group's saving depends on them: the note says why they could not be asked, and does not
// call a single figure a range (a trial: "so the saving is a range" over "net saving 1048576"),
// nor does a group warn that bytes it no longer counts are freed only once nothing else
// references them; where a saving is two figures, both say so.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createEngine } from '../../src/engine';
import { freshDir, makeFs, skipReason, type TestFs } from '../support/loopfs';

const MiB = 1024 * 1024;

describe('dedupe on XFS without rmapbt: the note on owners', { skip: skipReason('xfs') }, () => {
  let t: TestFs;
  before(() => {
    t = makeFs('xfs', 300, { mkfsArgs: ['-q', '-f', '-m', 'rmapbt=0,reflink=1'] });
  });
  after(() => t?.cleanup());

  test('a saving that is one figure is not called a range; one that is two figures is', async () => {
    // f: A then a reflink of y's A; y: A then B. f's first MiB (its own blocks) moves to its
    // second (y's): exactly 1 MiB, whoever else references y's blocks
    const d = freshDir(t, 'one-figure');
    const [f, y] = ['f', 'y'].map((n) => path.join(d, n));
    const a = randomBytes(MiB);
    fs.writeFileSync(f, a);
    fs.writeFileSync(y, Buffer.concat([a, randomBytes(MiB)]));
    execFileSync('sync');
    execFileSync('xfs_io', ['-c', `reflink ${y} 0 ${MiB} ${MiB}`, f], { stdio: 'ignore' });
    execFileSync('sync');
    const engine = createEngine();
    try {
      const plan = await engine.findDuplicates([d]);
      assert.equal(plan.total.netSaving, BigInt(MiB));
      assert.equal(plan.total.netSavingMin ?? plan.total.netSaving, BigInt(MiB), 'one figure');
      const note = plan.notes.find((n) => n.startsWith('Who else references the shared blocks could not be asked'));
      assert.ok(note, plan.notes.join(' | '));
      assert.match(note, /rmapbt=0/);
      assert.doesNotMatch(note, /range/, note);

      // f1 = A B A' D (A' y's first MiB, reflinked), x and y = A B C D, and outside a clone of x's
      // B C: y's first MiB moves to x, but its blocks stay as A' (group 2's source), so they are
      // left out of the saving, and nothing in it is uncertain any more
      const kept = freshDir(t, 'kept-by-source');
      const elsewhere = freshDir(t, 'elsewhere');
      const [f1, x, y2] = ['f1', 'x', 'y'].map((n) => path.join(kept, n));
      const abcd = randomBytes(4 * MiB);
      for (const p of [f1, x, y2]) fs.writeFileSync(p, abcd);
      execFileSync('sync');
      execFileSync('xfs_io', ['-f', '-c', `reflink ${x} ${MiB} 0 ${2 * MiB}`, path.join(elsewhere, 'xclone')], { stdio: 'ignore' });
      execFileSync('xfs_io', ['-c', `reflink ${y2} 0 ${2 * MiB} ${MiB}`, f1], { stdio: 'ignore' });
      execFileSync('sync');
      const keptPlan = await engine.findDuplicates([kept]);
      assert.equal(keptPlan.total.netSavingMin ?? keptPlan.total.netSaving, keptPlan.total.netSaving, 'one figure');
      const warnings = keptPlan.groups.flatMap((g) => g.warnings);
      assert.ok(
        warnings.some((w) => /share their blocks with data the plan leaves in place/.test(w)),
        warnings.join(' | '),
      );
      assert.ok(!warnings.some((w) => /already shared with other files: they are freed only once/.test(w)), warnings.join(' | '));
      assert.doesNotMatch(keptPlan.notes.join(' '), /saving is a range/);

      // a copy of f's first MiB that a file outside the selection also holds: two figures
      const two = freshDir(t, 'two-figures');
      const outside = freshDir(t, 'outside');
      const [p, q] = ['p', 'q'].map((n) => path.join(two, n));
      fs.writeFileSync(p, a);
      fs.writeFileSync(q, a);
      execFileSync('sync');
      execFileSync('xfs_io', ['-f', '-c', `reflink ${p} 0 0 ${MiB / 2}`, path.join(outside, 'op')], { stdio: 'ignore' });
      execFileSync('xfs_io', ['-f', '-c', `reflink ${q} 0 0 ${MiB / 4}`, path.join(outside, 'oq')], { stdio: 'ignore' });
      execFileSync('sync');
      const ranged = await engine.findDuplicates([two]);
      assert.ok((ranged.total.netSavingMin ?? ranged.total.netSaving) < ranged.total.netSaving, 'two figures');
      assert.ok(
        ranged.notes.some((n) => /could not be asked, so the saving is a range: XFS: .*rmapbt=0/.test(n)),
        ranged.notes.join(' | '),
      );
    } finally {
      await engine.dispose();
    }
  });
});
