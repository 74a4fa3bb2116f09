// An overwrite (--on-existing overwrite; VS Code's Overwrite) replaces the file with a new one
// (the old one stays whole until the rename, docs/ENGINE.md rule 2), where cp writes into the
// old file and keeps its attributes. A trial found the new file without the old one's POSIX ACL:
// it had the old mode, whose group bits are the ACL's mask, so the group the ACL shut out could
// read and write it. The new file now gets the old one's extended attributes (the ACL and
// user.*) before it is named; checked with getfacl / getfattr, and the group's access with a
// real process of that group, for a clone and for a copy, on XFS and ext4.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
import { createEngine } from '../../src/engine';
import { freshDir, makeFs, skipReason, type TestFs } from '../support/loopfs';

const engine = createEngine();
const aclTools = spawnSync('setfacl', ['--version']).status === 0 ? undefined : 'setfacl is missing (Debian package acl)';

for (const kind of ['xfs', 'ext4'] as const) {
  describe(`an overwrite keeps the replaced file's ACL and extended attributes (${kind})`, { skip: skipReason(kind) ?? aclTools }, () => {
    let t: TestFs;
    before(() => {
      t = makeFs(kind);
    });
    after(() => t?.cleanup());

    const ways = kind === 'xfs' ? (['clone', 'copy'] as const) : (['copy'] as const);
    for (const way of ways)
      test(`${way} over a file with an ACL that shuts its group out, and a user.* attribute`, async () => {
        const d = freshDir(t, `acl-${way}`);
        const secret = path.join(d, 'secret');
        fs.writeFileSync(secret, 'payroll\n');
        execFileSync('chgrp', ['users', secret]);
        // owner rw, nobody rw, the owning group nothing; mask rw (so the mode reads -rw-rw----)
        execFileSync('setfacl', ['-m', 'u::rw,u:nobody:rw,g::-,m::rw,o::-', secret]);
        execFileSync('setfattr', ['-n', 'user.note', '-v', 'keep me', secret]);
        const aclBefore = execFileSync('getfacl', ['-c', secret], { encoding: 'utf8' });
        const newer = path.join(d, 'newer');
        fs.writeFileSync(newer, 'version 2\n');
        const r =
          way === 'clone'
            ? await engine.clone(newer, secret, { onExisting: 'overwrite' })
            : await engine.copy(newer, secret, { onExisting: 'overwrite' });
        assert.equal(r.destination, secret);
        assert.equal(r.replaced, true);
        assert.ok(
          r.notes?.some((n) => n.startsWith(`${secret} existed and was replaced by the new file; other hard links`)),
          String(r.notes),
        );
        assert.equal(fs.readFileSync(secret, 'utf8'), 'version 2\n');
        assert.equal(execFileSync('getfacl', ['-c', secret], { encoding: 'utf8' }), aclBefore, 'the ACL as it was');
        assert.equal(execFileSync('getfattr', ['--only-values', '-n', 'user.note', secret], { encoding: 'utf8' }), 'keep me');
        // a member of the group, not nobody: still shut out
        const asGroup = spawnSync('setpriv', ['--reuid=4321', '--regid=users', '--clear-groups', 'cat', secret]);
        assert.notEqual(asGroup.status, 0, 'the owning group cannot read it');
        assert.deepEqual(fs.readdirSync(d).sort(), ['newer', 'secret'], 'no temporary name left');
      });

    test("a folder with a default ACL: the new file has the replaced one's access, not the default", async () => {
      const d = freshDir(t, 'default-acl');
      execFileSync('setfacl', ['-d', '-m', 'u:nobody:rwx', d]);
      const plain = path.join(d, 'plain');
      fs.writeFileSync(plain, 'old\n');
      execFileSync('setfacl', ['-b', plain]); // no ACL of its own: 0644
      fs.chmodSync(plain, 0o600);
      const src = path.join(d, 'src');
      fs.writeFileSync(src, 'new\n');
      assert.equal(
        (await engine.copy(src, path.join(d, 'fresh'), { onExisting: 'overwrite' })).replaced,
        undefined,
        'nothing was there to replace',
      );
      await engine.copy(src, plain, { onExisting: 'overwrite' });
      assert.equal(execFileSync('getfacl', ['-c', '-s', plain], { encoding: 'utf8' }), '', 'no ACL, as the replaced file had none');
      assert.equal(fs.statSync(plain).mode & 0o777, 0o600);
    });
  });
}

