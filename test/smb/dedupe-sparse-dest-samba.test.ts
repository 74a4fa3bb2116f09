// Dedupe over SMB2 where a group's source is marked sparse and a destination is not: Samba (as
// MS-FSA says) refuses FSCTL_DUPLICATE_EXTENTS_TO_FILE from a sparse file into one that is not
// (STATUS_NOT_SUPPORTED), as it does for Clone Range, which marks the destination sparse first.
// Found by hand: two identical 1 MiB files, one of them marked sparse (Set Sparse), and
// Deduplicate shared nothing ("1 refused: STATUS_NOT_SUPPORTED"). Checked on the server's disk.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chownSync, mkdirSync, statSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createEngine, type Engine } from '../../src/engine/engine';
import { smbBackend } from '../../src/engine/backends/smb';
import { smbTransport } from '../../src/engine/backends/smb/transport';
import { makeLoopFs, sambaSkipReason, startSamba, type LoopFs, type SambaServer, BTRFS_CLONING, stopSamba } from '../support/samba';
import { ctx, makeDenseFile, sha256File, smbUid, useSmbPassword } from './helpers';
import { frags } from '../support/dedupe-files';

const MiB = 1024 * 1024;

describe(
  'dedupe over SMB2 (btrfs share): a sparse source and a destination not marked sparse',
  { skip: sambaSkipReason(), timeout: 120000 },
  () => {
    let fs: LoopFs;
    let smb: SambaServer;
    let engine: Engine;
    useSmbPassword();

    before(async () => {
      fs = makeLoopFs('btrfs', 200);
      smb = await startSamba({ shares: [{ name: 'data', path: fs.mnt, options: BTRFS_CLONING }] });
      engine = createEngine();
    });

    after(async () => {
      await engine?.dispose();
      await stopSamba(smb, fs);
    });

    test('the destination is marked sparse first and shared; contents and its modification time unchanged', async () => {
      const dir = join(fs.mnt, 'sd');
      mkdirSync(dir);
      chownSync(dir, smbUid(), 0);
      // a.bin sorts first, so with nothing else to choose by (SMB maps have no places) it is the source
      for (const n of ['a.bin', 'b.bin']) makeDenseFile(join(dir, n), MiB, 3);
      await smbBackend().setSparse(smb.uri('data', 'sd/a.bin'), true, ctx);
      const y2020 = new Date('2020-01-02T03:04:05Z');
      utimesSync(join(dir, 'b.bin'), y2020, y2020);
      execFileSync('sync');
      const sum = sha256File(join(dir, 'b.bin'));
      const plan = await engine.findDuplicates([smb.uri('data', 'sd')]);
      assert.deepEqual(plan.errors, []);
      assert.equal(plan.groups.length, 1);
      assert.deepEqual(
        plan.groups[0].ranges.map((r) => r.path.slice(r.path.lastIndexOf('/') + 1)),
        ['a.bin', 'b.bin'],
        'the sparse file is the source',
      );
      const r = await engine.dedupe(plan);
      assert.deepEqual(r.skipped, [], 'nothing refused (STATUS_NOT_SUPPORTED before the fix)');
      assert.equal(r.deduped, BigInt(MiB));
      assert.equal(sha256File(join(dir, 'b.bin')), sum, 'the destination reads the same');
      assert.equal(statSync(join(dir, 'b.bin')).mtime.getTime(), y2020.getTime(), 'its modification time kept');
      execFileSync('sync');
      const shared = frags(join(dir, 'b.bin')).filter((x) => x.flags.includes('shared'));
      assert.equal(
        shared.reduce((s, x) => s + x.length, 0),
        256,
        'its 1 MiB on the source blocks on the server disk (256 blocks)',
      );
      const t = smbTransport();
      const h = await t.open(smb.uri('data', 'sd/b.bin'), { access: 'read', disposition: 'open' });
      try {
        assert.equal((await t.queryInfo(h)).sparse, true, 'the destination is now marked sparse, like its source');
      } finally {
        await t.close(h);
      }
      assert.ok(
        r.notes.some((n) => /marked sparse/.test(n)),
        `the report says a destination was marked sparse: ${JSON.stringify(r.notes)}`,
      );
    });
  },
);
