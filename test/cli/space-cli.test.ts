// extent-lens space through the built CLI (dist/cli.js): the JSON shape of issue 13 (every
// byte count a decimal string, members in order), the table, per-path errors on stderr, usage.

import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { cli, ensureBuilt } from './run-cli';
import { makeLoopFs, skipReason, type LoopFs } from './loop';

const DEC = /^(0|[1-9][0-9]*)$/;

describe('extent-lens space: usage', () => {
  before(() => ensureBuilt());

  test('listed in --help, with its own --help; PATH is required, and may repeat', () => {
    assert.match(cli(['--help']).stdout, /^ {2}space +Account the disk space/m);
    const h = cli(['space', '--help']);
    assert.equal(h.code, 0);
    assert.match(h.stdout, /^usage: extent-lens space PATH\.\.\. \[--exact-scan\] \[--json\]/);
    const r = cli(['space']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /missing PATH/);
    assert.match(h.stdout, /Exit status \(as du\): 0 when every path was accounted for, 1 when some could not be/);
  });

  test('exit status: 0 when every path was accounted for; 1 when one was not, the rest still printed (table and JSON)', () => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), 'el-space-exit-'));
    try {
      fs.writeFileSync(path.join(d, 'f'), Buffer.alloc(8192, 1));
      const ok = cli(['space', d]);
      assert.equal(ok.code, 0, ok.stderr);
      assert.equal(ok.stderr, '');
      const missing = path.join(d, 'gone');
      const bad = cli(['space', d, missing]);
      assert.equal(bad.code, 1);
      assert.match(bad.stdout, /^total: 1 file, size 8192 /m);
      assert.match(bad.stdout, /1 path could not be accounted for \(listed on stderr\)/);
      assert.match(bad.stderr, /^extent-lens space: .*gone.*\(ENOENT\)\.$/m);
      const j = cli(['space', missing, d, '--json']);
      assert.equal(j.code, 1);
      const doc = JSON.parse(j.stdout);
      assert.equal(doc.total.files, 1);
      assert.deepEqual(
        doc.errors.map((e: { code: string }) => e.code),
        ['ENOENT'],
      );
      assert.match(j.stderr, /\(ENOENT\)/);
    } finally {
      fs.rmSync(d, { recursive: true, force: true });
    }
  });
});

describe('extent-lens space: special files and paths that cannot be read (as du)', () => {
  let d: string;
  before(() => {
    ensureBuilt();
    d = fs.mkdtempSync(path.join(os.tmpdir(), 'el-space-special-'));
    fs.writeFileSync(path.join(d, 'f'), Buffer.alloc(8192, 1));
    execFileSync('mkfifo', [path.join(d, 'pipe')]);
  });
  after(() => fs.rmSync(d, { recursive: true, force: true }));

  test('a FIFO met in a folder is a note on stderr, exit 0; JSON "failed":false', () => {
    const r = cli(['space', d]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^extent-lens space: note: .*pipe is a FIFO \(named pipe\), not a regular file; skipped \(E_NOT_REGULAR\)\.$/m);
    assert.match(r.stdout, /^total: 1 file, size 8192 /m);
    assert.match(r.stdout, /^1 special file \(FIFO, socket, device\) skipped \(noted on stderr\)$/m);
    assert.doesNotMatch(r.stdout, /could not be accounted for/);
    const j = cli(['space', d, '--json']);
    assert.equal(j.code, 0, j.stderr);
    assert.deepEqual(
      JSON.parse(j.stdout).errors.map((e: { code: string; failed: boolean }) => [e.code, e.failed]),
      [['E_NOT_REGULAR', false]],
    );
  });

  test('named directly, a FIFO is a failure; when no named path could be read only the errors are printed, exit 1', () => {
    for (const args of [[path.join(d, 'pipe')], [path.join(d, 'gone')], [path.join(d, 'gone'), path.join(d, 'pipe')]]) {
      const r = cli(['space', ...args]);
      assert.equal(r.code, 1, r.stderr);
      assert.equal(r.stdout, '', 'no empty report');
      assert.equal(r.stderr.trim().split('\n').length, args.length, r.stderr);
      assert.doesNotMatch(r.stderr, /note:/);
      const j = cli(['space', ...args, '--json']);
      assert.equal(j.code, 1);
      const doc = JSON.parse(j.stdout);
      assert.equal(doc.total.files, 0);
      assert.equal(doc.errors.length, args.length);
      for (const e of doc.errors) assert.equal(e.failed, true);
    }
    // a named path that fails beside one that is read: the report of the rest, exit 1
    const mixed = cli(['space', path.join(d, 'pipe'), path.join(d, 'f')]);
    assert.equal(mixed.code, 1);
    assert.match(mixed.stdout, /^1 path could not be accounted for \(listed on stderr\)$/m);
  });
});

