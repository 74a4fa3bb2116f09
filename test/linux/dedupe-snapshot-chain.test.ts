// engine.findDuplicates on a btrfs backup chain (as root): a subvolume and two read-only
// snapshots of it. A file no day changed is one set of blocks in all three: nothing to gain, so
// no warning that the read-only copy's "blocks stay allocated" (they are the source's), and the
// CLI counts the group in its one "nothing to gain" line. A trial: a subvolume and two of its
// snapshots listed 1,466 groups of net saving 0, each with that warning. A file rewritten with
// the same bytes between the snapshots (rsync without --inplace) keeps the warning: its copy in
// the read-only snapshot does hold blocks of its own. And read-only snapshots mounted read-only
// (mount -o ro,subvol=…): remounting read-write alone would leave them read-only, so the reasons
// given are both (a trial advised only the remount). And received snapshots (btrfs receive, the
// backup side of send/receive): the note says making them writable needs -f and what that ends.
// And a subvolume made read-only between the search and --apply (a backup tool's snapshot flag):
// the range is left alone, and the message says to search again, not "choose a destination".

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createEngine } from '../../src/engine';
import { makeFs, skipReason, type TestFs } from '../support/loopfs';
import { MiB } from '../support/dedupe-files';

/**
 * A subvolume `name` of `root` holding f, a read-only snapshot of it (`${name}-day1`), f written
 * anew with the same bytes (blocks of its own; `also` more copies beside it), and a second
 * read-only snapshot (`${name}-day2`): what a backup that rewrites files leaves.
 */
function twoDays(root: string, name: string, also: string[] = []): void {
  const sv = path.join(root, name);
  execFileSync('btrfs', ['subvolume', 'create', sv]);
  const data = randomBytes(MiB);
  fs.writeFileSync(path.join(sv, 'f'), data);
  execFileSync('sync');
  execFileSync('btrfs', ['subvolume', 'snapshot', '-r', sv, path.join(root, `${name}-day1`)]);
  fs.rmSync(path.join(sv, 'f'));
  for (const n of ['f', ...also]) fs.writeFileSync(path.join(sv, n), data);
  execFileSync('sync');
  execFileSync('btrfs', ['subvolume', 'snapshot', '-r', sv, path.join(root, `${name}-day2`)]);
}

