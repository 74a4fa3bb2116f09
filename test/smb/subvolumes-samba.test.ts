// Block cloning over SMB2 across btrfs subvolumes, against a real Samba: Samba takes each
// subvolume (and snapshot) for a volume of its own (its file_id devid is st_dev, which btrfs
// gives each subvolume) and refuses FSCTL_DUPLICATE_EXTENTS_TO_FILE from a source on another one
// with STATUS_INVALID_HANDLE, as Windows does for another volume (MS-FSCC 2.3.8). Found by the
// dedupe fuzzer (`bench/dedupe-fuzz.ts --smb`): a share holding a subvolume and its snapshot,
// every group's source in the snapshot, nothing shared, and each range reported as "a bug in
// Extent Lens". Now:
// - dedupe (a plan joining both volumes: the search itself groups them apart now,
//   dedupe-volumes-samba.test.ts): the copies on the other subvolume are shared among themselves
//   (the first of them their source), checked on the server's disk with filefrag; only that one
//   is left alone, its message naming the volume rule;
// - clone: the error names the volume rule (the CLI adds its --fallback copy hint), and
//   `fallback: 'copy'` copies instead, by copychunk, which Samba on btrfs makes by sharing the
//   blocks all the same (checked with filefrag; the report does not say "not shared");
// - clone-range: the rule without "or allow a copy" (no range copy runs over SMB);
// - a clone into a read-only snapshot: STATUS_MEDIA_WRITE_PROTECTED, explained;
// - dedupe: a destination marked sparse for its sparse source, then refused, is unmarked.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chownSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createEngine, type Engine } from '../../src/engine/engine';
import { smbBackend } from '../../src/engine/backends/smb';
import { smbTransport } from '../../src/engine/backends/smb/transport';
import { makeLoopFs, sambaSkipReason, startSamba, type LoopFs, type SambaServer, BTRFS_CLONING, stopSamba } from '../support/samba';
import { ctx, makeDenseFile, sha256File, smbUid, useSmbPassword } from './helpers';
import { frags } from '../support/dedupe-files';
import { cli, ensureBuilt } from '../cli/run-cli';

const MiB = 1024 * 1024;
const VOLUME_RULE =
  /STATUS_INVALID_HANDLE: the server clones only within one volume and does not take the source as on the destination's \(Samba counts each btrfs subvolume/;

