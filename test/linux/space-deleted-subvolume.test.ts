// engine.space on btrfs (as root) just after the oldest snapshot was deleted: `btrfs subvolume
// delete` frees lazily, so until the cleaner has dropped it the deleted snapshot still references
// the extents the next one shares with it, and nothing of those is freed yet. The note naming
// who keeps them says it is a deleted subvolume still being cleaned up and what waits for it (a
// trial: "most of all … subvolume 258, inode 258 (16 MiB)", which no tool could resolve). The file
// system is remounted read-only right after the delete: the cleaner does not run on a read-only
// btrfs, so the subvolume stays half-deleted while the engine looks.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createEngine } from '../../src/engine';
import { makeFs, skipReason, type TestFs } from '../support/loopfs';
import { MiB, randomFile } from '../support/space-files';

describe('space on btrfs while a deleted snapshot is being cleaned up', { skip: skipReason('btrfs') }, () => {
  let t: TestFs;
  let readOnly = false;
  before(() => {
    t = makeFs('btrfs');
  });
  after(() => {
    if (readOnly) t?.remount('rw');
    t?.cleanup();
  });

  test('the deleted snapshot keeping the extents is named as such, with btrfs subvolume sync; after it, they are freed', async () => {
    const sv = path.join(t.mountPoint, 'sv');
    const day1 = path.join(t.mountPoint, 'day1');
    const day2 = path.join(t.mountPoint, 'day2');
    execFileSync('btrfs', ['subvolume', 'create', sv]);
    randomFile(path.join(sv, 'a'), MiB);
    execFileSync('sync');
    execFileSync('btrfs', ['subvolume', 'snapshot', '-r', sv, day1]);
    execFileSync('btrfs', ['subvolume', 'snapshot', '-r', sv, day2]);
    fs.rmSync(path.join(sv, 'a'));
    execFileSync('sync');
    const id = execFileSync('btrfs', ['inspect-internal', 'rootid', day1], { encoding: 'utf8' }).trim();
    execFileSync('btrfs', ['subvolume', 'delete', day1]);
    t.remount('ro');
    readOnly = true;
    assert.match(execFileSync('btrfs', ['subvolume', 'list', '-d', t.mountPoint], { encoding: 'utf8' }), new RegExp(`ID ${id} .*DELETED`));
    const engine = createEngine();

    const during = await engine.space([day2]);
    assert.equal(during.total.reclaimable, 0n, 'the deleted snapshot still references a');
    const kept = during.fileSystems[0].notes.find((n) => /stay allocated/.test(n));
    assert.ok(kept, during.fileSystems[0].notes.join('\n'));
    assert.match(
      kept,
      new RegExp(
        `subvolume ${id}, inode \\d+ \\[a deleted subvolume btrfs is still cleaning up: its extents are freed in the background; ` +
          `btrfs subvolume sync ${t.mountPoint} waits for that, then ask again\\]`,
      ),
    );

    t.remount('rw');
    readOnly = false;
    execFileSync('btrfs', ['subvolume', 'sync', t.mountPoint]);
    const afterSync = await engine.space([day2]);
    assert.equal(afterSync.total.reclaimable, BigInt(MiB), 'once dropped, day2 alone holds a');
    assert.ok(!afterSync.fileSystems[0].notes.some((n) => /deleted subvolume/.test(n)));
  });
});
