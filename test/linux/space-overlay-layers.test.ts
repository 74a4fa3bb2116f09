// engine.space over an overlayfs merged view and its layers together (issue 13), as root on
// loop-mounted XFS (rmapbt=1, reflink=1) and btrfs: through overlayfs a file is its layer's own
// file (FIEMAP gives the blocks of the file system beneath), so the merged view and the layers
// once counted the same blocks twice. The layers: lower/a (4 MiB), lower/b a reflink of it,
// c (1 MiB) written through the merged view (lands in upper). Real answer: unique 5 MiB,
// deleting all three paths frees 5 MiB, deleting through the merged view frees only c (a and b
// get whiteouts). Each figure is checked against the file system's own accounting after the
// deletes it speaks of. Also a Docker-like tree (lowerdir named by symbolic links under
// overlay2/l/, the merged view mounted inside the tree): the mount is not walked, with a note;
// and a container's merged view given with its image layer's folder: the layer's files count there.

import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { SpaceResult } from '../../src/engine';
import { freshDir, makeFs, skipReason, type FsKind, type TestFs } from '../support/loopfs';
import { dockerOverlay, overlayFolders, withOverlay, type OverlayFolders } from '../support/overlay';
import { btrfsDataUsed, MiB, randomFile, settledFree, spaceOf } from '../support/space-files';

/** Free bytes as the file system accounts them, once settled (btrfs: its Data used, negated). */
async function freeOn(t: TestFs): Promise<bigint> {
  return t.kind === 'btrfs' ? -btrfsDataUsed(t.mountPoint) : settledFree(t.mountPoint, ['sync']);
}

/** What the file system freed: within a little metadata of `expected` (whole MiB of data). */
function assertFreed(freed: bigint, expected: bigint, what: string): void {
  assert.ok(freed >= expected && freed < expected + 256n * 1024n, `${what}: freed ${freed}, expected ${expected}`);
}

/**
 * On `t`: lower/a, lower/b (a reflink of a), the overlay mounted, c written through it; then
 * `fn` with the space of `paths(o)` and all its notes, while it is mounted.
 */
async function withLayers(
  t: TestFs,
  paths: (o: OverlayFolders) => string[],
  fn: (o: OverlayFolders, r: SpaceResult, notes: string) => Promise<void>,
): Promise<void> {
  const o = overlayFolders(freshDir(t, 'ov'));
  randomFile(path.join(o.lower, 'a'), 4 * MiB);
  execFileSync('cp', ['--reflink=always', path.join(o.lower, 'a'), path.join(o.lower, 'b')]);
  await withOverlay(o, async () => {
    randomFile(path.join(o.merged, 'c'), MiB);
    execFileSync('sync');
    const r = await spaceOf(paths(o));
    assert.deepEqual(r.errors, []);
    await fn(o, r, [...r.notes, ...r.fileSystems.flatMap((f) => f.notes)].join('\n'));
  });
}

/**
 * A Docker-like tree on `t` (test/support/overlay.ts dockerOverlay): the image layer's diff holds
 * a, and b a reflink of it.
 */
function dockerTree(t: TestFs, opts: { relative?: boolean } = {}): { docker: string; layer: string; merged: string } {
  const docker = freshDir(t, 'docker');
  const { layer, merged } = dockerOverlay(
    docker,
    (diff) => {
      randomFile(path.join(diff, 'a'), 4 * MiB);
      execFileSync('cp', ['--reflink=always', path.join(diff, 'a'), path.join(diff, 'b')]);
    },
    opts,
  );
  return { docker, layer, merged };
}

