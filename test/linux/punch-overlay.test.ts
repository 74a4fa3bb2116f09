// punch and dig-holes through an overlayfs merged view, on a file only in the lower layer: the
// first open for writing copies it up whole, the holes are made in that copy, and the lower
// layer keeps its blocks. The report once blamed "other files sharing those blocks (reflinks,
// snapshots)" for the file system gaining nothing (a trial); it says what happened now.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createEngine } from '../../src/engine';
import { freshDir, makeFs, skipReason, type TestFs } from '../support/loopfs';
import { overlayFolders, withOverlay } from '../support/overlay';
import { MiB, randomFile } from '../support/space-files';

describe('punch through an overlayfs merged view (XFS layers)', { skip: skipReason('xfs') ?? skipReason('ext4') }, () => {
  let xfs: TestFs;
  let ext4: TestFs;
  before(() => {
    xfs = makeFs('xfs');
    ext4 = makeFs('ext4');
  });
  after(() => {
    xfs?.cleanup();
    ext4?.cleanup();
  });

  test('a lower-only file: the note says it was copied up and the holes are in the copy; the lower file is unchanged', async () => {
    const o = overlayFolders(freshDir(xfs, 'ov'));
    const { lower, upper, merged } = o;
    randomFile(path.join(lower, 'disk.img'), 2 * MiB);
    const before = fs.readFileSync(path.join(lower, 'disk.img'));
    await withOverlay(o, async () => {
      const engine = createEngine();
      const r = await engine.punch(path.join(merged, 'disk.img'), { offset: 0n, length: BigInt(MiB) }).finally(() => engine.dispose());
      assert.equal(r.bytes, BigInt(MiB));
      assert.ok(
        r.notes?.some((n) => /it lay only in the overlay's lower layer: opening it for writing copied it up into the upper layer/.test(n)),
        (r.notes ?? []).join('\n'),
      );
      assert.ok(!(r.notes ?? []).some((n) => /reflinks, snapshots/.test(n)), (r.notes ?? []).join('\n'));
      assert.ok(fs.existsSync(path.join(upper, 'disk.img')), 'copied up');
      assert.ok(fs.readFileSync(path.join(lower, 'disk.img')).equals(before), 'the lower file is unchanged');
    });
  });

  test('upper layer on another file system: the copy-up writes the file there, and the report says free space shrank', async () => {
    const lowerTop = overlayFolders(freshDir(xfs, 'ov-x'));
    const upperTop = overlayFolders(freshDir(ext4, 'ov-e'));
    const o = { ...upperTop, lower: lowerTop.lower }; // upper, work and merged on ext4; lower on XFS
    randomFile(path.join(o.lower, 'disk.img'), 4 * MiB);
    await withOverlay(o, async () => {
      const engine = createEngine();
      const r = await engine.punch(path.join(o.merged, 'disk.img'), { offset: 0n, length: BigInt(MiB) }).finally(() => engine.dispose());
      assert.equal(r.bytes, BigInt(MiB));
      assert.equal(r.fsFreed, 0n);
      const note = (r.notes ?? []).find((n) => /^the file system's free space/.test(n)) ?? (r.notes ?? []).join('\n');
      // 4 MiB written to ext4 by the copy-up, 1 MiB of it punched: about 3 MiB less free space
      const m = /^the file system's free space shrank by (\d+) bytes \(measured after sync\)/.exec(note);
      assert.ok(m, note);
      assert.ok(BigInt(m[1]) >= 2n * BigInt(MiB) && BigInt(m[1]) <= 4n * BigInt(MiB), note);
      assert.match(note, /copied it up into the upper layer, and the holes are in that copy/);
    });
  });
});
