// The walk of space and dedupe over SMB, where the server follows symbolic links: Samba shows a
// link to a folder as that folder (no reparse point), so a link to a folder above it
// (proj/sub/up -> ..) was walked round and round (sub/up/sub/up/…) until Samba refused the path,
// each lap's names counted as "hard links" and the walk ending in STATUS_OBJECT_PATH_NOT_FOUND
// errors (exit 1). A folder is known by its FileId like a file: walked once, with a note.

import assert from 'node:assert/strict';
import { chownSync, mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createEngine } from '../../src/engine';
import { makeLoopFs, sambaSkipReason, startSamba, type LoopFs, type SambaServer, BTRFS_CLONING, stopSamba } from '../support/samba';
import { makeDenseFile, smbUid, useSmbPassword } from './helpers';

const skip = sambaSkipReason();
const KiB = 1024;

describe(
  'space and dedupe over SMB: folders the server shows twice through symbolic links are walked once',
  { skip, timeout: 120_000 },
  () => {
    let btrfs: LoopFs;
    let smb: SambaServer;
    useSmbPassword();

    before(async () => {
      btrfs = makeLoopFs('btrfs', 256);
      const dir = join(btrfs.mnt, 'proj');
      mkdirSync(join(dir, 'sub'), { recursive: true });
      makeDenseFile(join(dir, 'a.bin'), 64 * KiB, 1);
      makeDenseFile(join(dir, 'sub', 'b.bin'), 64 * KiB, 1); // a copy of a.bin: a dedupe group
      symlinkSync('..', join(dir, 'sub', 'up')); // proj/sub/up is proj: a loop
      symlinkSync('sub', join(dir, 'alias')); // proj/alias is proj/sub: another name
      mkdirSync(join(btrfs.mnt, 'other'));
      symlinkSync('..', join(btrfs.mnt, 'other', 'back')); // other/back is the share's root
      for (const d of [dir, join(dir, 'sub'), join(btrfs.mnt, 'other')]) chownSync(d, smbUid(), 0);
      // Samba's defaults: follow symlinks = yes, wide links = no (links inside the share are followed)
      smb = await startSamba({ shares: [{ name: 'b', path: btrfs.mnt, options: BTRFS_CLONING }] });
    });

    after(async () => {
      await stopSamba(smb, btrfs);
    });

    // Over SMB nothing tells the link from the folder: the first name in the walk's order (depth
    // first, names sorted) is walked, alias before sub; then sub and alias/up are names met again.
    const folderNote =
      /2 folders were met again by another name and not walked again: over SMB .*same FileId \(a symbolic link the server follows/;

    test('space: each file once, no errors, the folders met again named in a note', async () => {
      const top = smb.uri('b', 'proj');
      const r = await createEngine().space([top]);
      assert.deepEqual(r.errors, []);
      assert.deepEqual(
        r.files.map((f) => f.path.slice(top.length + 1)),
        ['a.bin', 'alias/b.bin'],
      );
      assert.equal(r.total.files, 2);
      assert.match(r.notes.join('\n'), folderNote);
      // nothing was counted again: no "hard links" from laps of the loop
      assert.doesNotMatch(r.notes.join('\n'), /hard link/);
    });

    test('space of the folder named with a trailing slash: the same, the folder known by its FileId all the same', async () => {
      const top = smb.uri('b', 'proj');
      const r = await createEngine().space([`${top}/`]);
      assert.deepEqual(r.errors, []);
      assert.deepEqual(
        r.files.map((f) => f.path.slice(top.length + 1)),
        ['a.bin', 'alias/b.bin'],
      );
      assert.match(r.notes.join('\n'), folderNote);
      assert.doesNotMatch(r.notes.join('\n'), /hard link/);
    });

    test("space of the share's root with a link back to it: the root is known by its FileId too (no second walk of it)", async () => {
      const top = smb.uri('b');
      const r = await createEngine().space([top]);
      assert.deepEqual(r.errors, []);
      assert.deepEqual(
        r.files.map((f) => f.path.slice(top.length + 1)),
        ['proj/a.bin', 'proj/alias/b.bin'],
      );
      // other/back (the root), proj/sub and proj/alias/up
      assert.match(r.notes.join('\n'), /3 folders were met again by another name and not walked again/);
      assert.doesNotMatch(r.notes.join('\n'), /hard link/);
    });

    test('dedupe: the one group of the two files, no errors, the same note', async () => {
      const top = smb.uri('b', 'proj');
      const plan = await createEngine().findDuplicates([top]);
      assert.deepEqual(plan.errors, []);
      assert.equal(plan.total.files, 2);
      assert.deepEqual(
        plan.groups.map((g) => g.ranges.map((x) => x.path.slice(top.length + 1)).sort()),
        [['a.bin', 'alias/b.bin']],
      );
      assert.match(plan.notes.join('\n'), folderNote);
      assert.doesNotMatch(plan.notes.join('\n'), /hard link/);
    });
  },
);
