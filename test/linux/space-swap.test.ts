// engine.space of an active swap file on btrfs: the kernel refuses to delete it (EPERM) until
// swapoff, so the figure "deleting it frees" holds only after swapoff, and a note says so (a trial
// read "deleting it frees 32 MiB" for a folder whose rm then failed, freeing nothing). After
// swapoff, deleting it frees what was said.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { freshDir, hasTool, makeFs, skipReason, type TestFs } from '../support/loopfs';
import { btrfsDataUsed, makeSwapFile, MiB, spaceOf } from '../support/space-files';

describe(
  'space and an active swap file (btrfs)',
  { skip: skipReason('btrfs') ?? (hasTool('swapon') && hasTool('mkswap') ? undefined : 'no swapon/mkswap') },
  () => {
    let t: TestFs;
    before(() => {
      t = makeFs('btrfs', 512);
    });
    after(() => t?.cleanup());

    test('a note says deleting is refused until swapoff; after swapoff deleting frees the figure', async (tt) => {
      const d = freshDir(t, 'swap');
      const swap = path.join(d, 'swapfile');
      makeSwapFile(swap, 32);
      const on = spawnSync('swapon', [swap], { encoding: 'utf8' });
      if (on.status !== 0) {
        tt.skip(`swapon is not possible here: ${on.stderr.trim()}`);
        return;
      }
      let r;
      try {
        r = await spaceOf([d]);
        assert.ok(
          r.notes.some((n) => /^One file of the selection is an active swap file: .*\(EPERM\) until swapoff/.test(n)),
          r.notes.join('\n'),
        );
        assert.throws(() => fs.unlinkSync(swap), /EPERM/); // what the note says
      } finally {
        execFileSync('swapoff', [swap]);
      }
      assert.equal(r.total.reclaimable, BigInt(32 * MiB));
      const before = btrfsDataUsed(t.mountPoint);
      fs.rmSync(swap);
      assert.equal(before - btrfsDataUsed(t.mountPoint), r.total.reclaimable);
      // swapped off: no note
      const again = await spaceOf([d]);
      assert.ok(!again.notes.some((n) => /swap/.test(n)), again.notes.join('\n'));
    });
  },
);
