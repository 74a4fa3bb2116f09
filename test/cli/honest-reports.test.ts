// The built CLI's reports say what happened, and nothing in them can play tricks on a terminal:
// volume says "unknown" when it cannot probe (a non-root user, a device) and never probes under
// /dev; dig-holes refuses a block size below the file system's and reports what it freed;
// punch reports what was deallocated; control characters in names are escaped; refusals by the
// engine exit 1 (2 is for command-line mistakes); map on tmpfs says what the block count holds
// that SEEK_DATA cannot place. XFS (reflink) and ext4 loop images and a tmpfs, as root.

import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CLI_ARGV, cli, cliJson, ensureBuilt } from './run-cli';
import { makeLoopFs, skipReason, type LoopFs } from './loop';
import { makeFs, skipReason as fsSkipReason } from '../support/loopfs';

const skip = skipReason('xfs') ?? skipReason('ext4');

function pattern(n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = ((i * 131) % 251) + 1;
  return b;
}
const allocated = (p: string): bigint => fs.statSync(p, { bigint: true }).blocks * 512n;

describe('extent-lens reports what happened', { skip }, () => {
  let xfs: LoopFs;
  let ext4: LoopFs;
  before(() => {
    ensureBuilt();
    xfs = makeLoopFs('xfs', 300);
    ext4 = makeLoopFs('ext4', 64);
  });
  after(() => {
    xfs?.cleanup();
    ext4?.cleanup();
  });

  test('volume as a user who cannot write the folder: block cloning unknown (could not probe: EACCES)', () => {
    const d = path.join(xfs.mnt, 'locked');
    fs.mkdirSync(d);
    for (const p of [path.dirname(xfs.mnt), xfs.mnt, d]) fs.chmodSync(p, 0o755); // nobody may reach it, not write in it
    const asNobody = (args: string[]) =>
      spawnSync('setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups', process.execPath, ...CLI_ARGV, ...args], {
        encoding: 'utf8',
      });
    const h = asNobody(['volume', d]);
    assert.equal(h.status, 0, h.stderr);
    assert.match(h.stdout, /^file system\s+xfs/m);
    assert.match(h.stdout, /^block cloning\s+unknown \(could not probe: EACCES\)$/m);
    const j = asNobody(['volume', d, '--json']);
    assert.equal(j.status, 0, j.stderr);
    assert.equal(JSON.parse(j.stdout).supportsClone, null);
    assert.deepEqual(fs.readdirSync(d), []);
    // As root the same folder is probed: yes.
    assert.equal(cliJson(['volume', d]).supportsClone, true);
  });

  test('volume /dev/zero: not probed, nothing made in /dev', () => {
    const before = fs.readdirSync('/dev');
    const h = cli(['volume', '/dev/zero']);
    assert.equal(h.code, 0, h.stderr);
    assert.match(h.stdout, /^block cloning\s+unknown \(not probed\)$/m);
    assert.match(h.stdout, /^evidence\s+not probed: \/dev\/zero is a char device/m);
    assert.equal(cliJson(['volume', '/dev/zero']).supportsClone, null);
    // (loopN: the kernel adds a loop device when every one is in use, for tests running beside this one)
    assert.deepEqual(
      fs.readdirSync('/dev').filter((n) => !before.includes(n) && !/^loop\d+$/.test(n)),
      [],
    );
  });

  test('dig-holes: a block size below the file system block, or not a power of two, is a usage error (exit 2)', () => {
    const f = path.join(xfs.mnt, 'small-bs.bin');
    fs.writeFileSync(f, Buffer.alloc(1 << 20));
    const r = cli(['dig-holes', f, '--block-size', '1k']);
    assert.equal(r.code, 2, r.stderr);
    assert.match(
      r.stderr,
      /^extent-lens dig-holes: --block-size: block size 1024 is smaller than the file system's block size 4096 .*\(E_BAD_INPUT\)/m,
    );
    assert.match(r.stderr, /\nusage: extent-lens dig-holes /);
    assert.equal(allocated(f), 1n << 20n, 'nothing punched');
    const u = cli(['dig-holes', f, '--block-size', '3000']);
    assert.equal(u.code, 2);
    assert.match(u.stderr, /--block-size: 3000 is not a power of two/);
    // above what it reads at once: the range it takes, and what to use
    const big = cli(['dig-holes', f, '--block-size', '1G']);
    assert.equal(big.code, 2, big.stderr);
    assert.match(
      big.stderr,
      /^extent-lens dig-holes: --block-size: block size 1073741824 is not a power of two from the file system's block size 4096 under .* up to 1048576 \(1 MiB, the most dig-holes reads at once\); use one, such as 4096 or 64k \(E_BAD_INPUT\)/m,
    );
    assert.equal(allocated(f), 1n << 20n, 'nothing punched');
  });

  test('dig-holes reports the bytes it deallocated, including a zero partial last block', () => {
    const f = path.join(xfs.mnt, 'tail.bin');
    fs.writeFileSync(f, Buffer.concat([pattern(8192), Buffer.alloc(5000)]));
    spawnSync('sync');
    const h = cli(['dig-holes', f]);
    assert.equal(h.code, 0, h.stderr);
    assert.match(h.stdout, /^dug holes in .*tail\.bin: 8192 \(8 KiB\) by dig-holes/m);
    assert.match(h.stdout, /8192 bytes deallocated \(measured\)/);
    assert.equal(allocated(f), 8192n);
  });

  test('punch past the end of the file reports what was deallocated, not the length asked for', () => {
    const f = path.join(xfs.mnt, 'punch.bin');
    fs.writeFileSync(f, pattern(8192));
    spawnSync('sync');
    const j = cliJson(['punch', f, '4096', '1M']);
    assert.equal(j.length, '1048576');
    assert.equal(j.bytes, '4096');
    const again = cliJson(['punch', f, '4096', '1M']);
    assert.equal(again.bytes, '0', 'a hole frees nothing');
    assert.equal(fs.statSync(f).size, 8192);
  });

  // A trial: data, a hole, data, then `fallocate -n` 192 KiB past the end of the file: map said
  // "3 holes", counting the gap past the end before the preallocation there; the file has 1
  // (xfs_io's SEEK_HOLE walk, which ends at the end of the file, says so too).
  test('map counts the holes of the file, not gaps past its end before preallocation there', () => {
    const f = path.join(xfs.mnt, 'prealloc-past-eof.bin');
    execFileSync('xfs_io', [
      '-f',
      '-c',
      'pwrite -S 0x61 0 64k',
      '-c',
      'pwrite -S 0x62 128k 64k',
      '-c',
      'falloc -k 1m 64k',
      '-c',
      'fsync',
      f,
    ]);
    // data, one hole, data, and the end of the file at 196608 (where SEEK_HOLE always stops)
    const seek = execFileSync('xfs_io', ['-c', 'seek -a -r 0', f], { encoding: 'utf8' });
    assert.deepEqual(
      seek
        .trim()
        .split('\n')
        .slice(1)
        .map((l) => l.split(/\s+/).join(' ')),
      ['DATA 0', 'HOLE 65536', 'DATA 131072', 'HOLE 196608'],
    );
    const h = cli(['map', f]);
    assert.equal(h.code, 0, h.stderr);
    assert.match(h.stdout, /^3 extents, 1 hole; mapped 196608 \(192 KiB\): 131072 \(128 KiB\) within the file/m);
  });

  test('clone-range --help documents LENGTH 0', () => {
    assert.match(cli(['clone-range', '--help']).stdout, /LENGTH 0 means "to the end of SRC"/);
  });

  test('control characters in names are escaped in human output and error sentences', () => {
    const name = 'e\x1b[2Jvil\nfake\u202e.bin';
    const f = path.join(ext4.mnt, name);
    fs.writeFileSync(f, pattern(4096));
    const shown = 'e\\x1b[2Jvil\\nfake\\u202e.bin';
    for (const args of [
      ['ranges', f],
      ['map', f],
      ['punch', f, '0', '4k'],
      ['dig-holes', f],
      ['volume', f],
    ]) {
      const r = cli(args);
      assert.equal(r.code, 0, `${args[0]}: ${r.stderr}`);
      assert.ok(!/[\x1b\u202e]/.test(r.stdout), `${args[0]} printed a raw control character`);
      assert.ok(r.stdout.includes(shown) || args[0] === 'volume', `${args[0]}: ${r.stdout}`);
    }
    const missing = cli(['ranges', f + '\x07x']);
    assert.equal(missing.code, 1);
    assert.ok(missing.stderr.includes(shown + '\\x07x'), missing.stderr);
    assert.ok(!/[\x07\x1b]/.test(missing.stderr));
    // JSON keeps the exact name (escaped by JSON itself).
    assert.equal(cliJson(['ranges', f]).path, f);
  });

  test('refusing to overwrite the source itself or a hard link to it exits 1, not 2 (2 is for usage errors)', () => {
    const a = path.join(xfs.mnt, 'same.bin');
    fs.writeFileSync(a, pattern(4096));
    const b = path.join(xfs.mnt, 'same-link.bin');
    fs.linkSync(a, b);
    for (const dest of [a, b]) {
      const r = cli(['clone', a, dest, '--on-existing', 'overwrite']);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /is the source itself/);
      // a hard link is named as one (a trial read "is the source itself" for another name as puzzling)
      if (dest === b)
        assert.match(r.stderr, /the same file under another name \(a hard link, a link to it, or its folder mounted again elsewhere\)/);
      else assert.doesNotMatch(r.stderr, /another name/);
    }
    // the same name written another way ("./same.bin", "sub/../same.bin" with sub a folder) is no other name (a trial)
    fs.mkdirSync(path.join(xfs.mnt, 'sub'), { recursive: true });
    for (const [src, dest] of [
      ['same.bin', './same.bin'],
      ['same.bin', 'sub/../same.bin'],
    ]) {
      const r = cli(['copy', src, dest, '--on-existing', 'overwrite'], { cwd: xfs.mnt });
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /is the source itself \(E_BAD_INPUT\); overwriting/);
    }
    assert.ok(fs.readFileSync(a).equals(pattern(4096)));
  });

  // A trial: as nobody, overwriting root's 0666 file in a sticky folder failed at the rename with
  // EPERM and advice to look for an immutable file (chattr -i); the sticky folder was the reason.
  test("overwrite of another user's file in a sticky folder: refused first with that reason, nothing written; its owner may", () => {
    const d = path.join(xfs.mnt, 'pub');
    fs.mkdirSync(d);
    for (const p of [path.dirname(xfs.mnt), xfs.mnt]) fs.chmodSync(p, 0o755);
    fs.chmodSync(d, 0o1777);
    const theirs = path.join(d, 'rootfile');
    fs.writeFileSync(theirs, 'over\n');
    fs.chmodSync(theirs, 0o666);
    const src = path.join(d, 'src');
    fs.writeFileSync(src, 'data\n');
    fs.chownSync(src, 65534, 65534);
    for (const op of ['copy', 'clone']) {
      const r = cli([op, src, theirs, '--on-existing', 'overwrite', ...(op === 'clone' ? ['--fallback', 'copy'] : [])], {
        uid: 65534,
        gid: 65534,
      });
      assert.equal(r.code, 1, r.stderr);
      assert.match(
        r.stderr,
        /belongs to another user \(uid 0\) in a sticky folder \(mode \+t, as \/tmp\), where only the file's owner, the folder's owner or root may replace it \(EPERM\), so it is not overwritten/,
      );
      assert.doesNotMatch(r.stderr, /chattr/);
    }
    assert.equal(fs.readFileSync(theirs, 'utf8'), 'over\n');
    assert.deepEqual(fs.readdirSync(d).sort(), ['rootfile', 'src'], 'no temporary file');
    // nobody's own file there: replaced as asked
    const mine = path.join(d, 'mine');
    fs.writeFileSync(mine, 'old\n');
    fs.chownSync(mine, 65534, 65534);
    const ok = cli(['copy', src, mine, '--on-existing', 'overwrite'], { uid: 65534, gid: 65534 });
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(fs.readFileSync(mine, 'utf8'), 'data\n');
    // an attribute the kernel will not set for nobody (security.*, set by root) is said, not
    // dropped in silence; user.* is kept (a trial saw security.sx vanish with only "replaced")
    execFileSync('setfattr', ['-n', 'security.sx', '-v', '3', mine]);
    execFileSync('setfattr', ['-n', 'user.u', '-v', 'kept', mine]);
    const again = cli(['copy', src, mine, '--on-existing', 'overwrite', '--json'], { uid: 65534, gid: 65534 });
    assert.equal(again.code, 0, again.stderr);
    const notes = (JSON.parse(again.stdout) as { notes: string[] }).notes;
    assert.ok(
      notes.some(
        (n) =>
          n ===
          `${mine} had extended attributes that the kernel would not set on the new file for this user (security.sx): it has the file system’s defaults for those`,
      ),
      notes.join('\n'),
    );
    assert.equal(execFileSync('getfattr', ['--only-values', '-n', 'user.u', mine], { encoding: 'utf8' }), 'kept');
  });

  // A trial: as a user who may neither read nor write a file, dig-holes said "dedupe: open failed
  // …; you need read access to the source and write access to the destination and its folder"
  // (the free-space measurement's open), and once that was passed "ranges: … read access" (the
  // listing of its ranges); punch said the first too. Each names its own operation and need.
  test('dig-holes, punch, zero on a file this user may not open: the operation itself, write access to the file', () => {
    const d = path.join(xfs.mnt, 'closed');
    fs.mkdirSync(d);
    for (const p of [path.dirname(xfs.mnt), xfs.mnt, d]) fs.chmodSync(p, 0o755);
    const f = path.join(d, 'f.img');
    fs.writeFileSync(f, Buffer.alloc(65536));
    fs.chmodSync(f, 0o000);
    for (const args of [
      ['dig-holes', f],
      ['punch', f, '0', '4k'],
      ['zero', f, '0', '4k'],
    ]) {
      const r = cli([...args, '--json'], { uid: 65534, gid: 65534 });
      assert.equal(r.code, 1, r.stderr);
      const e = JSON.parse(r.stdout).error;
      assert.equal(e.operation, args[0], r.stdout);
      assert.equal(e.code, 'EACCES');
      assert.match(
        e.message,
        new RegExp(`^${args[0]}: open failed on .*: permission denied; you need write access to the file \\(EACCES\\)\\.$`),
      );
      assert.match(r.stderr, new RegExp(`^extent-lens ${args[0]}: .*you need write access to the file \\(EACCES\\)`));
    }
    assert.equal(allocated(f), 65536n, 'nothing was changed');
  });
});

