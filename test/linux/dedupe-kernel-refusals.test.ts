// What the kernel refuses to share, on real file systems, and what the search and the report say:
// - an active swap file (XFS, swapon): FIDEDUPERANGE answers ETXTBSY for it as source or
//   destination, so the search leaves it out with a note (it had been picked as the source of its
//   copies, and the whole group failed); its copies are still shared with each other;
// - btrfs nodatacow (chattr +C) beside normal files: btrfs shares extents only between files alike
//   in that (EINVAL), so the search groups each kind apart with a note; a file made nodatacow
//   between the search and the apply is left alone with a sentence naming the reason, not the
//   alignment rules EINVAL usually means;
// - a read-only bind mount (EROFS) of a writable folder: a file met there is shared through its
//   writable name wherever the selection has one, whatever the order of the paths, and a file met
//   under both names is one file, not its own duplicate.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createEngine } from '../../src/engine';
import { activeSwapFiles } from '../../src/engine/swap-files';
import { freshDir, hasTool, makeFs, skipReason, type TestFs } from '../support/loopfs';

const MiB = 1024 * 1024;

describe(
  'dedupe leaves out an active swap file (XFS)',
  { skip: skipReason('xfs') ?? (hasTool('swapon') ? undefined : 'no swapon') },
  () => {
    let t: TestFs;
    before(() => {
      t = makeFs('xfs', 300);
    });
    after(() => t?.cleanup());

    test('the swap file is neither source nor destination; its copies are shared; a note says why', async () => {
      const d = freshDir(t, 'swap');
      const swap = path.join(d, 'swap');
      fs.writeFileSync(swap, randomBytes(16 * MiB)); // mkswap writes its header page only
      fs.chmodSync(swap, 0o600);
      execFileSync('mkswap', [swap], { stdio: 'ignore' });
      // plain copies (their own blocks), sorted before and after the swap file's name
      // (their first page blanked: with mkswap's signature a copy is a swap file too, left out)
      for (const n of ['a-copy', 'z-copy']) {
        execFileSync('cp', ['--reflink=never', swap, path.join(d, n)]);
        execFileSync('dd', ['if=/dev/zero', `of=${path.join(d, n)}`, 'bs=4096', 'count=1', 'conv=notrunc', 'status=none']);
      }
      execFileSync('sync');
      execFileSync('swapon', [swap]);
      const engine = createEngine();
      try {
        const plan = await engine.findDuplicates([d]);
        assert.deepEqual(plan.errors, []);
        assert.ok(
          plan.notes.some((n) => /^One active swap file was left out: .*\(ETXTBSY\); nor after swapoff: .*shared extents/.test(n)),
          plan.notes.join('\n'),
        );
        assert.ok(
          plan.groups.every((g) => g.ranges.every((r) => r.path !== swap)),
          JSON.stringify(plan.groups.map((g) => g.ranges.map((r) => r.path))),
        );
        const whole = plan.groups.find((g) => g.wholeFiles)!;
        assert.deepEqual(whole.ranges.map((r) => path.basename(r.path)).sort(), ['a-copy', 'z-copy']);
        const r = await engine.dedupe(plan);
        assert.deepEqual(r.skipped, []);
        assert.equal(r.estimated, BigInt(16 * MiB));
        assert.equal(r.freed, r.estimated);
      } finally {
        execFileSync('swapoff', [swap]);
        await engine.dispose();
      }
    });

    test('a swap file named in bytes that are not UTF-8 (with a space, and "à" whose UTF-8 holds byte 0xA0) is recognised', () => {
      const d = freshDir(t, 'swap-bytes');
      // /proc/swaps writes the name as bytes with a space as \040; 0xFF is no UTF-8 and 0xA0 (in "à")
      // is whitespace to a regular expression over latin1: read as UTF-8 or split at \s, it was missed
      const name = Buffer.concat([Buffer.from(`${d}/swap à `), Buffer.from([0xff])]);
      fs.writeFileSync(name, Buffer.alloc(16 * MiB));
      fs.chmodSync(name, 0o600);
      const quoted = `$'${[...name].map((b) => `\\x${b.toString(16).padStart(2, '0')}`).join('')}'`;
      execFileSync('bash', ['-c', `mkswap ${quoted} && sync && swapon ${quoted}`], { stdio: 'ignore' });
      try {
        const st = fs.statSync(name, { bigint: true });
        assert.ok(activeSwapFiles().has(`${st.dev}:${st.ino}`), fs.readFileSync('/proc/swaps', 'latin1'));
      } finally {
        execFileSync('bash', ['-c', `swapoff ${quoted}`]);
      }
    });
  },
);