describe('an overwrite that fails for want of space says the file it was to replace is unchanged', { skip: skipReason('ext4') }, () => {
  let t: TestFs;
  before(() => {
    t = makeFs('ext4', 24);
  });
  after(() => t?.cleanup());

  test('ENOSPC: the error says so, and the old file, its name and the free space are as before', async () => {
    const d = freshDir(t, 'full');
    const big = path.join(d, 'big');
    fs.writeFileSync(big, Buffer.alloc(14 << 20, 7)); // room for it once, not twice
    const old = path.join(d, 'old');
    fs.writeFileSync(old, 'the old data\n');
    const free = fs.statfsSync(d).bfree;
    await assert.rejects(engine.copy(big, old, { onExisting: 'overwrite' }), (e: Error & { code?: string }) => {
      assert.equal(e.code, 'ENOSPC', e.message);
      assert.match(
        e.message,
        new RegExp(`${old.replace(/[/.]/g, '\\$&')} itself was not changed: the new data went to a new file, not into it\\.$`),
      );
      return true;
    });
    assert.equal(fs.readFileSync(old, 'utf8'), 'the old data\n');
    assert.deepEqual(fs.readdirSync(d).sort(), ['big', 'old']);
    assert.ok(fs.statfsSync(d).bfree >= free - 16, 'no space held by a leftover');
  });
});

describe(
  'an overwrite drops file capabilities, carries inode flags, and says what it could not keep',
  { skip: skipReason('xfs') ?? skipReason('btrfs') },
  () => {
    let xfs: TestFs;
    let btrfs: TestFs;
    before(() => {
      xfs = makeFs('xfs');
      btrfs = makeFs('btrfs');
    });
    after(() => {
      xfs?.cleanup();
      btrfs?.cleanup();
    });
    const lsattr = (p: string): string => execFileSync('lsattr', [p], { encoding: 'utf8' }).split(' ')[0];

    test('security.capability is never carried to the new data (cp as root loses it too), and the report says so', async () => {
      // A trial: a binary overwritten as root kept cap_net_admin=ep on the new content.
      const d = freshDir(xfs, 'caps');
      for (const way of ['clone', 'copy'] as const) {
        const target = path.join(d, `tool-${way}`);
        fs.copyFileSync('/bin/true', target);
        execFileSync('setcap', ['cap_net_admin+ep', target]);
        const r =
          way === 'clone'
            ? await engine.clone('/bin/sleep', target, { onExisting: 'overwrite', fallback: 'copy' })
            : await engine.copy('/bin/sleep', target, { onExisting: 'overwrite' });
        assert.equal(execFileSync('getcap', [target], { encoding: 'utf8' }).trim(), '', `${way}: no capabilities`);
        assert.ok(
          r.notes?.some((n) => n.includes('had file capabilities (security.capability); the new file has none')),
          `${way}: ${r.notes}`,
        );
      }
      // cp agrees: its write into the old file loses them
      const byCp = path.join(d, 'by-cp');
      fs.copyFileSync('/bin/true', byCp);
      execFileSync('setcap', ['cap_net_admin+ep', byCp]);
      execFileSync('cp', ['/bin/sleep', byCp]);
      assert.equal(execFileSync('getcap', [byCp], { encoding: 'utf8' }).trim(), '');
    });

    test('inode flags a write keeps (+S +d +A) are carried, as cp writing into the file keeps them; btrfs +C is named when lost', async () => {
      const d = freshDir(xfs, 'flags');
      const src = path.join(d, 'src');
      fs.writeFileSync(src, 'new data\n');
      for (const way of ['clone', 'copy'] as const) {
        const target = path.join(d, `flagged-${way}`);
        fs.writeFileSync(target, 'old\n');
        execFileSync('chattr', ['+S', '+d', '+A', target]);
        const before = lsattr(target);
        const r =
          way === 'clone'
            ? await engine.clone(src, target, { onExisting: 'overwrite' })
            : await engine.copy(src, target, { onExisting: 'overwrite' });
        assert.equal(lsattr(target), before, `${way}: the flags as they were`);
        assert.ok(!r.notes?.some((n) => n.includes('inode flags')), `${way}: ${r.notes}`);
      }
      // btrfs: +C (nodatacow) only an empty file takes, so an overwrite with data loses it, said
      const b = freshDir(btrfs, 'nocow');
      const image = path.join(b, 'vm.img');
      fs.writeFileSync(image, '');
      execFileSync('chattr', ['+C', image]);
      fs.writeFileSync(image, 'old image\n');
      const newer = path.join(b, 'newer');
      fs.writeFileSync(newer, 'new image\n');
      const r = await engine.copy(newer, image, { onExisting: 'overwrite', reflink: 'never' });
      assert.equal(fs.readFileSync(image, 'utf8'), 'new image\n');
      assert.ok(
        r.notes?.some((n) =>
          n.includes('inode flags the new file could not take (chattr +C): btrfs sets +C (nodatacow) only on an empty file'),
        ),
        String(r.notes),
      );
    });

    test('not root: an owner the new file cannot keep is said (cp, writing into the file, keeps it)', async () => {
      const d = freshDir(xfs, 'owner');
      for (const p of [path.dirname(xfs.mountPoint), xfs.mountPoint]) fs.chmodSync(p, 0o755);
      fs.chmodSync(d, 0o777);
      const target = path.join(d, 'roots');
      fs.writeFileSync(target, 'old\n');
      fs.chmodSync(target, 0o666);
      const src = path.join(d, 'src');
      fs.writeFileSync(src, 'new\n');
      fs.chmodSync(src, 0o644);
      process.setegid!(65534);
      process.seteuid!(65534);
      let r;
      try {
        r = await createEngine().copy(src, target, { onExisting: 'overwrite' });
      } finally {
        process.seteuid!(0);
        process.setegid!(0);
      }
      assert.equal(fs.statSync(target).uid, 65534);
      assert.ok(
        r.notes?.some((n) => n.includes(`${target} was owned by 0:0; the new file is owned by 65534:65534`)),
        String(r.notes),
      );
    });
  },
);