describe('dedupe on a btrfs backup chain: a subvolume and its read-only snapshots', { skip: skipReason('btrfs') }, () => {
  let t: TestFs;
  before(() => {
    t = makeFs('btrfs');
  });
  after(() => t?.cleanup());

  test('a file unchanged in every snapshot has nothing to gain and no read-only warning; a rewritten one keeps it', async () => {
    const sv = path.join(t.mountPoint, 'sv');
    const day1 = path.join(t.mountPoint, 'day1');
    const day2 = path.join(t.mountPoint, 'day2');
    execFileSync('btrfs', ['subvolume', 'create', sv]);
    const same = randomBytes(MiB);
    const rewritten = randomBytes(MiB);
    fs.writeFileSync(path.join(sv, 'same'), same);
    fs.writeFileSync(path.join(sv, 'rewritten'), rewritten);
    execFileSync('sync');
    execFileSync('btrfs', ['subvolume', 'snapshot', '-r', sv, day1]);
    // the next day's backup writes it anew, same bytes, new blocks
    fs.rmSync(path.join(sv, 'rewritten'));
    fs.writeFileSync(path.join(sv, 'rewritten'), rewritten);
    execFileSync('sync');
    execFileSync('btrfs', ['subvolume', 'snapshot', '-r', sv, day2]);
    execFileSync('sync');
    const plan = await createEngine().findDuplicates([sv, day1, day2]);
    const of = (name: string) => plan.groups.find((g) => path.basename(g.ranges[0].path) === name)!;

    const g = of('same');
    assert.ok(g, 'a group holds the unchanged file');
    assert.equal(g.netSaving, 0n);
    assert.equal(g.alreadySharedBytes, g.candidateBytes);
    assert.equal([...g.ranges, ...(g.readOnly ?? [])].length, 3, 'all three copies are named');
    assert.equal(g.readOnly?.length, 1, 'one read-only copy besides the source');
    assert.deepEqual(g.warnings, [], 'the read-only copy holds the source blocks: nothing of its own stays allocated');

    // day1's copy has blocks of its own, which stay: the warning says so
    const r = of('rewritten');
    assert.ok(r, 'a group holds the rewritten file');
    assert.match(r.warnings.join('\n'), /^1 more range is in files the kernel will not change for this user/m);
  });

  test('read-only snapshots mounted read-only: both the mount and the snapshot are named as what keeps them; a writable subvolume mounted read-only, the mount only', async () => {
    twoDays(t.mountPoint, 'sv2', ['g']);
    const at = fs.mkdtempSync(path.join(os.tmpdir(), 'el-ro-subvol-'));
    const mounted: string[] = [];
    const mountRo = (subvol: string): string => {
      const m = path.join(at, subvol);
      fs.mkdirSync(m);
      execFileSync('mount', ['-o', `ro,subvol=${subvol}`, t.device!, m]);
      mounted.push(m);
      return m;
    };
    try {
      const [m1, m2, msv] = [mountRo('sv2-day1'), mountRo('sv2-day2'), mountRo('sv2')];
      const engine = createEngine();
      const snaps = await engine.findDuplicates([m1]);
      assert.equal(snaps.total.lockedIn, 0, 'one file alone: nothing to share');
      const both = await engine.findDuplicates([m1, m2]);
      assert.equal(both.total.lockedIn, 1, both.notes.join('\n'));
      assert.deepEqual(both.total.lockedBy, ['readOnlyMount', 'readOnly']);
      assert.deepEqual(both.total.readOnlyMounts, [m1, m2].sort());
      assert.match(both.notes.join('\n'), /btrfs property set SNAPSHOT ro false/);
      // a writable subvolume on a read-only mount: remounting it is enough
      const writable = await engine.findDuplicates([msv]);
      assert.equal(writable.total.lockedIn, 1, writable.notes.join('\n'));
      assert.deepEqual(writable.total.lockedBy, ['readOnlyMount']);
      assert.deepEqual(writable.total.readOnlyMounts, [msv]);
    } finally {
      for (const m of mounted.reverse()) execFileSync('umount', [m]);
      fs.rmSync(at, { recursive: true, force: true });
    }
  });

  test('received snapshots: lockedBy says so, and the note says what making them writable ends', async () => {
    twoDays(t.mountPoint, 'sv3');
    const backup = path.join(t.mountPoint, 'backup');
    fs.mkdirSync(backup);
    for (const n of ['sv3-day1', 'sv3-day2'])
      execFileSync('sh', ['-c', 'btrfs send -q "$1" | btrfs receive -q "$2"', 'sh', path.join(t.mountPoint, n), backup]);
    const engine = createEngine();
    const received = await engine.findDuplicates([path.join(backup, 'sv3-day1'), path.join(backup, 'sv3-day2')]);
    assert.equal(received.total.lockedIn, 1, received.notes.join('\n'));
    assert.deepEqual(received.total.lockedBy, ['readOnly', 'receivedSnapshot']);
    assert.match(
      received.notes.join('\n'),
      /Some are received snapshots \(btrfs receive\): btrfs property set refuses to make them writable without -f/,
    );
    // the snapshots they were sent from are read-only, not received
    const sent = await engine.findDuplicates([path.join(t.mountPoint, 'sv3-day1'), path.join(t.mountPoint, 'sv3-day2')]);
    assert.deepEqual(sent.total.lockedBy, ['readOnly']);
  });

  test('a subvolume made read-only after the search: its range is left alone (EROFS), and the message says to search again', async () => {
    const sv = path.join(t.mountPoint, 'sv4');
    execFileSync('btrfs', ['subvolume', 'create', sv]);
    const data = randomBytes(MiB);
    fs.writeFileSync(path.join(sv, 'a'), data);
    fs.writeFileSync(path.join(sv, 'b'), data);
    execFileSync('sync');
    const engine = createEngine();
    const plan = await engine.findDuplicates([sv]);
    assert.equal(plan.groups.length, 1);
    execFileSync('btrfs', ['property', 'set', sv, 'ro', 'true']);
    try {
      const r = await engine.dedupe(plan);
      assert.equal(r.skipped.length, 1);
      assert.equal(r.skipped[0].reason, 'EROFS');
      assert.match(r.skipped[0].message, /left as it is; if it became read-only after the search, search again/);
      assert.doesNotMatch(r.skipped[0].message, /destination/);
    } finally {
      execFileSync('btrfs', ['property', 'set', sv, 'ro', 'false']);
    }
  });
});
