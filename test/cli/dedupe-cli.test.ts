// extent-lens dedupe through the built CLI (dist/cli.js): usage, the JSON shape of issue 14
// (decimal strings; the apply members only with --apply), the table with its total, exit 0,
// the byte-size grammar for --chunk and --min-size; on btrfs, blocks a file outside the
// selection also holds: one figure as root (LOGICAL_INO_V2 names it), a range with "at least"
// and the EPERM note as nobody; ext4 refuses. Ctrl-C: dedupe-cli-interrupt.test.ts.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { cli, ensureBuilt } from './run-cli';
import { makeLoopFs, skipReason, type LoopFs } from './loop';

const DEC = /^(0|[1-9][0-9]*)$/;

describe('extent-lens dedupe: usage', () => {
  before(() => ensureBuilt());

  test('listed in --help with its options; PATH is required; a bad --chunk is a usage error', () => {
    assert.match(cli(['--help']).stdout, /^ {2}dedupe +Find identical data/m);
    const h = cli(['dedupe', '--help']);
    assert.equal(h.code, 0);
    assert.match(h.stdout, /^usage: extent-lens dedupe PATH\.\.\. \[--apply\] \[--chunk SIZE\] \[--min-size SIZE\] \[--json\]/);
    assert.equal(cli(['dedupe']).code, 2);
    const bad = cli(['dedupe', '/tmp', '--chunk', 'lots']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--chunk: "lots" is not a byte count/);
  });
});

describe('extent-lens dedupe: exit status, special files and paths that cannot be read (as space)', () => {
  let d: string;
  before(() => {
    ensureBuilt();
    d = fs.mkdtempSync(path.join(os.tmpdir(), 'el-dedupe-exit-'));
    const a = randomBytes(64 * 1024);
    fs.writeFileSync(path.join(d, 'a'), a);
    fs.writeFileSync(path.join(d, 'b'), a);
    execFileSync('mkfifo', [path.join(d, 'pipe')]);
  });
  after(() => fs.rmSync(d, { recursive: true, force: true }));

  test('a FIFO in a folder is a note, exit 0; a missing path beside it: the groups still printed, exit 1', () => {
    const r = cli(['dedupe', d]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^extent-lens dedupe: note: .*pipe is a FIFO \(named pipe\), not a regular file; skipped \(E_NOT_REGULAR\)\.$/m);
    assert.match(r.stdout, /^total: 1 group \(2 files examined\)/m);
    assert.match(r.stdout, /^1 special file \(FIFO, socket, device\) skipped \(noted on stderr\)$/m);
    const gone = path.join(d, 'gone');
    const m = cli(['dedupe', d, gone]);
    assert.equal(m.code, 1, m.stderr);
    assert.match(m.stdout, /^total: 1 group \(2 files examined\)/m);
    assert.match(m.stdout, /^1 path could not be examined \(listed on stderr\)$/m);
    assert.match(m.stderr, /^extent-lens dedupe: .*gone.*\(ENOENT\)\.$/m);
    const j = cli(['dedupe', d, gone, '--json']);
    assert.equal(j.code, 1);
    const doc = JSON.parse(j.stdout);
    assert.equal(doc.groups.length, 1);
    assert.deepEqual(
      doc.errors.map((e: { code: string; failed: boolean }) => [e.code, e.failed]),
      [
        ['E_NOT_REGULAR', false],
        ['ENOENT', true],
      ],
    );
  });

  test('a missing path or a FIFO named alone: only the error, exit 1 (not "no duplicate data found")', () => {
    for (const p of [path.join(d, 'gone'), path.join(d, 'pipe')]) {
      const r = cli(['dedupe', p]);
      assert.equal(r.code, 1, r.stderr);
      assert.equal(r.stdout, '');
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      const j = cli(['dedupe', p, '--json']);
      assert.equal(j.code, 1);
      assert.equal(JSON.parse(j.stdout).errors[0].failed, true);
    }
  });
});

