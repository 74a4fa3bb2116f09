// Finding duplicates over SMB on a share that holds two btrfs subvolumes (Samba: two volumes, and
// it refuses FSCTL_DUPLICATE_EXTENTS_TO_FILE from one into the other with STATUS_INVALID_HANDLE).
// A trial found the same cross-volume groups on every run, each offered as a saving ("up to
// 3145728") that every --apply then refused. Now the search asks the server (a clone of 0 bytes,
// which changes nothing) and groups each volume's copies apart: a copy alone on its volume is in
// no group, a note says why, and after an apply the next search offers nothing across volumes.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chownSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createEngine, type Engine } from '../../src/engine/engine';
import { makeLoopFs, sambaSkipReason, startSamba, type LoopFs, type SambaServer, BTRFS_CLONING, stopSamba } from '../support/samba';
import { makeDenseFile, sha256File, smbUid, useSmbPassword } from './helpers';
import { cli, ensureBuilt } from '../cli/run-cli';

const MiB = 1024 * 1024;
const NOTE =
  /files on a share hold identical data on different volumes behind it \(Samba takes each btrfs subvolume and snapshot.*STATUS_INVALID_HANDLE/;

describe(
  'dedupe over SMB: identical data on two volumes of one share (Samba, btrfs subvolumes)',
  { skip: sambaSkipReason(), timeout: 120_000 },
  () => {
    let fs: LoopFs;
    let smb: SambaServer;
    let engine: Engine;
    useSmbPassword();
    const rel = (p: string): string => p.slice(p.indexOf('/data/') + 6);

    before(async () => {
      ensureBuilt();
      fs = makeLoopFs('btrfs', 200);
      for (const sv of ['a-sub', 'b-sub']) {
        execFileSync('btrfs', ['subvolume', 'create', join(fs.mnt, sv)], { stdio: 'ignore' });
        chownSync(join(fs.mnt, sv), smbUid(), 0);
      }
      // x: one copy on each volume (nothing can be shared); y: one on a-sub, two on b-sub
      for (const [n, seed] of [
        ['a-sub/x.bin', 21],
        ['b-sub/x.bin', 21],
        ['a-sub/y.bin', 22],
        ['b-sub/y.bin', 22],
        ['b-sub/y2.bin', 22],
      ] as const) {
        makeDenseFile(join(fs.mnt, n), 2 * MiB, seed);
        chownSync(join(fs.mnt, n), smbUid(), 0);
      }
      execFileSync('sync');
      smb = await startSamba({ shares: [{ name: 'data', path: fs.mnt, options: BTRFS_CLONING }] });
      engine = createEngine();
    });

    after(async () => {
      await engine?.dispose();
      await stopSamba(smb, fs);
    });

    test('the search groups each volume apart, offers no saving across them, and says why; the files are untouched', async () => {
      const mtime = statSync(join(fs.mnt, 'b-sub/x.bin')).mtimeMs;
      const plan = await engine.findDuplicates([smb.uri('data', 'a-sub'), smb.uri('data', 'b-sub')]);
      assert.deepEqual(plan.errors, []);
      assert.deepEqual(
        plan.groups.map((g) => g.ranges.map((r) => rel(r.path))),
        [['b-sub/y.bin', 'b-sub/y2.bin']],
        'only the copies on one volume',
      );
      assert.equal(plan.total.netSaving, 2n * BigInt(MiB));
      assert.match(plan.notes.join('\n'), NOTE);
      // (the question changed nothing)
      assert.equal(statSync(join(fs.mnt, 'b-sub/x.bin')).mtimeMs, mtime);
      assert.equal(sha256File(join(fs.mnt, 'b-sub/x.bin')), sha256File(join(fs.mnt, 'a-sub/x.bin')));
    });

    test('the CLI: --apply shares what it offers and refuses nothing; the next run offers nothing across volumes', () => {
      const a = cli(['dedupe', smb.uri('data', 'a-sub'), smb.uri('data', 'b-sub'), '--apply']);
      assert.equal(a.code, 0, a.stderr);
      assert.doesNotMatch(a.stderr, /STATUS_INVALID_HANDLE/);
      assert.match(a.stdout, /shared 2097152 \(2 MiB\)/);
      assert.match(a.stdout, /0 refused|applied/);
      assert.doesNotMatch(a.stdout, /[1-9]\d* refused/);
      const again = cli(['dedupe', smb.uri('data', 'a-sub'), smb.uri('data', 'b-sub'), '--json']);
      assert.equal(again.code, 0, again.stderr);
      const j = JSON.parse(again.stdout) as { groups: { ranges: { path: string }[] }[]; notes: string[] };
      for (const g of j.groups) {
        const vols = new Set(g.ranges.map((r) => rel(r.path).split('/')[0]));
        assert.equal(vols.size, 1, `a group across volumes: ${JSON.stringify(g.ranges.map((r) => rel(r.path)))}`);
      }
      assert.ok(
        !j.groups.some((g) => g.ranges.some((r) => rel(r.path).startsWith('a-sub/'))),
        'nothing on a-sub has a copy on its own volume',
      );
      assert.match(j.notes.join('\n'), NOTE);
    });
  },
);