describe('block cloning over SMB2 across btrfs subvolumes (Samba)', { skip: sambaSkipReason(), timeout: 120000 }, () => {
  let fs: LoopFs;
  let smb: SambaServer;
  let engine: Engine;
  useSmbPassword();

  before(async () => {
    fs = makeLoopFs('btrfs', 200);
    for (const sv of ['a-sub', 'b-sub']) {
      execFileSync('btrfs', ['subvolume', 'create', join(fs.mnt, sv)], { stdio: 'ignore' });
      chownSync(join(fs.mnt, sv), smbUid(), 0);
    }
    smb = await startSamba({ shares: [{ name: 'data', path: fs.mnt, options: BTRFS_CLONING }] });
    engine = createEngine();
  });

  after(async () => {
    await engine?.dispose();
    await stopSamba(smb, fs);
  });

  /** One plan whose one group joins the groups found in each folder (every file in them alike). */
  const joinedPlan = async (folders: string[]) => {
    const found = await Promise.all(folders.map((d) => engine.findDuplicates([smb.uri('data', d)])));
    for (const f of found) {
      assert.deepEqual(f.errors, []);
      assert.equal(f.groups.length, 1);
    }
    return { ...found[0], groups: [{ ...found[0].groups[0], ranges: found.flatMap((f) => f.groups[0].ranges) }] };
  };

  test('dedupe: copies on another subvolume are shared among themselves; one is left alone, named', async () => {
    const names = ['a-sub/1.bin', 'a-sub/2.bin', 'b-sub/1.bin', 'b-sub/2.bin', 'b-sub/3.bin'];
    for (const n of names) {
      makeDenseFile(join(fs.mnt, n), MiB, 11);
      chownSync(join(fs.mnt, n), smbUid(), 0);
    }
    execFileSync('sync');
    const sum = sha256File(join(fs.mnt, names[0]));
    // the search groups each volume's copies apart (dedupe-volumes-samba.test.ts); a plan that
    // joins them (one made before, or by hand) is what the apply meets here
    const plan = await joinedPlan(['a-sub', 'b-sub']);
    assert.equal(plan.groups.length, 1);
    assert.deepEqual(
      plan.groups[0].ranges.map((r) => r.path.slice(r.path.indexOf('/data/') + 6)),
      names,
      'a-sub/1.bin sorts first: the source',
    );
    const r = await engine.dedupe(plan);
    assert.equal(r.deduped, 3n * BigInt(MiB), 'a-sub/2.bin with a-sub/1.bin; b-sub/2 and 3 with b-sub/1');
    assert.equal(
      r.skipped.length,
      1,
      JSON.stringify(r.skipped, (_, v: unknown) => (typeof v === 'bigint' ? String(v) : v)),
    );
    assert.match(r.skipped[0].path, /b-sub\/1\.bin$/);
    assert.equal(r.skipped[0].reason, 'STATUS_INVALID_HANDLE');
    assert.match(r.skipped[0].message, VOLUME_RULE);
    assert.match(r.skipped[0].message, /copies on one other volume are shared with one another instead/);
    for (const n of names) assert.equal(sha256File(join(fs.mnt, n)), sum, n);
    execFileSync('sync');
    const place = (n: string): number[] => frags(join(fs.mnt, n)).map((x) => x.physical);
    assert.deepEqual(place('a-sub/2.bin'), place('a-sub/1.bin'));
    assert.deepEqual(place('b-sub/2.bin'), place('b-sub/1.bin'));
    assert.deepEqual(place('b-sub/3.bin'), place('b-sub/1.bin'));
    assert.notDeepEqual(place('b-sub/1.bin'), place('a-sub/1.bin'));
  });

  test('clone: refused with the volume rule named, nothing left behind; with fallback copy, copied', async () => {
    makeDenseFile(join(fs.mnt, 'a-sub/src.bin'), MiB, 12);
    chownSync(join(fs.mnt, 'a-sub/src.bin'), smbUid(), 0);
    const src = smb.uri('data', 'a-sub/src.bin');
    await assert.rejects(engine.clone(src, smb.uri('data', 'b-sub/clone.bin')), (e: Error & { code?: string }) => {
      assert.equal(e.code, 'STATUS_INVALID_HANDLE');
      assert.match(e.message, VOLUME_RULE);
      assert.match(
        e.message,
        /its server-side copy is not bound so, and on btrfs or XFS shares the blocks all the same\): pick a source and destination on the same one, or allow a copy\.$/,
      );
      return true;
    });
    assert.equal(existsSync(join(fs.mnt, 'b-sub/clone.bin')), false);
    const r = await engine.clone(src, smb.uri('data', 'b-sub/copy.bin'), { fallback: 'copy' });
    assert.equal(r.fellBack, true);
    assert.equal(r.method, 'FSCTL_SRV_COPYCHUNK_WRITE');
    assert.equal(sha256File(join(fs.mnt, 'b-sub/copy.bin')), sha256File(join(fs.mnt, 'a-sub/src.bin')));
    // what the message says of the server's copy: on btrfs, Samba's copychunk clones across subvolumes
    execFileSync('sync');
    const copy = frags(join(fs.mnt, 'b-sub/copy.bin'));
    assert.deepEqual(
      copy.map((x) => x.physical),
      frags(join(fs.mnt, 'a-sub/src.bin')).map((x) => x.physical),
    );
    assert.ok(copy.every((x) => x.flags.includes('shared')));
    // the CLI says the same and offers the copy; the copy's note does not say "not shared"
    ensureBuilt();
    const c = cli(['clone', src, smb.uri('data', 'b-sub/cli.bin')]);
    assert.equal(c.code, 1, c.stderr);
    assert.match(c.stderr, VOLUME_RULE);
    assert.match(
      c.stderr,
      /hint: add --fallback copy to have the server copy the data instead \(holes are kept; whether it shares blocks for the copy, SMB does not show\)\./,
    );
    assert.doesNotMatch(c.stderr, /nothing is shared/, 'the copy it leads to does share blocks here');
    const f = cli(['clone', src, smb.uri('data', 'b-sub/cli.bin'), '--fallback', 'copy']);
    assert.equal(f.code, 0, f.stderr);
    assert.match(
      f.stdout,
      /note: the data was COPIED by the server, not cloned \(whether its copy shares blocks underneath, as Samba on btrfs or XFS makes it, SMB does not show\); clone failed: .*STATUS_INVALID_HANDLE/,
    );
    assert.doesNotMatch(f.stdout, /not shared|or allow a copy/);
  });

  // a trial: "not a multiple of the NTFS block size 4096 bytes" on a btrfs share (Samba says NTFS over any file system)
  test('clone-range: a misaligned offset names the share’s cluster size, not the "NTFS" the server reports', () => {
    const c = cli(['clone-range', smb.uri('data', 'a-sub/src.bin'), '1000', smb.uri('data', 'a-sub/src.bin'), '512k', '64k']);
    assert.equal(c.code, 1, c.stderr);
    assert.match(c.stderr, /source offset 1000 is not a multiple of the share's cluster size 4096 bytes \(E_MISALIGNED\)/);
    assert.doesNotMatch(c.stderr, /NTFS/);
  });

  test('clone-range: the volume rule without "allow a copy" (no range copy runs over SMB), and no --fallback hint', async () => {
    makeDenseFile(join(fs.mnt, 'b-sub/range-dst.bin'), MiB, 13);
    chownSync(join(fs.mnt, 'b-sub/range-dst.bin'), smbUid(), 0);
    const before = sha256File(join(fs.mnt, 'b-sub/range-dst.bin'));
    const c = cli(['clone-range', smb.uri('data', 'a-sub/src.bin'), '0', smb.uri('data', 'b-sub/range-dst.bin'), '0', '64k']);
    assert.equal(c.code, 1, c.stderr);
    assert.match(c.stderr, VOLUME_RULE);
    assert.match(c.stderr, /as a volume of its own\): pick a source and destination on the same one\./);
    assert.doesNotMatch(c.stderr, /allow a copy|--fallback copy/);
    assert.equal(sha256File(join(fs.mnt, 'b-sub/range-dst.bin')), before);
  });

  // helper-106: a destination on another volume was marked sparse (like its sparse source) before
  // its clone was refused, and stayed so though nothing was shared into it
  test('dedupe: a destination on another volume marked sparse for its sparse source, then refused, is unmarked again', async () => {
    for (const n of ['a-sub/sp.bin', 'b-sub/sp.bin']) {
      makeDenseFile(join(fs.mnt, n), MiB, 14);
      chownSync(join(fs.mnt, n), smbUid(), 0);
    }
    await smbBackend().setSparse(smb.uri('data', 'a-sub/sp.bin'), true, ctx);
    execFileSync('sync');
    makeDenseFile(join(fs.mnt, 'a-sub/sp-twin.bin'), MiB, 14);
    chownSync(join(fs.mnt, 'a-sub/sp-twin.bin'), smbUid(), 0);
    const found = await engine.findDuplicates([smb.uri('data', 'a-sub/sp.bin'), smb.uri('data', 'a-sub/sp-twin.bin')]);
    assert.equal(found.groups.length, 1);
    // its destination on the other volume instead (the search would not put it there: dedupe-volumes-samba.test.ts)
    const g = found.groups[0];
    const plan = { ...found, groups: [{ ...g, ranges: [g.ranges[0], { ...g.ranges[1], path: smb.uri('data', 'b-sub/sp.bin') }] }] };
    const r = await engine.dedupe(plan);
    assert.equal(r.deduped, 0n);
    assert.deepEqual(
      r.skipped.map((k) => k.reason),
      ['STATUS_INVALID_HANDLE'],
    );
    assert.ok(!r.notes.some((n) => /marked sparse/.test(n)), `no destination is said to be marked sparse: ${JSON.stringify(r.notes)}`);
    const t = smbTransport();
    const h = await t.open(smb.uri('data', 'b-sub/sp.bin'), { access: 'read', disposition: 'open' });
    try {
      assert.equal((await t.queryInfo(h)).sparse, false, 'not left marked sparse');
    } finally {
      await t.close(h);
    }
  });

  test('a read-only snapshot: a clone into it names the read-only file system (STATUS_MEDIA_WRITE_PROTECTED), nothing left', async () => {
    execFileSync('btrfs', ['subvolume', 'snapshot', '-r', join(fs.mnt, 'a-sub'), join(fs.mnt, 'a-ro')], { stdio: 'ignore' });
    await assert.rejects(
      engine.clone(smb.uri('data', 'a-sub/src.bin'), smb.uri('data', 'a-ro/new.bin')),
      (e: Error & { code?: string }) => {
        assert.equal(e.code, 'STATUS_MEDIA_WRITE_PROTECTED');
        assert.match(
          e.message,
          /The server's file system is read-only where .* lies \(STATUS_MEDIA_WRITE_PROTECTED; Samba answers so for EROFS: a read-only btrfs snapshot/,
        );
        return true;
      },
    );
    assert.equal(existsSync(join(fs.mnt, 'a-ro/new.bin')), false);
  });
});