// (files whose sharing is unknown, shown as "unknown": over SMB, test/smb/space-samba.test.ts)
describe('extent-lens space on tmpfs (real tmpfs: SEEK-only maps, no physical offsets)', () => {
  before(() => ensureBuilt());

  test('tmpfs cannot share blocks: exclusive is what each file holds, and the answer is exact', () => {
    const d = fs.mkdtempSync('/dev/shm/el-space-cli-');
    try {
      fs.writeFileSync(path.join(d, 'f'), Buffer.alloc(8192, 1));
      const t = cli(['space', d]);
      assert.equal(t.code, 0, t.stderr);
      assert.match(t.stdout, /^ *8192 +8192 +0 +8192 +0 +\/dev\/shm\/.*\/f$/m);
      assert.match(t.stdout, /^ {2}allocated 8192 \(8 KiB\), shared 0 bytes, exclusive 8192 \(8 KiB\), unique 8192 \(8 KiB\)$/m);
      assert.match(t.stdout, /^ {2}deleting it frees 8192 \(8 KiB\)$/m);
      assert.match(t.stdout, /^note: tmpfs: exact: tmpfs cannot share blocks between files/m);
      assert.doesNotMatch(t.stdout, /unknown|no physical offsets/);
      const j = JSON.parse(cli(['space', d, '--json']).stdout);
      assert.equal(j.files[0].sharingUnknown, undefined);
      assert.equal(j.files[0].exclusive, '8192');
      assert.deepEqual([j.total.exclusive, j.total.reclaimable, j.total.reclaimableExact], ['8192', '8192', true]);
      assert.ok(
        !j.fileSystems[0].notes.some((n: string) => /more than (its|their) maps? shows?/.test(n)),
        'data blocks only: no such note',
      );
    } finally {
      fs.rmSync(d, { recursive: true, force: true });
    }
  });

  test("a file's last, partial page is held whole: allocated as du says, and what deleting frees is what statfs shows freed", () => {
    // a tmpfs of its own (as root), so no other program's files move its free space
    const d = fs.mkdtempSync(path.join(os.tmpdir(), 'el-space-tmpfs-'));
    const own = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=16m', 'tmpfs', d]).status === 0;
    try {
      const sel = path.join(d, 'one');
      fs.mkdirSync(sel);
      fs.writeFileSync(path.join(sel, 'a'), '\n');
      fs.writeFileSync(path.join(sel, 'b'), Buffer.alloc(5000, 7));
      const f = path.join(d, 'reserved.bin');
      assert.equal(spawnSync('fallocate', ['-l', '1MiB', f]).status, 0);
      for (const args of [[sel], [path.join(sel, 'a'), path.join(sel, 'b')]]) {
        const j = JSON.parse(cli(['space', ...args, '--json']).stdout);
        assert.deepEqual(
          j.files.map((x: { allocated: string }) => x.allocated),
          ['4096', '8192'],
          args.join(' '),
        );
      }
      const before = fs.statfsSync(d, { bigint: true });
      const j = JSON.parse(cli(['space', sel, f, '--json']).stdout);
      assert.equal(j.total.allocated, String(4096 + 8192 + 1048576));
      fs.rmSync(sel, { recursive: true });
      fs.rmSync(f);
      const after = fs.statfsSync(d, { bigint: true });
      if (own) assert.equal(String((after.bfree - before.bfree) * after.bsize), j.total.reclaimableMax, 'freed, measured');
    } finally {
      if (own) spawnSync('umount', [d]);
      fs.rmSync(d, { recursive: true, force: true });
    }
  });

  test('pages fallocate reserved (in the block count, holes to SEEK_DATA): a note with the bytes, by both walks', () => {
    const d = fs.mkdtempSync('/dev/shm/el-space-cli-');
    try {
      const f = path.join(d, 'reserved.bin');
      assert.equal(spawnSync('fallocate', ['-l', '4MiB', f]).status, 0);
      const fd = fs.openSync(f, 'r+');
      fs.writeSync(fd, Buffer.alloc(1048576, 3), 0, 1048576, 2097152);
      fs.closeSync(fd);
      fs.writeFileSync(path.join(d, 'plain'), Buffer.alloc(8192, 1));
      // the folder (the backend's own walk: statx's block count) and the files named (walk.ts, then the engine's map)
      for (const args of [[d], [f, path.join(d, 'plain')]]) {
        const t = cli(['space', ...args]);
        assert.equal(t.code, 0, t.stderr);
        // preallocated, so allocated (as du counts them)
        assert.match(t.stdout, /^ *4194304 +4194304 +0 +4194304 +0 +\/dev\/shm\/.*\/reserved\.bin$/m);
        assert.match(
          t.stdout,
          /^note: tmpfs: One file holds 3145728 bytes \(3 MiB\) more than its map shows: tmpfs counts them on disk \(the block count, du too\), but reports them as holes .* They are counted as allocated, as preallocated data is; no map shows where they are\.$/m,
          args.join(' '),
        );
      }
    } finally {
      fs.rmSync(d, { recursive: true, force: true });
    }
  });
});

