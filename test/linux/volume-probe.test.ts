// engine.volume's clone probe on real file systems: a probe that cannot run (no write access)
// says "unknown", never "no"; the probe files have no name at all (O_TMPFILE), so nothing
// appears in the folder; a device, or anything under /dev, is never probed; a file means the
// folder that holds the real file (after symlinks).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { createEngine } from '../../src/engine';
import { LinuxBackend } from '../../src/engine/backends/linux';
import { freshDir, makeFs, skipReason, type TestFs } from '../support/loopfs';

const NOBODY = 65534;
/** An engine over a new backend: no probe result cached from another test. */
const fresh = (): ReturnType<typeof createEngine> => createEngine({ backend: new LinuxBackend() });

/** Names created in `dir` while `fn` runs (inotify through fs.watch). */
async function namesCreatedDuring(dir: string, fn: () => Promise<void>): Promise<string[]> {
  const seen: string[] = [];
  const w = fs.watch(dir, (_event, name) => {
    if (name) seen.push(String(name));
  });
  try {
    await fn();
    await new Promise((r) => setTimeout(r, 100));
  } finally {
    w.close();
  }
  return seen;
}

describe('volume probe', { skip: skipReason('xfs') ?? skipReason('ext4') }, () => {
  let xfs: TestFs;
  let ext4: TestFs;
  before(() => {
    xfs = makeFs('xfs');
    ext4 = makeFs('ext4');
  });
  after(() => {
    xfs?.cleanup();
    ext4?.cleanup();
  });

  test('a folder the caller cannot write to: clone support is unknown (EACCES), not "no"', async () => {
    const d = freshDir(xfs, 'locked');
    // root's folder: nobody may reach and read it, not create in it
    for (const p of [path.dirname(xfs.mountPoint), xfs.mountPoint, d]) fs.chmodSync(p, 0o755);
    const engine = fresh();
    process.setegid!(NOBODY);
    process.seteuid!(NOBODY);
    let v;
    try {
      v = await engine.volume(d);
    } finally {
      process.seteuid!(0);
      process.setegid!(0);
    }
    assert.equal(v.filesystem, 'xfs');
    assert.equal(v.supportsClone, undefined);
    assert.match(v.cloneEvidence, /could not probe: .*\(EACCES\); clone support on xfs is unknown/);
    // Unknown answers are not cached: with access, the probe runs and proves it.
    const again = await engine.volume(d);
    assert.equal(again.supportsClone, true);
  });

  // A trial: as another user, `volume` on ext4 said clone support "unknown (could not probe:
  // EACCES)", though ext4 cannot clone at all; where Linux never clones, "no" without a probe.
  test('ext4, tmpfs, proc, sysfs: clone "no" with the reason, unprobed, also where none could run; sparse files only on tmpfs', async () => {
    const tmpfs = makeFs('tmpfs', 8);
    try {
      const dirs = [freshDir(ext4, 'not-mine'), freshDir(tmpfs, 'not-mine')];
      for (const d of dirs) for (const p of [path.dirname(path.dirname(d)), path.dirname(d), d]) fs.chmodSync(p, 0o755);
      const engine = fresh();
      process.setegid!(NOBODY);
      process.seteuid!(NOBODY);
      const answers = [];
      try {
        for (const p of [...dirs, '/proc', '/proc/self/status', '/sys']) answers.push(await engine.volume(p));
      } finally {
        process.seteuid!(0);
        process.setegid!(0);
      }
      const [e, t, proc, status, sys] = answers;
      assert.deepEqual([sys.filesystem, sys.supportsSparse, sys.supportsClone], ['sysfs', false, false]);
      assert.deepEqual([e.filesystem, e.supportsClone], ['ext4', false]);
      assert.match(
        e.cloneEvidence,
        /^ext4 cannot share blocks: Linux has no block cloning \(reflink\) for ext4 \(FICLONE fails there with EOPNOTSUPP/,
      );
      assert.deepEqual([t.filesystem, t.supportsClone], ['tmpfs', false]);
      assert.match(t.cloneEvidence, /^tmpfs cannot share blocks/);
      assert.equal(t.supportsSparse, true); // tmpfs keeps real holes
      for (const v of [proc, status]) {
        assert.deepEqual([v.filesystem, v.supportsClone], ['proc', false]);
        // a trial: `volume /proc` said "sparse files: yes"; its files store nothing (SEEK_DATA: EINVAL)
        assert.equal(v.supportsSparse, false);
        assert.match(v.cloneEvidence, /^proc is one of the kernel's own file systems: its files hold no stored data/);
      }
      // and as root no probe runs either: nothing is made in the folder
      const created = await namesCreatedDuring(dirs[0], async () => assert.equal((await fresh().volume(dirs[0])).supportsClone, false));
      assert.deepEqual(created, []);
    } finally {
      tmpfs.cleanup();
    }
  });

  test('a folder or file the caller may not read: the volume is still named (as df does), clone support unknown', async () => {
    const d = freshDir(xfs, 'unreadable');
    for (const p of [path.dirname(xfs.mountPoint), xfs.mountPoint]) fs.chmodSync(p, 0o755);
    const secret = path.join(xfs.mountPoint, 'secret.bin');
    fs.writeFileSync(secret, 'x');
    fs.chmodSync(secret, 0o000);
    fs.chmodSync(d, 0o700); // root's: nobody may not list it, nor reach into it
    const engine = fresh();
    process.setegid!(NOBODY);
    process.seteuid!(NOBODY);
    let folder;
    let file;
    try {
      folder = await engine.volume(d);
      file = await engine.volume(secret);
    } finally {
      process.seteuid!(0);
      process.setegid!(0);
    }
    for (const v of [folder, file]) {
      assert.equal(v.filesystem, 'xfs');
      assert.ok(v.totalBytes! > 0n);
      assert.equal(v.supportsClone, undefined);
      assert.match(v.cloneEvidence, /could not probe: .*\(EACCES\)/);
    }
  });

  test('the probe leaves no name in the folder, not even for a moment (O_TMPFILE)', async () => {
    const d = freshDir(xfs, 'watched');
    const engine = fresh();
    const created = await namesCreatedDuring(d, async () => {
      const v = await engine.volume(d);
      assert.equal(v.supportsClone, true);
      assert.match(
        v.cloneEvidence,
        /FICLONE probe in .* cloned an unnamed \(O_TMPFILE\) 4 KiB temporary file, never seen in the folder, on xfs/,
      );
    });
    // inotify reports an O_TMPFILE inode as "#<inode number>": an event, not a directory entry.
    assert.deepEqual(
      created.filter((n) => !/^#\d+$/.test(n)),
      [],
    );
    assert.deepEqual(fs.readdirSync(d), []);
  });

  // A trial: Show Volume Capabilities on a FIFO said "block cloning: unknown" on a volume that
  // clones; its file system is its folder's, and so is the answer (ext4's no, XFS's yes).
  test("a FIFO in a folder: the folder's file system is probed and the evidence says so", async () => {
    for (const [t, yes] of [
      [xfs, true],
      [ext4, false],
    ] as const) {
      const d = freshDir(t, 'fifo-volume');
      const fifo = path.join(d, 'pipe');
      execFileSync('mkfifo', [fifo]);
      const v = await fresh().volume(fifo);
      assert.equal(v.supportsClone, yes, v.cloneEvidence);
      assert.match(
        v.cloneEvidence,
        new RegExp(`\\(the file system of ${d}, the folder holding this fifo: it has no blocks of its own to clone\\)$`),
      );
    }
  });

  test('a device, and anything under /dev, is never probed', async () => {
    const engine = fresh();
    const before = fs.readdirSync('/dev');
    const created = await namesCreatedDuring('/dev', async () => {
      const z = await engine.volume('/dev/zero');
      assert.equal(z.supportsClone, undefined);
      assert.match(z.cloneEvidence, /not probed: \/dev\/zero is a char device/);
      // devtmpfs is tmpfs (one statfs magic), which never clones: known without a probe
      const dev = await engine.volume('/dev');
      assert.equal(dev.supportsClone, false);
      assert.match(dev.cloneEvidence, /^tmpfs cannot share blocks/);
    });
    assert.deepEqual(
      created.filter((n) => n.includes('extent-lens')),
      [],
    );
    assert.deepEqual(
      fs.readdirSync('/dev').filter((n) => !before.includes(n) && n.includes('extent-lens')),
      [],
    );
  });

  test('a file means the folder of the real file: a symlink on ext4 to a file on XFS probes XFS', async () => {
    const target = path.join(freshDir(xfs, 'real'), 'f.bin');
    fs.writeFileSync(target, Buffer.alloc(4096, 1));
    const link = path.join(freshDir(ext4, 'links'), 'f.bin');
    fs.symlinkSync(target, link);
    const engine = fresh();
    const v = await engine.volume(link);
    assert.equal(v.filesystem, 'xfs');
    assert.equal(v.supportsClone, true, v.cloneEvidence);
    assert.match(v.cloneEvidence, new RegExp(`probe in ${path.dirname(target)} cloned`));
  });

  test('ext2 and ext3 are named as mounted, not ext4 (one statfs magic for all three)', async () => {
    const engine = fresh();
    assert.equal((await engine.volume(ext4.mountPoint)).filesystem, 'ext4');
    for (const kind of ['ext2', 'ext3']) {
      const old = makeFs('ext4', 32, { mkfsArgs: ['-q', '-F', '-t', kind] });
      try {
        const file = path.join(old.mountPoint, 'f.bin');
        fs.writeFileSync(file, 'x');
        for (const p of [old.mountPoint, file]) {
          const v = await engine.volume(p);
          assert.equal(v.filesystem, kind, p);
          assert.equal(v.rawType, '0xef53');
          assert.equal(v.supportsClone, false);
          assert.match(v.cloneEvidence, new RegExp(`^${kind} cannot share blocks: Linux has no block cloning \\(reflink\\) for ${kind}`));
        }
      } finally {
        old.cleanup();
      }
    }
  });
  // A trial: `space --json` on ext3 said "filesystem":"ext4" (statfs's name) where `volume` said
  // ext3 (the mount's); both name it as the mount does, and ext3 keeps ext4's rules (its indirect
  // blocks are counted in what deleting frees).
  test('space names ext2 and ext3 as volume does, and counts their indirect blocks as on ext4', async () => {
    for (const kind of ['ext2', 'ext3']) {
      const old = makeFs('ext4', 32, { mkfsArgs: ['-q', '-F', '-b', '1024', '-t', kind] });
      const engine = createEngine();
      try {
        const file = path.join(old.mountPoint, 'f.bin');
        fs.writeFileSync(file, Buffer.alloc(100_000, 7)); // past 12 direct 1 KiB blocks: one indirect block
        const r = await engine.space([old.mountPoint]);
        assert.deepEqual(r.errors, []);
        assert.equal(r.fileSystems.length, 1);
        const g = r.fileSystems[0];
        assert.equal(g.filesystem, (await engine.volume(old.mountPoint)).filesystem);
        assert.equal(g.filesystem, kind);
        assert.equal(g.mountPoint, old.mountPoint);
        assert.ok(
          g.notes.every((n) => !/\bext4\b/.test(n.replace('(ext2, ext3)', ''))),
          g.notes.join('\n'),
        );
        assert.ok(
          g.notes.some((n) => /^One file holds 1024 bytes beyond the blocks of its extents \(\w+ counts them/.test(n)),
          g.notes.join('\n'),
        );
        assert.equal(g.reclaimable, g.exclusive + 1024n);
      } finally {
        await engine.dispose();
        old.cleanup();
      }
    }
  });
});

describe('volume probe on a read-only btrfs snapshot', { skip: skipReason('btrfs') }, () => {
  let btrfs: TestFs;
  before(() => {
    btrfs = makeFs('btrfs');
  });
  after(() => {
    btrfs?.cleanup();
  });

  test('unknown (EROFS), saying that its files can still be cloned into a writable subvolume', async () => {
    const d = freshDir(btrfs, 'snaps');
    const vol = path.join(d, 'vol');
    execFileSync('btrfs', ['subvolume', 'create', vol], { stdio: 'ignore' });
    fs.writeFileSync(path.join(vol, 'a.bin'), Buffer.alloc(8192, 7));
    const snap = path.join(d, 'snap');
    execFileSync('btrfs', ['subvolume', 'snapshot', '-r', vol, snap], { stdio: 'ignore' });
    const v = await fresh().volume(snap);
    assert.equal(v.filesystem, 'btrfs');
    assert.equal(v.supportsClone, undefined);
    assert.match(
      v.cloneEvidence,
      /could not probe: .*\(EROFS\); clone support on btrfs is unknown\. .*snap is in a read-only btrfs snapshot/,
    );
    assert.match(v.cloneEvidence, /its files can be cloned into a writable subvolume of the same file system$/);
    // and so they can: the snapshot's file, cloned into the writable subvolume
    const r = await fresh().clone(path.join(snap, 'a.bin'), path.join(vol, 'b.bin'));
    assert.equal(r.fellBack ?? false, false);
  });
});
