// btrfs frees an extent only whole, so holes dug in part of one free nothing on the file system.
// The report's remedy (fs-freed.ts: BTRFS_REWRITE_REMEDY) says to rewrite the file; this checks
// on a real btrfs loop mount that what it says is true: `btrfs filesystem defragment -t 256M`
// (a colleague's try) gives nothing back, and a copy with blocks of its own renamed over the
// file gives back at least what dig-holes deallocated (statfs after sync, as the report measures).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createEngine } from '../../src/engine';
import { BTRFS_REWRITE_REMEDY } from '../../src/engine/fs-freed';
import { freshDir, hasTool, makeFs, skipReason, type TestFs } from '../support/loopfs';
import { sha256 } from '../support/sparse-files';

const engine = createEngine();
const MiB = 1 << 20;

function freeBytes(dir: string): bigint {
  execFileSync('sync');
  const s = fs.statfsSync(dir, { bigint: true });
  return s.bavail * s.bsize;
}

describe('dig-holes on btrfs: the remedy the report names frees the space', { skip: skipReason('btrfs') }, () => {
  let tfs: TestFs;
  before(() => {
    tfs = makeFs('btrfs', 512);
  });
  after(() => tfs?.cleanup());

  test('16 MiB of 1 MiB zero runs in one extent: freed 0; defragment frees nothing; the rewrite frees it all', async () => {
    const d = freshDir(tfs, 'remedy');
    const f = path.join(d, 'f.img');
    // one write: random and zero MiBs alternating, in as few extents as btrfs makes
    const parts: Buffer[] = [];
    for (let i = 0; i < 16; i++) parts.push(crypto.randomBytes(MiB), Buffer.alloc(MiB));
    fs.writeFileSync(f, Buffer.concat(parts));
    execFileSync('sync');
    const h = sha256(f);

    const r = await engine.digHoles(f);
    assert.equal(r.bytes, 16n * BigInt(MiB), 'the zero MiBs were deallocated from the file');
    assert.equal(r.sharedBytes, 0n);
    assert.equal(r.fsFreed, 0n, 'btrfs kept the extents: the data MiBs still reference them');
    assert.equal(r.fsFreedRemedy, BTRFS_REWRITE_REMEDY);
    assert.ok(r.notes!.at(-1)!.endsWith(BTRFS_REWRITE_REMEDY), JSON.stringify(r.notes));

    // what the remedy says does not work, measured
    if (hasTool('btrfs')) {
      const beforeDefrag = freeBytes(tfs.mountPoint);
      execFileSync('btrfs', ['filesystem', 'defragment', '-t', '256M', f]);
      const gained = freeBytes(tfs.mountPoint) - beforeDefrag;
      assert.ok(gained < BigInt(MiB), `btrfs filesystem defragment -t 256M freed ${gained} bytes: the note says it is no remedy`);
    }

    // what it says does: a copy with blocks of its own, renamed over the file
    const start = freeBytes(tfs.mountPoint);
    const copy = path.join(d, 'f.img.copy');
    const c = await engine.copy(f, copy, { reflink: 'never' });
    assert.equal(c.sharedBytes, 0n);
    fs.renameSync(copy, f);
    const gained = freeBytes(tfs.mountPoint) - start;
    assert.ok(gained >= r.bytes, `the rewrite freed ${gained} bytes, less than the ${r.bytes} the holes deallocated`);
    assert.equal(sha256(f), h, 'the content is the same');
  });
});