describe('extent-lens map on tmpfs: reserved pages the map cannot place are named', { skip: fsSkipReason('tmpfs') }, () => {
  test('a fallocated file with 1 MiB written: the note in the table and in --json, with exact figures', () => {
    ensureBuilt();
    const t = makeFs('tmpfs');
    try {
      const f = path.join(t.mountPoint, 'reserved.bin');
      assert.equal(spawnSync('fallocate', ['-l', '4MiB', f]).status, 0);
      const fd = fs.openSync(f, 'r+');
      fs.writeSync(fd, pattern(1048576), 0, 1048576, 2097152);
      fs.closeSync(fd);
      const h = cli(['map', f]);
      assert.equal(h.code, 0, h.stderr);
      assert.match(h.stdout, /source seek\n/);
      assert.match(h.stdout, /^1 extent, 2 holes; mapped 1048576 \(1 MiB\)/m);
      assert.match(
        h.stdout,
        /^note: tmpfs counts 4194304 bytes \(4 MiB\) in use for this file \(its block count\) but SEEK_DATA finds data in 1048576 bytes \(1 MiB\) of blocks: the other 3145728 bytes \(3 MiB\) .*du counts them\.$/m,
      );
      const j = cliJson(['map', f]) as { notes?: string[]; heldOutsideExtents?: string; extents: unknown[] };
      assert.equal(j.extents.length, 1);
      assert.equal(j.notes?.length, 1);
      assert.equal(j.heldOutsideExtents, '3145728');
      assert.match(j.notes![0], /counts 4194304 bytes .* the other 3145728 bytes/);
      // a file whose blocks hold its data: no note
      fs.writeFileSync(path.join(t.mountPoint, 'plain.txt'), 'hello\n');
      assert.doesNotMatch(cli(['map', path.join(t.mountPoint, 'plain.txt')]).stdout, /note:/);
    } finally {
      t.cleanup();
    }
  });
});
