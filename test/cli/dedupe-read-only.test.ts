// extent-lens dedupe --apply where every duplicate lies on a read-only mount (XFS remounted ro,
// as root): the search still shows what it found, and the apply, which can attempt nothing,
// fails (exit 1) naming EROFS, the mount and what to do. A trial: exit 0, "nothing to apply".

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { cli, CLI_ARGV, ensureBuilt } from './run-cli';
import { fromOsBytes } from '../../src/engine/os-path';
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
    const parent = fs.mkdtempSync(path.join(os.tmpdir(), 'el-ro-space-'));
    const mnt = path.join(parent, 'ro disk');
    const t = makeFs('xfs', 300, { mountPoint: mnt });
    const quoted = `'${mnt}'`.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    try {
      const d = path.join(t.mountPoint, 'dups');
      fs.mkdirSync(d);
      const data = randomBytes(1 << 20);
      fs.writeFileSync(path.join(d, 'a.bin'), data);
      fs.writeFileSync(path.join(d, 'b.bin'), data);
      t.remount('ro');
      const r = cli(['dedupe', '--apply', d]);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, new RegExp(`${quoted} is mounted read-only \\(EROFS\\): .*\\(mount -o remount,rw ${quoted}\\)\\.\\n$`));
      assert.match(r.stdout, new RegExp(`note: .*${quoted} is mounted read-only \\(EROFS\\)`));
      assert.deepEqual(JSON.parse(cli(['dedupe', '--apply', '--json', d]).stdout).total.readOnlyMounts, [mnt]);
    } finally {
      try {
        t.remount('rw');
      } catch {
        // cleanup unmounts it either way
      }
      t.cleanup();
      fs.rmSync(parent, { recursive: true, force: true });
    }
  });
});

// Sets locked for different reasons at once: one on a read-only mount, one in immutable files, one
// in another user's files (the CLI runs as nobody). stderr named only the remount, as if
// remounting were enough (the note had every remedy): it names each reason's remedy, and the
// note gives the same words (lockedInAdvice).
describe('extent-lens dedupe --apply where the sets are locked for different reasons', { skip: skipReason('xfs') }, () => {
  test('stderr and the note name the remount, the immutable flag and the owner', () => {
    ensureBuilt();
    const ro = makeFs('xfs', 300);
    const rw = makeFs('xfs', 300);
    const immutable: string[] = [];
    try {
      const pair = (dir: string): string[] => {
        fs.mkdirSync(dir, { mode: 0o755 });
        const data = randomBytes(256 * 1024);
        const files = ['a.bin', 'b.bin'].map((n) => path.join(dir, n));
        for (const f of files) fs.writeFileSync(f, data, { mode: 0o644 }); // root's: nobody may read, not write
        return files;
      };
      for (const t of [ro, rw]) for (const dir of [path.dirname(t.mountPoint), t.mountPoint]) fs.chmodSync(dir, 0o755); // reachable by nobody
      const onRo = path.join(ro.mountPoint, 'dups');
      pair(onRo);
      const roots = path.join(rw.mountPoint, 'roots');
      pair(roots);
      const locked = path.join(rw.mountPoint, 'immutable');
      immutable.push(...pair(locked));
      execFileSync('chattr', ['+i', ...immutable]);
      execFileSync('sync');
      ro.remount('ro');
      const nobody = { uid: 65534, gid: 65534 };
      const r = cli(['dedupe', '--apply', onRo, roots, locked], nobody);
      assert.equal(r.code, 1, r.stdout + r.stderr);
      const advice =
        "To share them, clear the immutable flag (chattr -i) or run as the files' owner or as root. " +
        `${ro.mountPoint} is mounted read-only (EROFS): nothing can be shared there until it is remounted read-write (mount -o remount,rw ${ro.mountPoint}).`;
      assert.equal(
        r.stderr,
        `extent-lens dedupe: nothing was shared: the 3 sets of identical data found are only in files the kernel will not change for this user. ${advice}\n`,
      );
      assert.ok(r.stdout.includes(`so they are not listed. ${advice}\n`), r.stdout);
      const j = JSON.parse(cli(['dedupe', '--apply', '--json', onRo, roots, locked], nobody).stdout);
      assert.deepEqual(j.total.lockedBy, ['readOnlyMount', 'immutable', 'otherUser']);
      assert.deepEqual(j.total.readOnlyMounts, [ro.mountPoint]);
    } finally {
      if (immutable.length > 0) execFileSync('chattr', ['-i', ...immutable]);
      try {
        ro.remount('rw');
      } catch {
        // cleanup unmounts it either way
      }
      ro.cleanup();
      rw.cleanup();
    }
  });
});

// A mount folder whose name is not UTF-8 (byte 0xff): mountinfo was read as UTF-8, so its name
// read as U+FFFD and matched no path; the note fell back to general advice, naming no mount.
// Read as bytes (fromOsBytes, the escapes as bytes), the mount is named. child_process takes
// strings only (UTF-8), so the raw byte reaches mount and the CLI through printf %b in sh.
describe('extent-lens dedupe --apply on a read-only mount whose folder is not UTF-8', { skip: skipReason('xfs') }, () => {
  test('the note, stderr and --json name the mount', () => {
    ensureBuilt();
    const t = makeFs('xfs', 300);
    const folder = Buffer.concat([Buffer.from(path.dirname(t.mountPoint) + '/ro'), Buffer.of(0xff), Buffer.from(' disk')]);
    const escaped = folder.toString('latin1').replace(/[\x80-\xff]/g, (c) => '\\0' + c.charCodeAt(0).toString(8)); // for printf %b
    const sh = (script: string, ...args: string[]) => spawnSync('sh', ['-c', script, 'sh', ...args], { encoding: 'utf8' });
    let mounted = false;
    try {
      const data = randomBytes(1 << 20);
      fs.writeFileSync(path.join(t.mountPoint, 'a.bin'), data);
      fs.writeFileSync(path.join(t.mountPoint, 'b.bin'), data);
      execFileSync('umount', [t.mountPoint]);
      fs.mkdirSync(folder);
      const m = sh('mount -o ro "$1" "$(printf %b "$2")"', t.device!, escaped);
      assert.equal(m.status, 0, m.stderr);
      mounted = true;
      const run = (...extra: string[]) =>
        sh('d="$(printf %b "$1")"; shift; exec "$@" "$d"', escaped, process.execPath, ...CLI_ARGV, 'dedupe', '--apply', ...extra);
      const shown = `'${path.dirname(t.mountPoint)}/ro\\xff disk'`;
      const r = run();
      assert.equal(r.status, 1, r.stdout + r.stderr);
      assert.equal(
        r.stderr,
        'extent-lens dedupe: nothing was shared: the 1 set of identical data found is only in files the kernel will not change for this user. ' +
          `${shown} is mounted read-only (EROFS): nothing can be shared there until it is remounted read-write (mount -o remount,rw ${shown}).\n`,
      );
      assert.ok(r.stdout.includes(`${shown} is mounted read-only (EROFS)`), r.stdout);
      const j = JSON.parse(run('--json').stdout);
      assert.deepEqual(j.total.readOnlyMounts, [fromOsBytes(folder)]);
      assert.deepEqual(j.total.lockedBy, ['readOnlyMount']);
    } finally {
      if (mounted) sh('umount "$(printf %b "$1")"', escaped);
      fs.rmSync(folder, { recursive: true, force: true });
      t.cleanup(); // (its own mount point is unmounted already: it detaches the device)
    }
  });
});