for (const kind of ['xfs', 'btrfs'] as FsKind[]) {
  describe(`space of an overlay together with its layers (${kind})`, { skip: skipReason(kind) }, () => {
    const made: TestFs[] = [];
    after(() => made.forEach((t) => t.cleanup()));
    const fresh = (): TestFs => {
      const t = makeFs(kind, 300, kind === 'xfs' ? { mkfsArgs: ['-q', '-f', '-m', 'rmapbt=1,reflink=1'] } : {});
      made.push(t);
      return t;
    };

    test('merged, lower and upper given: each block counted once; what deleting frees, exact, is what is freed', async () => {
      const t = fresh();
      await withLayers(
        t,
        (o) => [o.merged, o.lower, o.upper],
        async (o, r, notes) => {
          assert.equal(r.total.files, 3, notes);
          assert.equal(r.total.allocated, 9n * BigInt(MiB), notes);
          assert.equal(r.total.unique, 5n * BigInt(MiB), notes);
          assert.equal(r.total.reclaimableExact, true, notes);
          assert.equal(r.total.reclaimable, 5n * BigInt(MiB), notes);
          assert.deepEqual(
            r.fileSystems.map((f) => f.filesystem),
            [kind],
            'the overlay is no file system of its own here: its files are the layers',
          );
          assert.match(notes, /The overlay on .*merged: its 3 files were counted as their layers' own files/);
          assert.match(notes, /2 lie only in a lower layer the selection holds .* frees nothing of them \(a whiteout/);
          const [merged] = r.paths ?? [];
          assert.equal(merged.path, o.merged);
          assert.equal(merged.reclaimable, BigInt(MiB), 'deleting through the merged view frees c only');
          assert.equal(merged.reclaimableMax, BigInt(MiB));

          // deleting through the merged view: whiteouts for a and b, c's blocks freed
          const free0 = await freeOn(t);
          for (const f of ['a', 'b', 'c']) fs.rmSync(path.join(o.merged, f));
          assertFreed((await freeOn(t)) - free0, merged.reclaimable, 'rm through merged');
          execFileSync('umount', [o.merged]); // (withOverlay's own umount then finds nothing mounted)
          // then the layers themselves: all three paths deleted
          fs.rmSync(o.lower, { recursive: true });
          fs.rmSync(o.upper, { recursive: true });
          assertFreed((await freeOn(t)) - free0, r.total.reclaimable, 'merged, lower and upper deleted');
        },
      );
    });

    test("the merged view alone: its files are the layers', deleting it frees only what the upper layer holds", async () => {
      const t = fresh();
      await withLayers(
        t,
        (o) => [o.merged],
        async (o, r, notes) => {
          assert.equal(r.total.unique, 5n * BigInt(MiB), notes);
          assert.equal(r.total.reclaimableExact, true, notes);
          assert.equal(r.total.reclaimable, BigInt(MiB), notes);
          assert.match(notes, /2 files of the selection on .* lie only in a lower layer of the overlay/);
          const free0 = await freeOn(t);
          for (const f of ['a', 'b', 'c']) fs.rmSync(path.join(o.merged, f));
          assertFreed((await freeOn(t)) - free0, r.total.reclaimable, 'rm through merged');
        },
      );
    });

    for (const relative of [false, true])
      test(`a Docker-like tree: lowerdir named by links under overlay2/l/, the merged view mounted inside it and not walked${relative ? '; its layers relative to overlay2/ (dockerd, long chains)' : ''}`, async () => {
        const t = fresh();
        const { docker, merged } = dockerTree(t, { relative });
        try {
          randomFile(path.join(merged, 'c'), MiB);
          execFileSync('sync');
          const r = await spaceOf([docker]);
          assert.deepEqual(r.errors, []);
          const notes = [...r.notes, ...r.fileSystems.flatMap((f) => f.notes)].join('\n');
          assert.equal(r.total.files, 3, notes);
          assert.equal(r.total.unique, 5n * BigInt(MiB), notes);
          assert.equal(r.total.reclaimableExact, true, notes);
          assert.equal(r.total.reclaimable, 5n * BigInt(MiB), notes);
          assert.match(
            notes,
            new RegExp(`The overlay mounted on ${merged} was not walked: its upper and lower layers lie inside the selection`),
          );
          assert.ok(r.symlinks === 1, 'the link under l/ is not followed');
        } finally {
          spawnSync('umount', [merged]);
        }
        const free0 = await freeOn(t);
        fs.rmSync(docker, { recursive: true });
        assertFreed((await freeOn(t)) - free0, 5n * BigInt(MiB), 'the whole tree deleted');
      });
    test("a container's merged view and its image layer given (the layer named by a link in lowerdir): the layer's files count there", async () => {
      const t = fresh();
      const { docker, layer, merged } = dockerTree(t);
      try {
        randomFile(path.join(merged, 'c'), MiB);
        execFileSync('sync');
        const r = await spaceOf([merged, layer]);
        assert.deepEqual(r.errors, []);
        const notes = [...r.notes, ...r.fileSystems.flatMap((f) => f.notes)].join('\n');
        assert.equal(r.total.unique, 5n * BigInt(MiB), notes);
        assert.equal(r.total.reclaimableExact, true, notes);
        assert.equal(r.total.reclaimable, 5n * BigInt(MiB), notes);
        const [throughMerged, ofLayer] = r.paths ?? [];
        assert.equal(throughMerged.reclaimable, BigInt(MiB), 'deleting through the merged view frees c only');
        assert.equal(ofLayer.files, 2, notes);
        assert.equal(ofLayer.reclaimable, 4n * BigInt(MiB), "deleting the layer's folder frees a and b");
        const free0 = await freeOn(t);
        for (const f of ['a', 'b', 'c']) fs.rmSync(path.join(merged, f));
        assertFreed((await freeOn(t)) - free0, throughMerged.reclaimable, 'rm through merged');
        execFileSync('umount', [merged]);
        fs.rmSync(layer, { recursive: true });
        assertFreed((await freeOn(t)) - free0, r.total.reclaimable, 'merged emptied, then the layer deleted');
      } finally {
        spawnSync('umount', [merged]);
        fs.rmSync(docker, { recursive: true, force: true });
      }
    });
  });
}
