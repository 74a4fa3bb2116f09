// dig-holes on a file of the largest size XFS allows, 2^63 - 1 bytes, whose partial last block
// reads as zeros: a trial saw "pread failed on max.img: ... (EINVAL)" (and nothing dug) because
// the last block was read again whole, to 2^63, which the kernel refuses (offset + count past
// LLONG_MAX; fallocate --dig-holes fails the same way: "read failed: Invalid argument"). That
// block can never be freed (a punch reaches only 2^63 - 1, so it stays partial), but the rest
// of the file is dug and the block is left alone.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createEngine } from '../../src/engine';
import { makeFs, skipReason, type TestFs } from '../support/loopfs';

const MAX = (1n << 63n) - 1n;

describe('dig-holes at the largest file size (2^63 - 1) on xfs', { skip: skipReason('xfs') }, () => {
  let tfs: TestFs;
  before(() => {
    tfs = makeFs('xfs');
  });
  after(() => tfs?.cleanup());

  test('a zero partial last block at 2^63 - 1 is left alone, the rest dug, no EINVAL', async () => {
    const f = path.join(tfs.mountPoint, 'max.img');
    // data at 0, a zero block at 4096, and the last 4095 bytes (to 2^63 - 1) zeros
    execFileSync('xfs_io', [
      '-f',
      '-c',
      `truncate ${MAX}`,
      '-c',
      'pwrite -q -S 0x5a 0 4096',
      '-c',
      'pwrite -q -S 0 4096 4096',
      '-c',
      `pwrite -q -S 0 ${MAX - 4095n} 4095`,
      '-c',
      'fsync',
      f,
    ]);
    assert.equal(fs.statSync(f, { bigint: true }).size, MAX);
    const r = await createEngine().digHoles(f);
    assert.equal(r.bytes, 4096n, `the zero block at 4096 is freed: ${JSON.stringify(r.notes)}`);
    const ranges = await createEngine().ranges(f);
    assert.deepEqual(
      ranges.ranges.map((x) => [x.offset, x.length]),
      [
        [0n, 4096n],
        [MAX - 4095n, 4095n],
      ],
    );
  });
});
