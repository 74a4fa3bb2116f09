// engine.space on an overlayfs merged view (lower and upper on one XFS, as root): a file only in
// the lower layer is hidden by a whiteout when its merged name is deleted, and nothing is freed.
// space once said "deleting it frees 1.3 MiB", exact, of two lower files whose rm freed 0 bytes:
// now they are left out, with a note, and what deleting frees is what statfs says it freed. Its
// files count as the layers' own, on XFS (space-overlay.ts; with the layers: space-overlay-layers.test.ts).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createEngine } from '../../src/engine';
import { freshDir, makeFs, skipReason, type TestFs } from '../support/loopfs';
import { overlayFolders, withOverlay } from '../support/overlay';
import { MiB, randomFile, settledFree } from '../support/space-files';

describe('space of an overlayfs merged view (XFS layers)', { skip: skipReason('xfs') }, () => {
  let xfs: TestFs;
  before(() => {
    xfs = makeFs('xfs');
  });
  after(() => xfs?.cleanup());

  test('a lower-only file frees nothing when deleted in the merged view; an upper file frees its blocks', async () => {
    const o = overlayFolders(freshDir(xfs, 'ov'));
    const { lower, merged } = o;
    randomFile(path.join(lower, 'low'), MiB);
    await withOverlay(o, async () => {
      randomFile(path.join(merged, 'up'), 2 * MiB);
      execFileSync('sync');
      const engine = createEngine();
      const r = await engine.space([merged]).finally(() => engine.dispose());
      assert.deepEqual(r.errors, []);
      assert.equal(r.total.files, 2);
      assert.equal(r.total.allocated, 3n * BigInt(MiB));
      assert.equal(r.total.reclaimableExact, true);
      assert.equal(r.total.reclaimable, 2n * BigInt(MiB), 'only the upper file is freed');
      assert.ok(
        r.fileSystems[0].notes.some((n) => /lies only in a lower layer of the overlay/.test(n)),
        r.fileSystems[0].notes.join('\n'),
      );
      const free0 = await settledFree(xfs.mountPoint, ['sync']);
      fs.rmSync(path.join(merged, 'low'));
      fs.rmSync(path.join(merged, 'up'));
      const freed = (await settledFree(xfs.mountPoint, ['sync'])) - free0;
      assert.ok(freed >= 2n * BigInt(MiB) && freed < 2n * BigInt(MiB) + 256n * 1024n, `freed ${freed}`);
    });
  });

  test("mounted with relative layers (shown so in mountinfo): placed from the mount point, never from this process's folder", async () => {
    const o = overlayFolders(freshDir(xfs, 'ov-rel'));
    randomFile(path.join(o.upper, 'up'), MiB);
    // relative to `top`, where mount runs; this process's folder is elsewhere, and holds no "upper"
    await withOverlay(
      o,
      async () => {
        assert.match(fs.readFileSync('/proc/self/mountinfo', 'utf8'), /upperdir=upper,/);
        execFileSync('sync');
        const engine = createEngine();
        const r = await engine.space([o.merged]).finally(() => engine.dispose());
        assert.equal(r.total.files, 1);
        assert.equal(r.total.reclaimable, BigInt(MiB), 'the upper file is not taken for a lower one');
        assert.ok(!r.fileSystems[0].notes.some((n) => /lower layer/.test(n)), r.fileSystems[0].notes.join('\n'));
        // found from the mount point: the folder above it whose upper is the overlay root's folder
        assert.match(r.notes.join('\n'), /^The overlay on .*merged: its file was counted as its layer's own file/m);
      },
      { relative: true },
    );
  });

  test("layers relative to a folder not above the mount point: not placed, the files count as the overlay's own", async () => {
    const o = overlayFolders(freshDir(xfs, 'ov-rel-away'));
    const away = freshDir(xfs, 'ov-rel-away-mnt');
    randomFile(path.join(o.upper, 'up'), MiB);
    execFileSync('mount', ['-t', 'overlay', 'overlay', '-o', 'lowerdir=lower,upperdir=upper,workdir=work', away], { cwd: o.top });
    try {
      execFileSync('sync');
      const engine = createEngine();
      const r = await engine.space([away]).finally(() => engine.dispose());
      assert.equal(r.total.files, 1);
      assert.equal(r.total.reclaimable, BigInt(MiB));
      assert.ok(!r.notes.some((n) => /layer's own file/.test(n)), r.notes.join('\n'));
      // with its layers selected too, the note that its files may count twice says why they were not matched
      const both = createEngine();
      const r2 = await both.space([away, o.top]).finally(() => both.dispose());
      assert.ok(
        r2.notes.some((n) =>
          /^One file seen through the overlay on .*could not be matched to its layer file \(its layers are not to be seen from here: given as paths relative to where mount ran, not found from its mount point, or from another mount namespace\)/.test(
            n,
          ),
        ),
        r2.notes.join('\n'),
      );
    } finally {
      spawnSync('umount', [away]);
    }
  });

  test('an absolute upperdir beside relative lower layers: no folder above the mount point is taken for where mount ran', async () => {
    // mount ran in top/; the folder above the mount point holds a "lower" of its own. The top
    // layer's inode tells nothing here (absolute: the same whatever folder is tried), so a
    // folder holding the relative names is no proof: the decoy's file was taken for the layer file
    // (its path, dev and inode: what dedupe reads and shares, what space asks owners of).
    const o = overlayFolders(freshDir(xfs, 'ov-mixed-abs'));
    randomFile(path.join(o.lower, 'f'), MiB);
    const at = freshDir(xfs, 'ov-mixed-abs-at');
    fs.mkdirSync(path.join(at, 'lower'));
    randomFile(path.join(at, 'lower', 'f'), 2 * MiB);
    const merged = path.join(at, 'merged');
    fs.mkdirSync(merged);
    execFileSync('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=lower,upperdir=${o.upper},workdir=${o.work}`, merged], {
      cwd: o.top,
    });
    try {
      execFileSync('sync');
      const engine = createEngine();
      const r = await engine.space([merged]).finally(() => engine.dispose());
      assert.equal(r.total.files, 1);
      assert.equal(r.total.allocated, BigInt(MiB));
      // not matched to the decoy (its layers not placed): counted as the overlay's own file
      assert.ok(
        !r.notes.some((n) => /layer's own file/.test(n)),
        `${path.join(at, 'lower', 'f')} taken for its layer file:\n${r.notes.join('\n')}`,
      );
    } finally {
      spawnSync('umount', [merged]);
    }
  });

  test("shared blocks in the overlay: its files are the upper layer's, on XFS, where the exact scan runs and is checked", async () => {
    const o = overlayFolders(freshDir(xfs, 'ov-scan'));
    const { merged } = o;
    await withOverlay(o, async () => {
      randomFile(path.join(merged, 'a'), MiB);
      execFileSync('cp', ['--reflink=always', path.join(merged, 'a'), path.join(merged, 'b')]);
      execFileSync('sync');
      const engine = createEngine();
      try {
        const r = await engine.space([merged]);
        const f = r.fileSystems[0];
        // (it once was overlayfs, where a scan of the overlay alone would not see the files beneath it)
        assert.equal(f.filesystem, 'xfs', "the upper layer's file system");
        assert.equal(f.reclaimableExact, false, 'no owners without rmapbt');
        assert.ok(f.exactScan, 'offered');
        const scanned = await engine.space([merged], { exactScan: true });
        const g = scanned.fileSystems[0];
        // the scan ran over the XFS beneath; the overlay's mount point hides what lies under it, which it says (bounds)
        assert.ok(
          g.notes.some((n) => /under folders that other file systems are mounted on \(.*merged\)/.test(n)),
          g.notes.join('\n'),
        );
        assert.equal(g.reclaimableMax, BigInt(MiB), 'a and b share only with each other');
        const free0 = await settledFree(xfs.mountPoint, ['sync']);
        fs.rmSync(path.join(merged, 'a'));
        fs.rmSync(path.join(merged, 'b'));
        const freed = (await settledFree(xfs.mountPoint, ['sync'])) - free0;
        assert.ok(freed >= g.reclaimable && freed < g.reclaimableMax + 256n * 1024n, `freed ${freed}`);
      } finally {
        await engine.dispose();
      }
    });
  });

  test('a bind mount of a folder of the merged view: its upper files are found under that folder of the upper layer', async () => {
    const o = overlayFolders(freshDir(xfs, 'ov-bind'));
    fs.mkdirSync(path.join(o.lower, 'sub'));
    randomFile(path.join(o.lower, 'sub', 'low'), MiB);
    const bind = path.join(o.top, 'bind');
    fs.mkdirSync(bind);
    await withOverlay(o, async () => {
      randomFile(path.join(o.merged, 'sub', 'up'), 2 * MiB); // copies sub up, makes up in the upper layer
      execFileSync('mount', ['--bind', path.join(o.merged, 'sub'), bind]);
      try {
        assert.match(fs.readFileSync('/proc/self/mountinfo', 'utf8'), /\/sub \S*bind /);
        execFileSync('sync');
        const engine = createEngine();
        const r = await engine.space([bind]).finally(() => engine.dispose());
        assert.equal(r.total.files, 2);
        assert.equal(r.total.reclaimable, 2n * BigInt(MiB), 'the upper file is freed, the lower one is not');
      } finally {
        execFileSync('umount', [bind]);
      }
    });
  });
});