describe('dedupe and btrfs nodatacow (chattr +C)', { skip: skipReason('btrfs') }, () => {
  let t: TestFs;
  before(() => {
    t = makeFs('btrfs', 300);
  });
  after(() => t?.cleanup());

  test('nodatacow and normal files with the same data are grouped apart, with a note; alike ones are shared', async () => {
    const d = freshDir(t, 'mixed');
    const nc = path.join(d, 'nc');
    const cw = path.join(d, 'cw');
    fs.mkdirSync(nc);
    fs.mkdirSync(cw);
    execFileSync('chattr', ['+C', nc]); // new files in it are nodatacow
    const data = randomBytes(4 * MiB);
    fs.writeFileSync(path.join(nc, 'n1'), data);
    fs.writeFileSync(path.join(nc, 'n2'), data);
    fs.writeFileSync(path.join(cw, 'c1'), data);
    fs.writeFileSync(path.join(cw, 'c2'), data);
    execFileSync('sync');
    assert.match(execFileSync('lsattr', [path.join(nc, 'n1')], { encoding: 'utf8' }), /^\S*C\S* /);
    const engine = createEngine();
    try {
      const plan = await engine.findDuplicates([d]);
      assert.deepEqual(plan.errors, []);
      const groups = plan.groups.map((g) => g.ranges.map((r) => path.relative(d, r.path)).sort());
      assert.deepEqual(groups.sort(), [
        ['cw/c1', 'cw/c2'],
        ['nc/n1', 'nc/n2'],
      ]);
      assert.ok(
        plan.notes.some((n) => /^4 files hold identical data, some of them nodatacow \(chattr \+C\)/.test(n)),
        plan.notes.join('\n'),
      );
      assert.equal(plan.total.netSaving, BigInt(8 * MiB));
      const r = await engine.dedupe(plan);
      assert.deepEqual(r.skipped, []);
      assert.equal(r.deduped, BigInt(8 * MiB));
    } finally {
      await engine.dispose();
    }
  });

  test('a file made nodatacow after the search is left alone, and the report says why', async () => {
    const d = freshDir(t, 'changed');
    const data = randomBytes(2 * MiB);
    const a = path.join(d, 'a');
    const b = path.join(d, 'b');
    fs.writeFileSync(a, data);
    fs.writeFileSync(b, data);
    execFileSync('sync');
    const engine = createEngine();
    try {
      const plan = await engine.findDuplicates([d]);
      assert.equal(plan.groups.length, 1);
      const dest = plan.groups[0].ranges[1].path;
      // the same bytes written again into an empty file made nodatacow (chattr +C takes only on empty files)
      fs.rmSync(dest);
      fs.writeFileSync(dest, '');
      execFileSync('chattr', ['+C', dest]);
      fs.writeFileSync(dest, data);
      execFileSync('sync');
      const r = await engine.dedupe(plan);
      assert.equal(r.deduped, 0n);
      assert.equal(r.skipped.length, 1);
      assert.equal(r.skipped[0].reason, 'EINVAL');
      assert.match(
        r.skipped[0].message ?? '',
        /cannot share blocks: one is nodatacow \(chattr \+C\) and the other is not, and btrfs shares extents only between files alike in that \(EINVAL\); left alone\.$/,
      );
      assert.equal(fs.readFileSync(dest).equals(data), true);
    } finally {
      await engine.dispose();
    }
  });
});

describe('dedupe and a read-only bind mount of a writable folder (XFS)', { skip: skipReason('xfs') }, () => {
  let t: TestFs;
  before(() => {
    t = makeFs('xfs', 300);
  });
  after(() => t?.cleanup());

  test('the files are shared by their writable names, named in either order; each is met once', async () => {
    const d = freshDir(t, 'bind');
    const rw = path.join(d, 'rw');
    const ro = path.join(d, 'ro'); // sorts before rw: the walk meets the read-only names first
    fs.mkdirSync(rw);
    fs.mkdirSync(ro);
    const data = randomBytes(4 * MiB);
    fs.writeFileSync(path.join(rw, 'a'), data);
    fs.writeFileSync(path.join(rw, 'b'), data);
    execFileSync('sync');
    execFileSync('mount', ['--bind', rw, ro]);
    const engine = createEngine();
    try {
      execFileSync('mount', ['-o', 'remount,ro,bind', ro]);
      assert.throws(() => fs.writeFileSync(path.join(ro, 'x'), ''), /EROFS/);
      const expected = [path.join(rw, 'a'), path.join(rw, 'b')];
      // one folder holding both names
      const inFolder = await engine.findDuplicates([d]);
      assert.deepEqual(inFolder.errors, []);
      assert.equal(inFolder.total.files, 2, 'each file once, not once per name');
      assert.deepEqual(
        inFolder.groups.map((g) => g.ranges.map((r) => r.path).sort()),
        [expected],
      );
      assert.equal(inFolder.total.netSaving, BigInt(4 * MiB));
      // the read-only names first on the command line
      const named = await engine.findDuplicates([path.join(ro, 'a'), path.join(ro, 'b'), rw]);
      assert.deepEqual(
        named.groups.map((g) => g.ranges.map((r) => r.path).sort()),
        [expected],
      );
      const r = await engine.dedupe(named);
      assert.deepEqual(r.skipped, []);
      assert.equal(r.freed, BigInt(4 * MiB));
      assert.equal(fs.readFileSync(path.join(rw, 'b')).equals(data), true);
    } finally {
      await engine.dispose();
      execFileSync('umount', [ro]);
    }
  });
});