describe('extent-lens space on btrfs', { skip: skipReason('btrfs') }, () => {
  let fsys: LoopFs;
  let d: string;
  before(() => {
    ensureBuilt();
    fsys = makeLoopFs('btrfs');
    d = path.join(fsys.mnt, 'tree');
    fs.mkdirSync(path.join(d, 'sub'), { recursive: true });
    fs.writeFileSync(path.join(d, 'a'), Buffer.alloc(512 * 1024, 7));
    execFileSync('cp', ['--reflink=always', path.join(d, 'a'), path.join(d, 'sub', 'a-clone')]);
    fs.writeFileSync(path.join(d, 'own'), Buffer.alloc(128 * 1024, 9));
    execFileSync('sync');
  });
  after(() => fsys?.cleanup());

  test('--json: compressed (zstd) data is counted uncompressed, and how much of it is said (encoded)', () => {
    const comp = path.join(fsys.mnt, 'comp');
    fs.mkdirSync(comp);
    execFileSync('btrfs', ['property', 'set', comp, 'compression', 'zstd']);
    fs.writeFileSync(path.join(comp, 'z'), Buffer.alloc(1024 * 1024, 0x61));
    execFileSync('sync');
    const j = JSON.parse(cli(['space', comp, '--json']).stdout);
    assert.equal(j.files[0].allocated, String(1024 * 1024), 'counted at its uncompressed length, as btrfs filesystem du does');
    assert.equal(j.files[0].encoded, String(1024 * 1024));
    assert.equal(j.fileSystems[0].encoded, String(1024 * 1024));
    // uncompressed data says nothing of it
    const plain = JSON.parse(cli(['space', path.join(d, 'own'), '--json']).stdout);
    assert.equal(plain.files[0].encoded, undefined);
    assert.equal(plain.fileSystems[0].encoded, undefined);
  });

  test('--json: exactly the issue shape, decimal strings, members in order', () => {
    const r = cli(['space', d, '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    const j = JSON.parse(r.stdout);
    assert.deepEqual(Object.keys(j).slice(0, 2), ['files', 'total']);
    assert.equal(j.files.length, 3);
    for (const f of j.files) {
      assert.deepEqual(Object.keys(f).slice(0, 5), ['path', 'size', 'allocated', 'shared', 'exclusive']);
      for (const k of ['size', 'allocated', 'shared', 'exclusive']) assert.match(f[k], DEC, k);
      assert.equal(BigInt(f.exclusive), BigInt(f.allocated) - BigInt(f.shared));
    }
    assert.deepEqual(Object.keys(j.total), [
      'files',
      'size',
      'allocated',
      'shared',
      'exclusive',
      'unique',
      'reclaimable',
      'reclaimableExact',
      'reclaimableMax',
      'reclaimableBounds',
    ]);
    assert.equal(j.total.files, 3);
    assert.equal(j.total.allocated, String(1152 * 1024));
    assert.equal(j.total.shared, String(1024 * 1024));
    assert.equal(j.total.exclusive, String(128 * 1024));
    assert.equal(j.total.unique, String(640 * 1024));
    // as root btrfs names every extent's owners: exact (a and its clone are both selected)
    assert.equal(j.total.reclaimableExact, true);
    assert.equal(j.total.reclaimable, String(640 * 1024));
    assert.equal(j.total.reclaimableMax, String(640 * 1024));
    assert.equal(j.total.reclaimableBounds, true);
    const a = j.files.find((f: { path: string }) => f.path === path.join(d, 'a'));
    assert.deepEqual(a.sharesWith, [{ path: path.join(d, 'sub', 'a-clone'), bytes: String(512 * 1024) }]);
    assert.equal(j.fileSystems[0].filesystem, 'btrfs');
    assert.deepEqual(j.errors, []);
    // --exact-scan is accepted (btrfs as root needs no scan: the owners are asked)
    const scanned = JSON.parse(cli(['space', d, '--exact-scan', '--json']).stdout);
    assert.deepEqual(scanned.total, j.total);
  });

  test('several paths as a user other than root: each path\'s estimate reads "roughly A to B", as the total\'s line', () => {
    // without root btrfs names no owners: each figure is an estimate from the bytes referenced
    // (the per-path column said "about A to B" while the total said "roughly A to B": a trial)
    for (const p of [path.dirname(fsys.mnt), fsys.mnt]) fs.chmodSync(p, 0o755);
    const sub = path.join(d, 'sub');
    const own = path.join(d, 'own');
    const r = cli(['space', sub, own], { uid: 65534, gid: 65534 });
    assert.equal(r.code, 0, r.stderr);
    const K = 1024;
    // sub/a-clone shares its 512 KiB with d/a (outside the paths): 0 to 512 KiB
    assert.match(r.stdout, new RegExp(`roughly 0 bytes to ${512 * K} \\(512 KiB\\)\\s+${sub}$`, 'm'));
    assert.match(r.stdout, /deleting it frees roughly /);
    assert.doesNotMatch(r.stdout, /about 0 bytes to/);
  });

  test("several paths: each one's files summed (a line per path, as btrfs filesystem du -s), nested and with a trailing slash", () => {
    // a trial: "which backup day costs how much" took one run per day
    const sub = path.join(d, 'sub');
    const own = path.join(d, 'own');
    const args = [d + '/', sub, own];
    const j = JSON.parse(cli(['space', ...args, '--json']).stdout);
    const K = 1024;
    // frees alone: a and sub/a-clone share their 512 KiB with each other, under two paths, so
    // deleting either path alone frees nothing of it (exact: btrfs as root names the owners)
    const alone = (bytes: number): Record<string, unknown> => ({
      reclaimable: String(bytes),
      reclaimableExact: true,
      reclaimableMax: String(bytes),
      reclaimableBounds: true,
    });
    const ownRow = { path: own, files: 1, size: String(128 * K), allocated: String(128 * K), shared: '0', exclusive: String(128 * K) };
    assert.deepEqual(j.paths, [
      // sub and own are inside d: d's line leaves their files out, and says so ("rm -rf d" frees more)
      {
        path: d + '/',
        files: 1,
        size: String(512 * K),
        allocated: String(512 * K),
        shared: String(512 * K),
        exclusive: '0',
        ...alone(0),
        without: [sub, own],
      },
      { path: sub, files: 1, size: String(512 * K), allocated: String(512 * K), shared: String(512 * K), exclusive: '0', ...alone(0) },
      { ...ownRow, ...alone(128 * K) },
    ]);
    // exclusive as btrfs filesystem du -s gives it per argument (own and sub are not nested in each other)
    for (const [k, p] of [
      [1, sub],
      [2, own],
    ] as const) {
      const du = execFileSync('btrfs', ['filesystem', 'du', '-s', '--raw', p], { encoding: 'utf8' })
        .trim()
        .split('\n')
        .pop()!
        .trim()
        .split(/\s+/);
      assert.equal(j.paths[k].exclusive, du[1], `${p}: ${du.join(' ')}`);
    }
    const human = cli(['space', ...args]).stdout;
    assert.match(human, /^per path given \(its files summed; a file under two of them counts under the deeper one;$/m);
    assert.match(human, /^files\s+allocated\s+shared\s+exclusive\s+frees alone\s+path$/m);
    assert.match(
      human,
      new RegExp(`^\\s+1\\s+131072 \\(128 KiB\\)\\s+0 bytes\\s+131072 \\(128 KiB\\)\\s+131072 \\(128 KiB\\)\\s+${own}$`, 'm'),
    );
    assert.match(human, new RegExp(`^\\s+1\\s+524288 \\(512 KiB\\)\\s+524288 \\(512 KiB\\)\\s+0 bytes\\s+0 bytes\\s+${sub}$`, 'm'));
    assert.match(
      human,
      new RegExp(
        `^\\s+1\\s+524288 \\(512 KiB\\)\\s+524288 \\(512 KiB\\)\\s+0 bytes\\s+0 bytes\\s+${d}/ \\(without ${sub}, ${own}\\)$`,
        'm',
      ),
    );
    assert.match(human, /^a path "\(without …\)" leaves out the files of the paths given inside it \(they have their own line\);$/m);
    assert.match(human, /^deleting the whole folder deletes those too and frees more: run space on it alone for that$/m);
    // a path that could not be read is said so, not shown as an empty folder
    const gone = cli(['space', own, path.join(d, 'nosuch')]);
    assert.match(gone.stdout, new RegExp(`^\\s+-\\s+not read \\(see above\\)\\s+${path.join(d, 'nosuch')}$`, 'm'));
    // one path: its entry in JSON is the totals (as before), no table (the total says it)
    assert.deepEqual(JSON.parse(cli(['space', own, '--json']).stdout).paths, [{ ...ownRow, ...alone(128 * K) }]);
    assert.doesNotMatch(cli(['space', d]).stdout, /per path given/);
    // paths not inside one another: no "without", no footnote
    assert.ok(j.paths.slice(1).every((x: { without?: unknown }) => x.without === undefined));
    assert.doesNotMatch(cli(['space', sub, own]).stdout, /without|\(without/);
  });

  test('two file systems: each accounted apart and named by its type and where it is mounted', () => {
    const other = fs.mkdtempSync(path.join(os.tmpdir(), 'el-space-2fs-'));
    try {
      fs.writeFileSync(path.join(other, 'f'), Buffer.alloc(8192, 1));
      const mp = execFileSync('findmnt', ['-n', '-o', 'TARGET', '--target', other], { encoding: 'utf8' }).trim();
      const r = cli(['space', d, other]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`^btrfs on ${fsys.mnt}: 3 files, `, 'm'));
      assert.match(r.stdout, new RegExp(`^\\S+ on ${mp}: 1 file, size 8192 `, 'm'));
      assert.doesNotMatch(r.stdout, /dev:\d/, 'no st_dev keys for people');
      // a file system's notes name it the same way (two XFS mounts' notes read alike otherwise)
      assert.match(r.stdout, new RegExp(`^note: btrfs on ${fsys.mnt}: exact: BTRFS_IOC_LOGICAL_INO_V2`, 'm'));
      assert.doesNotMatch(r.stdout, /^note: btrfs: /m);
      const j = JSON.parse(cli(['space', d, other, '--json']).stdout);
      assert.deepEqual(
        j.fileSystems.map((f: { mountPoint: string }) => f.mountPoint),
        [fsys.mnt, mp],
      );
    } finally {
      fs.rmSync(other, { recursive: true, force: true });
    }
  });

  test('map of a small file btrfs keeps inline: said so, not "blocks are allocated whole"', () => {
    const f = path.join(fsys.mnt, 'inline.txt');
    fs.writeFileSync(f, 'hello');
    execFileSync('sync');
    const r = cli(['map', f]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /inline/);
    assert.match(r.stdout, /\(the 5 bytes are kept inline in the file system's metadata, with no block of their own\)/);
    assert.doesNotMatch(r.stdout, /blocks are allocated whole/);
  });

  test('the table, and a missing path reported on stderr while the rest is accounted', () => {
    const missing = path.join(d, 'nope');
    const r = cli(['space', d, missing]);
    assert.equal(r.code, 1, 'a path that could not be accounted for: exit 1, as du');
    assert.match(r.stdout, /^ *size +allocated +shared +exclusive +shares +path$/m);
    assert.match(r.stdout, /^total: 3 files, size 1179648 \(1\.13 MiB\)\n {2}allocated .*, unique 655360 \(640 KiB\)\n/m);
    assert.match(r.stdout, /^ {2}deleting it frees 655360 \(640 KiB\)$/m);
    assert.match(r.stdout, /note: btrfs: exact: BTRFS_IOC_LOGICAL_INO_V2/);
    assert.match(r.stderr, /^extent-lens space: .*nope.*\(ENOENT\)/m);
    const j = JSON.parse(cli(['space', d, missing, '--json']).stdout);
    assert.deepEqual(
      j.errors.map((e: { path: string; code: string }) => [e.path, e.code]),
      [[missing, 'ENOENT']],
    );
  });

  test('data that runs to 2^63 - 1: ranges gives it (btrfs answers SEEK_HOLE there with -2^63), map and space agree', () => {
    const f = path.join(fsys.mnt, 'edge63');
    const at = 2n ** 63n - 4096n;
    execFileSync('xfs_io', ['-f', '-c', `pwrite -q ${at} 4095`, f]);
    try {
      const r = JSON.parse(cli(['ranges', f, '--json']).stdout);
      assert.equal(r.size, String(2n ** 63n - 1n));
      assert.deepEqual(r.ranges, [{ offset: String(at), length: '4095' }]);
      const m = JSON.parse(cli(['map', f, '--json']).stdout);
      assert.deepEqual(
        m.extents.map((x: { offset: string }) => x.offset),
        [String(at)],
      );
    } finally {
      fs.rmSync(f);
    }
  });

  test('a name given twice (or spelt d/../d/f) is one name: a file with a link outside stays kept, no hard link counted', () => {
    const dir = path.join(fsys.mnt, 'twice');
    fs.mkdirSync(dir);
    try {
      fs.writeFileSync(path.join(dir, 'a'), Buffer.alloc(256 * 1024, 5));
      fs.linkSync(path.join(dir, 'a'), path.join(fsys.mnt, 'a-link-outside'));
      execFileSync('sync');
      for (const args of [
        [path.join(dir, 'a'), path.join(dir, 'a')],
        [path.join(dir, 'a'), path.join(dir, '..', 'twice', 'a'), dir],
      ]) {
        const j = JSON.parse(cli(['space', ...args, '--json']).stdout);
        assert.equal(j.total.files, 1, args.join(' '));
        assert.equal(j.total.reclaimable, '0', 'the link outside keeps it');
        assert.equal(j.hardLinks ?? 0, 0, 'the same name met again is not a hard link');
      }
      // the link itself named too: then both names are in the selection
      const both = JSON.parse(cli(['space', path.join(dir, 'a'), path.join(fsys.mnt, 'a-link-outside'), '--json']).stdout);
      assert.equal(both.total.reclaimable, String(256 * 1024));
      assert.equal(both.hardLinks, 1);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
      fs.rmSync(path.join(fsys.mnt, 'a-link-outside'), { force: true });
    }
  });
});
