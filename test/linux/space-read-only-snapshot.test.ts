// engine.space on files in a read-only btrfs snapshot (as root): they cannot be deleted as they
// are, and the note says what the figure assumes. Naming one file of the snapshot, the figure is
// that file's (the note names the snapshot to make writable, and says deleting the snapshot frees
// more); naming the snapshot, it is what deleting the snapshot frees, measured after
// `btrfs subvolume delete` and `btrfs subvolume sync`. A trial: "frees 1 MiB" for one file, said
// to count "as if the snapshot were deleted", and deleting the snapshot freed 3 MiB. A file system
// mounted read-only is no snapshot: remounted read-write, each file can be deleted, so a folder of
// it named alone gets no btrfs advice (nor does an XFS: it has no snapshots).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createEngine } from '../../src/engine';
import { makeFs, skipReason, type TestFs } from '../support/loopfs';
import { btrfsDataUsed as dataUsed, MiB, randomFile } from '../support/space-files';

describe('space on files in a read-only btrfs snapshot', { skip: skipReason('btrfs') }, () => {
  let t: TestFs;
  before(() => {
    t = makeFs('btrfs');
  });
  after(() => t?.cleanup());

  test('one file of it: the note names the snapshot and says deleting it frees more; the snapshot: its figure is what deleting it frees', async () => {
    const sv = path.join(t.mountPoint, 'sv');
    const snap = path.join(t.mountPoint, 'day1');
    execFileSync('btrfs', ['subvolume', 'create', sv]);
    randomFile(path.join(sv, 'a'), MiB);
    randomFile(path.join(sv, 'b'), 2 * MiB);
    fs.mkdirSync(path.join(sv, 'sub'));
    randomFile(path.join(sv, 'sub', 'c'), MiB);
    execFileSync('sync');
    execFileSync('btrfs', ['subvolume', 'snapshot', '-r', sv, snap]);
    // the next day both are gone from the subvolume: only the snapshot holds them
    fs.rmSync(path.join(sv, 'a'));
    fs.rmSync(path.join(sv, 'b'));
    fs.rmSync(path.join(sv, 'sub'), { recursive: true });
    execFileSync('sync');
    const engine = createEngine();

    const one = await engine.space([path.join(snap, 'a')]);
    assert.equal(one.total.reclaimable, BigInt(MiB));
    const note = one.fileSystems[0].notes.find((n) => /read-only snapshot/.test(n));
    assert.equal(
      note,
      'One file of the selection on btrfs lies on a read-only snapshot or file system (EROFS): it cannot be deleted as it is; ' +
        `what deleting frees counts it as if it could be, once the snapshot is made writable (btrfs property set ${snap} ro false). The selection names files in ${snap}, not the snapshot itself: deleting the ` +
        'whole snapshot (btrfs subvolume delete) frees what its other files hold too, if any.',
    );

    // a folder of it bind-mounted elsewhere is not the snapshot either (its top folder is the mount's)
    const bound = fs.mkdtempSync(path.join(os.tmpdir(), 'el-bound-'));
    execFileSync('mount', ['--bind', path.join(snap, 'sub'), bound]);
    try {
      const sub = await engine.space([bound]);
      assert.match(sub.fileSystems[0].notes.join('\n'), /The selection names files in the snapshot, not the snapshot itself/);
    } finally {
      execFileSync('umount', [bound]);
      fs.rmdirSync(bound);
    }

    const whole = await engine.space([snap]);
    assert.equal(whole.total.reclaimable, 4n * BigInt(MiB));
    assert.match(whole.fileSystems[0].notes.join('\n'), /counts them as if the snapshot were deleted \(btrfs subvolume delete\)/);
    const before = dataUsed(t.mountPoint);
    execFileSync('btrfs', ['subvolume', 'delete', '--commit-after', snap]); // (the commit wakes the cleaner: no 30 s wait)
    execFileSync('btrfs', ['subvolume', 'sync', t.mountPoint]);
    assert.equal(before - dataUsed(t.mountPoint), whole.total.reclaimable, 'deleting the snapshot frees its figure, not the one file');
  });
});

describe('space on a folder of a file system mounted read-only', { skip: skipReason('xfs') }, () => {
  let t: TestFs;
  before(() => {
    t = makeFs('xfs');
  });
  after(() => {
    t?.remount('rw');
    t?.cleanup();
  });

  test('the note says to remount it, and names no btrfs snapshot', async () => {
    const sub = path.join(t.mountPoint, 'sub');
    fs.mkdirSync(sub);
    randomFile(path.join(sub, 'a'), MiB);
    execFileSync('sync');
    t.remount('ro');
    const r = await createEngine().space([sub]);
    assert.equal(r.total.reclaimable, BigInt(MiB));
    const note = r.fileSystems[0].notes.find((n) => /read-only/.test(n));
    assert.equal(
      note,
      'One file of the selection on xfs lies on a read-only snapshot or file system (EROFS): it cannot be deleted as it is; ' +
        'what deleting frees counts it as if the file system were remounted read-write (mount -o remount,rw).',
    );
  });
});