describe('extent-lens dedupe on XFS', { skip: skipReason('xfs') }, () => {
  let fsys: LoopFs;
  let d: string;
  before(() => {
    ensureBuilt();
    fsys = makeLoopFs('xfs');
    d = path.join(fsys.mnt, 'tree');
    fs.mkdirSync(d);
    const a = randomBytes(300 * 1024);
    fs.writeFileSync(path.join(d, 'a'), a);
    fs.writeFileSync(path.join(d, 'b'), a);
    fs.writeFileSync(path.join(d, 'tiny'), 'x'); // below --min-size
    execFileSync('sync');
  });
  after(() => fsys?.cleanup());

  test('a --chunk that is not a multiple of the block size (4096 here) is a usage error, known once the file system is open', () => {
    const r = cli(['dedupe', d, '--chunk', '6k', '--apply']);
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^extent-lens dedupe: --chunk: the chunk size 6144 is not a multiple of the block size of xfs \(4096 bytes\)/m);
    assert.match(r.stderr, /\nusage: extent-lens dedupe .*\nRun 'extent-lens dedupe --help' for its options\.\n$/);
    const j = cli(['dedupe', d, '--chunk', '6k', '--json']);
    assert.equal(j.code, 2);
    assert.equal(JSON.parse(j.stdout).error.code, 'E_USAGE');
  });

  test('preview: the JSON shape, nothing changed; then --apply frees what it said', () => {
    const r = cli(['dedupe', d, '--chunk', '64 KiB', '--min-size', '1K', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.equal(j.groups.length, 1);
    const g = j.groups[0];
    assert.equal(g.length, String(300 * 1024));
    assert.deepEqual(g.ranges.map((x: { path: string }) => path.basename(x.path)).sort(), ['a', 'b']);
    for (const x of g.ranges) assert.match(x.offset, DEC);
    assert.equal(g.netSaving, String(300 * 1024));
    assert.equal(j.total.groups, 1);
    assert.equal(j.total.candidateBytes, String(300 * 1024));
    assert.equal(j.total.netSaving, String(300 * 1024));
    assert.equal(j.total.netSavingMin, String(300 * 1024), 'nothing shared elsewhere: the bound is the saving');
    assert.equal(g.netSavingMin, String(300 * 1024));
    assert.equal(j.total.deduped, undefined);
    assert.equal(j.total.freed, undefined);
    assert.ok(j.notes.some((n: string) => /^1 file was smaller than the minimum size and not examined\.$/.test(n)));
    assert.ok(!j.notes.some((n: string) => /--min-size|\d{5,} bytes/.test(n)), 'notes name no flag and no raw byte count');
    assert.equal(j.cannotApply, undefined);
    assert.equal(g.candidateBytes, String(300 * 1024));

    const applied = cli(['dedupe', d, '--apply', '--json']);
    assert.equal(applied.code, 0, applied.stderr);
    const k = JSON.parse(applied.stdout);
    assert.match(k.total.deduped, DEC);
    assert.equal(k.total.deduped, String(300 * 1024));
    assert.equal(k.total.differed, 0);
    assert.equal(k.total.freed, String(300 * 1024));
    assert.deepEqual(k.skipped, []);

    const table = cli(['dedupe', d]);
    assert.equal(table.code, 0);
    assert.match(table.stdout, /already shared/);
    assert.match(
      table.stdout,
      /^total: 1 group \(2 files examined\), duplicate 307200 \(300 KiB\), of which already shared 307200 \(300 KiB\), net saving 0 /m,
    );
    assert.doesNotMatch(table.stdout, /--apply/, 'nothing to free: --apply not suggested');
    // applied again: the range already shares a's blocks; no call, nothing claimed as deduplicated
    const again = JSON.parse(cli(['dedupe', d, '--apply', '--json']).stdout);
    assert.equal(again.total.deduped, '0');
    assert.equal(again.total.calls, 0);
  });

  test("files of root, run as nobody: they are only ever sources (the kernel would refuse them), nobody's copy moves to them", () => {
    const e = path.join(fsys.mnt, 'not-yours');
    fs.mkdirSync(e, { mode: 0o755 });
    for (const dir of [path.dirname(fsys.mnt), fsys.mnt]) fs.chmodSync(dir, 0o755); // the test's folders: reachable by nobody
    const data = randomBytes(64 * 1024);
    // nobody may read root's files but change neither (only an owner, a writer or root may
    // dedupe into a file); the copy is nobody's own
    fs.writeFileSync(path.join(e, 'a'), data, { mode: 0o644 });
    fs.writeFileSync(path.join(e, 'b'), data, { mode: 0o644 });
    fs.writeFileSync(path.join(e, 'mine'), data, { mode: 0o644 });
    fs.chownSync(path.join(e, 'mine'), 65534, 65534);
    execFileSync('sync');
    const r = cli(['dedupe', e, '--apply', '--json'], { uid: 65534, gid: 65534 });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const j = JSON.parse(r.stdout);
    assert.equal(j.groups.length, 1);
    const names = j.groups[0].ranges.map((x: { path: string }) => path.basename(x.path));
    assert.ok(names[0] === 'a' || names[0] === 'b', `the source is root's: ${names.join(', ')}`);
    assert.deepEqual(names.slice(1), ['mine'], 'the other root file is left out (warned), not refused');
    assert.equal(j.groups[0].netSaving, String(64 * 1024));
    assert.deepEqual(j.skipped, []);
    assert.equal(j.total.deduped, String(64 * 1024));
    assert.match(j.groups[0].warnings.join(' '), /1 more range is in files the kernel will not change for this user/);
    // ... and listed, read-only, so every file holding the data is named (the source is root's too)
    assert.equal(j.groups[0].ranges[0].readOnly, true);
    assert.deepEqual(
      j.groups[0].readOnly.map((x: { path: string; readOnly: boolean }) => [path.basename(x.path), x.readOnly]),
      [[names[0] === 'a' ? 'b' : 'a', true]],
    );
    const table = cli(['dedupe', e], { uid: 65534, gid: 65534 });
    assert.match(table.stdout, /\s0\s+source \(file\), read-only\s+\S+\/[ab]$/m);
    assert.match(table.stdout, /^\s+0\s+read-only \(left as is\)\s+\S+\/[ab]$/m);
    assert.ok(!j.notes.some((n: string) => /more set of identical data/.test(n)), 'said once, in the group (not again for its chunks)');
    // copies only among root's files: nothing could be attempted, said so (not "no duplicate data
    // found" alone), and --apply fails (exit 1) saying what would let it
    fs.rmSync(path.join(e, 'mine'));
    const t = cli(['dedupe', e, '--apply'], { uid: 65534, gid: 65534 });
    assert.equal(t.code, 1, t.stdout + t.stderr);
    assert.match(t.stderr, /^extent-lens dedupe: nothing was shared: the 1 set .* run as the files' owner or as root\.$/m);
    assert.match(
      t.stdout,
      /^no duplicate data that can be shared here: the 1 set of identical data found is in files this user may not change/m,
    );
    assert.doesNotMatch(t.stdout, /^no duplicate data found/m);
    assert.match(t.stdout, /note: 1 set of identical data lies only in files the kernel will not change for this user/);
    assert.equal(JSON.parse(cli(['dedupe', e, '--json'], { uid: 65534, gid: 65534 }).stdout).total.lockedIn, 1);
  });

  test('an immutable copy is the source, not a refused destination: exit 0', (t) => {
    const e = path.join(fsys.mnt, 'immutable');
    fs.mkdirSync(e);
    const data = randomBytes(64 * 1024);
    fs.writeFileSync(path.join(e, 'a'), data);
    fs.writeFileSync(path.join(e, 'b'), data);
    execFileSync('sync');
    try {
      execFileSync('chattr', ['+i', path.join(e, 'a')]);
    } catch {
      return t.skip('chattr +i is not available here');
    }
    try {
      const r = cli(['dedupe', e, '--apply']);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /source \(file\), read-only +\S*immutable\/a$/m); // it stays as it is
      assert.match(r.stdout, /shared 65536 \(64 KiB\) in 1 call, 0 ranges differed; freed /);
    } finally {
      execFileSync('chattr', ['-i', path.join(e, 'a')]);
    }
  });

  test('freed below an exact estimate: the extent maps XFS grew are why, said in the note on freed', () => {
    // b: a's 100 blocks with every other one changed; sharing the other 50 splits b into 100
    // extents, more than its inode holds, so XFS gives b's extent map blocks of its own (the
    // fuzzer's trees: estimates exact for the data, freed a few blocks lower)
    const e = path.join(fsys.mnt, 'split');
    fs.mkdirSync(e);
    const a = randomBytes(400 * 1024);
    const b = Buffer.from(a);
    for (let i = 1; i < 100; i += 2) randomBytes(4096).copy(b, i * 4096);
    fs.writeFileSync(path.join(e, 'a'), a);
    fs.writeFileSync(path.join(e, 'b'), b);
    execFileSync('sync');
    const r = cli(['dedupe', e, '--chunk', '4k', '--apply']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const m =
      /shared 204800 \(200 KiB\) in \d+ calls?, 0 ranges differed; freed (-?\d+) .*measured \(estimated 204800 \(200 KiB\)\)$/m.exec(
        r.stdout,
      );
    assert.ok(m, r.stdout);
    assert.ok(BigInt(m[1]) < 204800n, `freed ${m[1]}: b's extent map took blocks`);
    assert.match(
      r.stdout,
      /XFS keeps the extent map of a file in more than about 20 extents in blocks of its own, so it can free a few blocks less than estimated/,
    );
    assert.equal(
      execFileSync('filefrag', [path.join(e, 'b')], { encoding: 'utf8' })
        .trim()
        .endsWith('100 extents found'),
      true,
    );
  });
});

describe('extent-lens dedupe on btrfs: blocks a file outside the selection also holds', { skip: skipReason('btrfs', ['xfs_io']) }, () => {
  let fsys: LoopFs;
  let sel: string;
  const MiB = 1024 * 1024;
  before(() => {
    ensureBuilt();
    fsys = makeLoopFs('btrfs');
    for (const dir of [path.dirname(fsys.mnt), fsys.mnt]) fs.chmodSync(dir, 0o755); // reachable by nobody
    sel = path.join(fsys.mnt, 'sel');
    const out = path.join(fsys.mnt, 'out');
    fs.mkdirSync(sel, { mode: 0o755 });
    fs.mkdirSync(out, { mode: 0o755 });
    const data = randomBytes(4 * MiB);
    for (const n of ['a', 'b', 'c']) {
      fs.writeFileSync(path.join(sel, n), data, { mode: 0o644 });
      fs.chownSync(path.join(sel, n), 65534, 65534); // nobody's, so nobody may dedupe them (below)
    }
    execFileSync('sync');
    // out/cclone holds all of c's extent, out/bpart part of b's (btrfs keeps an extent whole)
    execFileSync('cp', ['--reflink=always', path.join(sel, 'c'), path.join(out, 'cclone')]);
    execFileSync('xfs_io', ['-f', '-c', `reflink ${path.join(sel, 'b')} ${MiB} 0 ${MiB}`, path.join(out, 'bpart')]);
    execFileSync('sync');
  });
  after(() => fsys?.cleanup());

  test('as root the file system names them: one figure; as nobody a range, "at least", and a note that says why', () => {
    const root = JSON.parse(cli(['dedupe', sel, '--json']).stdout);
    assert.equal(root.total.netSaving, String(4 * MiB));
    assert.equal(root.total.netSavingMin, root.total.netSaving);
    assert.ok(
      root.groups[0].warnings.some(
        (w: string) =>
          w.includes(`outside the selection (e.g. ${path.join(fsys.mnt, 'out')}/cclone)`) ||
          w.includes(`outside the selection (e.g. ${path.join(fsys.mnt, 'out')}/bpart)`),
      ),
      root.groups[0].warnings.join('\n'),
    );
    const human = cli(['dedupe', sel]);
    assert.equal(human.code, 0, human.stderr);
    assert.doesNotMatch(human.stdout, /at least/);
    assert.match(human.stdout, /note: Who else references the shared blocks was asked of the file system \(BTRFS_IOC_LOGICAL_INO_V2\)/);

    const r = cli(['dedupe', sel], { uid: 65534, gid: 65534 });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /net saving 8388608 \(8 MiB\), at least 4194304 \(4 MiB\)/);
    assert.match(
      r.stdout,
      /note: Who else references the shared blocks could not be asked, so the saving is a range: btrfs: the exact figure needs root: .*\(EPERM\)/,
    );
  });

  test('--apply: the note on freed names how btrfs keeps its metadata, not XFS (a trial: "XFS keeps…" on btrfs)', () => {
    const r = cli(['dedupe', sel, '--apply']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(
      r.stdout,
      /own metadata \(sharing splits files into more extents: btrfs frees checksums and extent items with the extents it frees\)\.$/m,
    );
    assert.doesNotMatch(r.stdout, /XFS/);
  });
});

/** filefrag -v's extent rows of a file (logical, physical, length, flags). */
const extentLines = (f: string): string[] =>
  execFileSync('filefrag', ['-v', f], { encoding: 'utf8' })
    .split('\n')
    .filter((l) => /^\s*\d+:/.test(l));

describe('extent-lens dedupe on ext4', { skip: skipReason('ext4') }, () => {
  let fsys: LoopFs;
  before(() => {
    ensureBuilt();
    fsys = makeLoopFs('ext4');
    const a = randomBytes(64 * 1024);
    fs.writeFileSync(path.join(fsys.mnt, 'a'), a);
    fs.writeFileSync(path.join(fsys.mnt, 'b'), a);
    execFileSync('sync');
  });
  after(() => fsys?.cleanup());

  test('the preview says up front that ext4 cannot deduplicate, lists the identical data, claims no saving', () => {
    const why = 'ext4 cannot share blocks (EOPNOTSUPP): use btrfs, or XFS made with reflink=1 (over SMB: a share on one of those).';
    const table = cli(['dedupe', fsys.mnt]);
    assert.equal(table.code, 0, table.stderr);
    assert.doesNotMatch(table.stdout, /run again with --apply/);
    const lines = table.stdout.split('\n');
    assert.equal(lines[0], `cannot deduplicate here: ${why} The identical data below is listed, but sharing it frees nothing there.`);
    // the group, its saving 0 and why; the total says no saving, and why, next to the duplicate bytes
    assert.match(table.stdout, /^\s+1\s+0 \(cannot share\)\s+65536\s+0\s+source \(file\)\s+\S+\/[ab]$/m);
    assert.match(
      table.stdout,
      /^total: 1 group \(2 files examined\), duplicate 65536 \(64 KiB\), net saving 0 bytes \(this file system cannot share blocks: see the first line\)/m,
    );
    assert.doesNotMatch(table.stdout, /net saving 65536|frees about/);
    assert.match(table.stdout, /^nothing was changed; --apply cannot share the groups there \(see the first line\)$/m);
    const j = JSON.parse(cli(['dedupe', fsys.mnt, '--json']).stdout);
    assert.equal(j.cannotApply.length, 1);
    assert.equal(j.cannotApply[0].code, 'EOPNOTSUPP');
    assert.equal(j.cannotApply[0].message, why);
    assert.equal(j.groups[0].cannotShare, why);
    assert.equal(j.groups[0].netSaving, '0');
    assert.equal(j.groups[0].candidateBytes, '65536');
    assert.equal(j.total.netSaving, '0');
    assert.equal(j.total.candidateBytes, '65536');
    // --apply: refused before any change, exit 1, the groups still shown with why
    const applied = cli(['dedupe', fsys.mnt, '--apply']);
    assert.equal(applied.code, 1, applied.stderr);
    assert.match(applied.stderr, /^extent-lens dedupe: ext4 cannot share blocks \(EOPNOTSUPP\)/m);
    assert.match(applied.stdout, /^total: 1 group \(2 files examined\)/m);
    assert.match(applied.stdout, /^cannot deduplicate here: ext4 cannot share blocks/);
    assert.doesNotMatch(table.stdout, /--apply refuses the whole plan/, 'every group is on ext4: nothing else to share');
  });

  test(
    'with groups on XFS too: --apply shares those, leaves the ext4 group alone and says so (exit 1)',
    { skip: skipReason('xfs') },
    () => {
      const xfs = makeLoopFs('xfs');
      try {
        const a = randomBytes(256 * 1024);
        fs.writeFileSync(path.join(xfs.mnt, 'x1'), a);
        fs.writeFileSync(path.join(xfs.mnt, 'x2'), a);
        execFileSync('sync');
        const both = cli(['dedupe', fsys.mnt, xfs.mnt]);
        assert.equal(both.code, 0, both.stderr);
        assert.match(both.stdout, /^total: 2 groups/m);
        assert.match(
          both.stdout,
          /^nothing was changed; run again with --apply to share the groups on the other file systems \(it leaves those named in the first line alone\)$/m,
        );
        assert.doesNotMatch(both.stdout, /refuses the whole plan/);
        const j = JSON.parse(cli(['dedupe', fsys.mnt, xfs.mnt, '--json']).stdout);
        assert.deepEqual(
          j.cannotApply.map((e: { code: string; cannotShare?: boolean }) => [e.code, e.cannotShare]),
          [['EOPNOTSUPP', true]],
        );
        const ext4Before = ['a', 'b'].map((n) => extentLines(path.join(fsys.mnt, n)));
        const applied = cli(['dedupe', fsys.mnt, xfs.mnt, '--apply']);
        assert.equal(applied.code, 1, 'a file system could not share what was asked: exit 1');
        assert.match(
          applied.stderr,
          /^extent-lens dedupe: ext4 cannot share blocks \(EOPNOTSUPP\): .* Its groups were left alone; the others were shared\.$/m,
        );
        assert.match(applied.stdout, /^applied \(FIDEDUPERANGE\): shared 262144 \(256 KiB\) in 1 call, 0 ranges differed; freed /m);
        assert.match(applied.stdout, /^note: 1 group on a file system that cannot share blocks was left alone: ext4 cannot share blocks/m);
        assert.doesNotMatch(applied.stdout, /with no net saving/, 'the ext4 group is said once, for its reason');
        // shared on XFS (filefrag's own word), the ext4 files' extents as they were
        assert.match(execFileSync('filefrag', ['-v', path.join(xfs.mnt, 'x2')], { encoding: 'utf8' }), /shared/);
        assert.deepEqual(
          ['a', 'b'].map((n) => extentLines(path.join(fsys.mnt, n))),
          ext4Before,
        );
        assert.match(cli(['dedupe', xfs.mnt]).stdout, /^total: 1 group .*net saving 0 bytes/m);
        // again: the XFS group is shared now, so nothing would be applied but the ext4 group: refused
        // as ext4 alone is, with the groups shown (a trial: "the others were shared", then an
        // EOPNOTSUPP "nothing was changed", and no report)
        const again = cli(['dedupe', fsys.mnt, xfs.mnt, '--apply']);
        assert.equal(again.code, 1);
        assert.deepEqual(again.stderr.trim().split('\n'), [
          'extent-lens dedupe: ext4 cannot share blocks (EOPNOTSUPP): use btrfs, or XFS made with reflink=1 (over SMB: a share on one of those).',
        ]);
        assert.match(again.stdout, /^total: 2 groups/m);
      } finally {
        xfs.cleanup();
      }
    },
  );
});
