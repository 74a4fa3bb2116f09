// Swap files not in use (mkswap's signature, no swapon) on btrfs: btrfs (and XFS) refuse swapon for
// a file with shared extents ("swapfile must not be copy-on-write"), so dedupe leaves them out with
// a note, as it does active ones. A trial shared two swap files made the usual way (zeros written
// in synced 1 MiB pieces, nodatacow, mkswap): 62 MiB freed, and neither would swapon again (EINVAL).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createEngine } from '../../src/engine';
import { hasSwapSignature } from '../../src/engine/swap-files';
import { freshDir, hasTool, makeFs, skipReason, type TestFs } from '../support/loopfs';
import { makeSwapFile, randomFile } from '../support/space-files';

const MiB = 1024 * 1024;

/** The file's first 64 KiB: where the signature lies for every page size. */
const head = (p: string): Buffer => {
  const fd = fs.openSync(p, 'r');
  try {
    const b = Buffer.alloc(65536);
    return b.subarray(0, fs.readSync(fd, b, 0, b.length, 0));
  } finally {
    fs.closeSync(fd);
  }
};

describe(
  'dedupe leaves out swap files not in use (btrfs)',
  { skip: skipReason('btrfs') ?? (hasTool('swapon') && hasTool('mkswap') ? undefined : 'no swapon/mkswap') },
  () => {
    let t: TestFs;
    before(() => {
      t = makeFs('btrfs', 512);
    });
    after(() => t?.cleanup());

    test('two inactive swap files are in no group, a note says why, and both still swapon after --apply', async (tt) => {
      const d = freshDir(t, 'swaps');
      const swaps = ['swap1', 'swap2'].map((n) => path.join(d, n));
      for (const s of swaps) makeSwapFile(s, 16);
      // two copies of other data: still found and shared
      randomFile(path.join(d, 'data-a'), 2 * MiB);
      execFileSync('cp', ['--reflink=never', path.join(d, 'data-a'), path.join(d, 'data-b')]);
      execFileSync('sync');
      assert.ok(swaps.every((s) => hasSwapSignature(head(s))));
      assert.ok(!hasSwapSignature(head(path.join(d, 'data-a'))));
      const engine = createEngine();
      try {
        const plan = await engine.findDuplicates([d]);
        assert.deepEqual(plan.errors, []);
        const paths = plan.groups.flatMap((g) => g.ranges.map((r) => path.basename(r.path)));
        assert.deepEqual([...new Set(paths)].sort(), ['data-a', 'data-b']);
        assert.ok(
          plan.notes.some((n) =>
            /^2 swap files not in use \(mkswap's signature\) were left out: .*shared extents.*unusable as swap/.test(n),
          ),
          plan.notes.join('\n'),
        );
        const r = await engine.dedupe(plan);
        assert.deepEqual(r.skipped, []);
        assert.equal(r.estimated, BigInt(2 * MiB));
      } finally {
        await engine.dispose();
      }
      for (const s of swaps) {
        const on = spawnSync('swapon', [s], { encoding: 'utf8' });
        if (on.status !== 0 && /Operation not permitted|not supported/i.test(on.stderr)) {
          tt.skip(`swapon is not possible here: ${on.stderr.trim()}`);
          return;
        }
        assert.equal(on.status, 0, `swapon ${s}: ${on.stderr}`);
        execFileSync('swapoff', [s]);
      }
    });
  },
);