// A trial as a user (not root) overwriting files they own, side by side with cp as that user: a
// file of the group `users` came back in the user's own group (the group's members shut out) and
// lost a set-group-ID without group execute and the sticky bit, which cp's write keeps (the kernel
// drops only set-user-ID, and set-group-ID where the group may execute it or the writer is not in
// the group). Compared bit for bit with cp as the same user, on XFS and ext4.
for (const kind of ['xfs', 'ext4'] as const) {
  describe(`not root: an overwrite keeps the group and the mode bits cp's write keeps (${kind})`, { skip: skipReason(kind) }, () => {
    let t: TestFs;
    before(() => {
      t = makeFs(kind);
      for (const p of [path.dirname(t.mountPoint), t.mountPoint]) fs.chmodSync(p, 0o755);
    });
    after(() => t?.cleanup());
    const users = 100; // Debian's group `users`
    const modes = [0o664, 0o2664, 0o2674, 0o6775, 0o1777, 0o4755, 0o2654];

    for (const inGroup of [true, false])
      test(`the writer ${inGroup ? 'is' : 'is not'} a member of the file's group`, async () => {
        const d = freshDir(t, `as-owner-${inGroup}`);
        fs.chmodSync(d, 0o777);
        const src = path.join(d, 'src');
        fs.writeFileSync(src, 'new\n');
        fs.chmodSync(src, 0o644);
        const made = (name: string, mode: number): string => {
          const p = path.join(d, name);
          fs.writeFileSync(p, 'old\n');
          fs.chownSync(p, 65534, users);
          fs.chmodSync(p, mode);
          return p;
        };
        const groups = inGroup ? ['--groups=users'] : ['--clear-groups'];
        const saved = process.getgroups!();
        for (const mode of modes) {
          const byCp = made(`cp-${mode.toString(8)}`, mode);
          execFileSync('setpriv', ['--reuid=65534', '--regid=65534', ...groups, 'cp', src, byCp]);
          const ours = made(`el-${mode.toString(8)}`, mode);
          process.setgroups!(inGroup ? [users] : []);
          process.setegid!(65534);
          process.seteuid!(65534);
          try {
            await createEngine().copy(src, ours, { onExisting: 'overwrite' });
          } finally {
            process.seteuid!(0);
            process.setegid!(0);
            process.setgroups!(saved);
          }
          const [a, b] = [fs.statSync(byCp), fs.statSync(ours)];
          assert.equal(fs.readFileSync(ours, 'utf8'), 'new\n');
          assert.equal((b.mode & 0o7777).toString(8), (a.mode & 0o7777).toString(8), `mode ${mode.toString(8)}: as cp leaves it`);
          if (inGroup) assert.equal(b.gid, a.gid, `mode ${mode.toString(8)}: the group, as cp keeps it`);
          else assert.equal(b.gid, 65534, 'not a member: the group cannot be given, the new file has the user’s own');
        }
      });
  });
}
