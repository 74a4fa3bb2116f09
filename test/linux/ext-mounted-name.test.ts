// Per-file messages on ext2 and ext3 name the file system as mounted, not "ext4" (statfs's name
// for the whole family: one magic). A trial's `ranges`/`map` note on ext3 said "ext4 counts …
// (unwritten (preallocated) extents, or the blocks of its extent tree)", and clone's error "ext4
// cannot share blocks", on a file system that has neither extents nor ext4's name.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createEngine, type FsctlError } from '../../src/engine';
import { LinuxBackend } from '../../src/engine/backends/linux';
import { execFileSync } from 'node:child_process';
import { makeFs, skipReason } from '../support/loopfs';

describe('ext2 and ext3: per-file notes and errors name the mounted file system', { skip: skipReason('ext4') }, () => {
  for (const kind of ['ext2', 'ext3'] as const) {
    test(`${kind}: ranges' note, clone's and dedupe's errors say ${kind}`, async () => {
      const old = makeFs('ext4', 32, { mkfsArgs: ['-q', '-F', '-b', '1024', '-t', kind] });
      const engine = createEngine();
      try {
        assert.equal((await engine.volume(old.mountPoint)).filesystem, kind, 'mounted as');
        const file = path.join(old.mountPoint, 'f.bin');
        fs.writeFileSync(file, Buffer.alloc(100_000, 7)); // past 12 direct 1 KiB blocks: an indirect block

        const r = await engine.ranges(file);
        assert.equal(r.notes?.length, 1, JSON.stringify(r.notes));
        const note = r.notes![0];
        assert.match(note, new RegExp(`^${kind} counts \\d+ bytes in use for this file`));
        assert.match(note, /its indirect blocks: it maps its blocks the ext2\/ext3 way/);
        assert.doesNotMatch(note, /\bext4\b|extent tree|unwritten/);

        await assert.rejects(engine.clone(file, path.join(old.mountPoint, 'g.bin')), (e: FsctlError) => {
          assert.equal(e.code, 'EOPNOTSUPP');
          assert.match(e.message, new RegExp(`: ${kind} cannot share blocks; `));
          assert.doesNotMatch(e.message, /\bext4\b/);
          return true;
        });

        // the backend's own dedupe check, as the engine's probe meets it
        assert.throws(
          () => new LinuxBackend().dedupeSupport(file),
          (e: FsctlError) =>
            e.code === 'EOPNOTSUPP' && e.message.includes(`${kind} cannot share identical data`) && !/\bext4\b/.test(e.message),
        );
      } finally {
        await engine.dispose();
        old.cleanup();
      }
    });
  }
});

// The mount table can change under a running extension host: an ext3 file system converted to
// ext4 (tune2fs -O extents) and mounted again as ext4 keeps its device and UUID, so st_dev and
// f_fsid alone kept the first name ("ext3") until the process ended.
describe('the same file system mounted again as another of the family', { skip: skipReason('ext4') }, () => {
  test('ext3, unmounted and mounted as ext4 on the same device: named ext4 at once', async () => {
    const t = makeFs('ext4', 32, { mkfsArgs: ['-q', '-F', '-t', 'ext3'] });
    const engine = createEngine();
    try {
      assert.equal((await engine.volume(t.mountPoint)).filesystem, 'ext3', 'mounted as');
      execFileSync('umount', [t.mountPoint]);
      execFileSync('mount', ['-t', 'ext4', t.device!, t.mountPoint]);
      assert.equal((await engine.volume(t.mountPoint)).filesystem, 'ext4', 'mounted again as');
      const file = path.join(t.mountPoint, 'f.bin');
      fs.writeFileSync(file, Buffer.alloc(4096, 7));
      await assert.rejects(engine.clone(file, path.join(t.mountPoint, 'g.bin')), (e: FsctlError) => {
        assert.match(e.message, /: ext4 cannot share blocks; /);
        return true;
      });
    } finally {
      await engine.dispose();
      t.cleanup();
    }
  });
});
