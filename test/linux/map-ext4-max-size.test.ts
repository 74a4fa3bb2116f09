// Maps near ext4's largest file size. ext4 gives EFBIG for a FIEMAP starting past its largest
// size (s_maxbytes: 16 TiB - 4 KiB with 4 KiB blocks, 4 TiB - 1 KiB with 1 KiB blocks) but EINVAL
// for one starting exactly there (ext4_fiemap_check_ranges: `start > maxbytes` is EFBIG, so a start
// equal to it leaves a length of 0, refused; `xfs_io -c "fiemap S 4096"` fails the same). A trial's
// map just below 2^44 got that EINVAL. Every window from any offset up to the size gives what the
// whole map holds there (the extents, or none), for the bounded reads the inspector makes too.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createEngine, type PackedExtentMap } from '../../src/engine';
import { makeFs, skipReason, type TestFs } from '../support/loopfs';

type Row = [bigint, bigint];

function rows(m: PackedExtentMap): Row[] {
  const out: Row[] = [];
  for (let i = 0; i < m.packed.count; i++) out.push([m.packed.offset[i], m.packed.length[i]]);
  return out;
}

/** The whole map's extents clipped to [start, end). */
function clipped(whole: Row[], start: bigint, end: bigint): Row[] {
  const out: Row[] = [];
  for (const [o, l] of whole) {
    const s = o > start ? o : start;
    const e = o + l < end ? o + l : end;
    if (s < e) out.push([s, e - s]);
  }
  return out;
}

for (const block of [4096n, 1024n]) {
  // extent-mapped ext4: 2^32 - 1 blocks (ext4_max_size)
  const max = ((1n << 32n) - 1n) * block;
  describe(`map near ext4's largest file size (${max}, ${block}-byte blocks)`, { skip: skipReason('ext4') }, () => {
    let tfs: TestFs;
    let f: string;
    before(() => {
      tfs = makeFs('ext4', 64, { mkfsArgs: ['-q', '-F', '-b', String(block)] });
      f = path.join(tfs.mountPoint, 'max.img');
      // data two blocks 8 blocks from the end, and the last block
      execFileSync('xfs_io', [
        '-f',
        '-c',
        `truncate ${max}`,
        '-c',
        `pwrite -q ${max - 8n * block} ${2n * block}`,
        '-c',
        `pwrite -q ${max - block} ${block}`,
        '-c',
        'fsync',
        f,
      ]);
      assert.equal(fs.statSync(f, { bigint: true }).size, max);
      assert.throws(() => execFileSync('truncate', ['-s', String(max + 1n), f], { stdio: 'pipe' }), /File too large/);
    });
    after(() => tfs?.cleanup());

    test('every window from an offset near the limit up to the size holds what the whole map holds there', async () => {
      const engine = createEngine();
      const whole = rows(await engine.mapPacked(f));
      assert.deepEqual(whole, [
        [max - 8n * block, 2n * block],
        [max - block, block],
      ]);
      const offsets = new Set<bigint>();
      for (let k = 0n; k <= 10n; k++) for (const d of [-1n, 0n, 1n]) if (k * block - d >= 0n) offsets.add(max - k * block + d);
      offsets.add(max - 1n);
      offsets.add(max);
      const problems: string[] = [];
      for (const o of [...offsets].filter((x) => x <= max)) {
        for (const length of [1n, block, 3n * block, max - o, (1n << 44n) - o + 1n]) {
          if (length <= 0n) continue;
          const want = clipped(whole, o, o + length);
          for (const maxExtents of [undefined, 1, 1000]) {
            try {
              const m = await engine.mapPacked(f, { window: { offset: o, length }, maxExtents });
              const got = rows(m);
              // a bounded read is exact up to where it stopped
              const upTo = m.truncatedAt ?? o + length;
              const wantHere = clipped(want, o, upTo);
              if (JSON.stringify(got.map(String)) !== JSON.stringify(wantHere.map(String)))
                problems.push(`window ${o}+${length} max ${maxExtents}: ${got.join(' ')} != ${wantHere.join(' ')}`);
            } catch (e) {
              problems.push(`window ${o}+${length} max ${maxExtents}: ${(e as Error).message}`);
            }
          }
        }
      }
      assert.deepEqual(problems, []);
      // the inspector's windows at and up to the size
      const many = await engine.mapWindows(
        f,
        [
          { offset: max - block, length: block },
          { offset: max, length: block },
        ],
        { maxExtents: 4 },
      );
      assert.deepEqual(many.map(rows), [[[max - block, block]], []]);
    });
  });
}
