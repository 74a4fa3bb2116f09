// extent-lens dedupe --apply where every duplicate lies on a read-only mount (XFS remounted ro,
// as root): the search still shows what it found, and the apply, which can attempt nothing,
// fails (exit 1) naming EROFS, the mount and what to do. A trial: exit 0, "nothing to apply".

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { cli, ensureBuilt } from './run-cli';
import { makeLoopFs, skipReason, type LoopFs } from './loop';
import { makeFs } from '../support/loopfs';

describe('extent-lens dedupe --apply on a read-only mount', { skip: skipReason('xfs') }, () => {
  let xfs: LoopFs;
  let d: string;
  before(() => {
    ensureBuilt();
    xfs = makeLoopFs('xfs', 300);
    d = path.join(xfs.mnt, 'dups');
    fs.mkdirSync(d);
    const data = randomBytes(1 << 20);
    fs.writeFileSync(path.join(d, 'a.bin'), data);
    fs.writeFileSync(path.join(d, 'b.bin'), data); // written, not reflinked: its own blocks
    execFileSync('mount', ['-o', 'remount,ro', xfs.mnt]);
  });
  after(() => {
    if (xfs) execFileSync('mount', ['-o', 'remount,rw', xfs.mnt]);
    xfs?.cleanup();
  });

  test('the search finds the set and exits 0; --apply shows it too, then fails (exit 1) naming EROFS and the remount', () => {
    const find = cli(['dedupe', d]);
    assert.equal(find.code, 0, find.stderr);
    assert.match(find.stdout, /the 1 set of identical data found is in files this user may not change/);

    const r = cli(['dedupe', '--apply', d]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /the 1 set of identical data found is in files this user may not change/);
    assert.match(r.stdout, new RegExp(`note: .*${xfs.mnt} is mounted read-only \\(EROFS\\)`));
    assert.equal(
      r.stderr,
      `extent-lens dedupe: nothing was shared: the 1 set of identical data found is only in files the kernel will not change for this user. ` +
        `${xfs.mnt} is mounted read-only (EROFS): nothing can be shared there until it is remounted read-write (mount -o remount,rw ${xfs.mnt}).\n`,
    );

    const j = cli(['dedupe', '--apply', '--json', d]);
    assert.equal(j.code, 1, j.stderr);
    const doc = JSON.parse(j.stdout);
    assert.equal(doc.total.lockedIn, 1);
    assert.deepEqual(doc.total.readOnlyMounts, [xfs.mnt]);
    assert.equal(doc.total.calls, 0); // nothing was attempted
    assert.match(j.stderr, /\(EROFS\)/);
  });
});

// A mount point with a space (udisks mounts a drive labelled "Backup Disk" at /media/USER/Backup Disk;
// mountinfo writes it \040): the remount command the note and stderr give is pasted into a shell,
// so the folder is one quoted word there. A trial gave `mount -o remount,rw /mnt/x y`: two words.
describe('extent-lens dedupe --apply on a read-only mount whose folder has a space', { skip: skipReason('xfs') }, () => {
  test("the remount command quotes the mount's folder", () => {
    ensureBuilt();
    const t = makeFs('xfs', 300, { mountPoint: '/mnt/h133-ro disk' });
    try {
      const d = path.join(t.mountPoint, 'dups');
      fs.mkdirSync(d);
      const data = randomBytes(1 << 20);
      fs.writeFileSync(path.join(d, 'a.bin'), data);
      fs.writeFileSync(path.join(d, 'b.bin'), data);
      t.remount('ro');
      const r = cli(['dedupe', '--apply', d]);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /'\/mnt\/h133-ro disk' is mounted read-only \(EROFS\): .*\(mount -o remount,rw '\/mnt\/h133-ro disk'\)\.\n$/);
      assert.match(r.stdout, /note: .*'\/mnt\/h133-ro disk' is mounted read-only \(EROFS\)/);
      assert.deepEqual(JSON.parse(cli(['dedupe', '--apply', '--json', d]).stdout).total.readOnlyMounts, ['/mnt/h133-ro disk']);
    } finally {
      try {
        t.remount('rw');
      } catch {
        // cleanup unmounts it either way
      }
      t.cleanup();
      fs.rmSync('/mnt/h133-ro disk', { recursive: true, force: true });
    }
  });
});
