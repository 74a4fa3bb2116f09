// engine.findDuplicates and engine.dedupe over a Docker-like tree (issue 14), as root on
// loop-mounted XFS (reflink=1) and btrfs: an image layer (base, 2 MiB, and libdup a copy of it),
// a container whose merged view is mounted inside the tree, and through it app1 (1 MiB), app2 a
// copy of it and basecopy a copy of base, all three landing in the container's upper layer.
// Real answer: 5 MiB can be freed (two copies of base, one of app1). Through overlayfs a file is
// its layer's own file, so the walk once met app1 and app2 twice (under diff/ and under merged/):
// a second group of the same blocks, "net saving 6 MiB", and the apply's freed measured on the
// overlay and on the file system beneath, the same blocks twice ("freed 10 MiB" of 5). Given
// alone, the merged view left base and libdup out (lower-only: overlayfs refuses them, EPERM)
// and found 1 MiB of the 5.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createEngine } from '../../src/engine';
import { freshDir, makeFs, skipReason, type FsKind, type TestFs } from '../support/loopfs';
import { dockerOverlay, type DockerOverlay } from '../support/overlay';
import { freeAfterSync, freedMatches, sha } from '../support/dedupe-files';
import { MiB, randomFile } from '../support/space-files';

const FIVE_MIB = 5n * BigInt(MiB);

/** The Docker-like tree above under t/`name`, mounted; `fn` runs while it is, then it is unmounted. */
async function withDockerTree(
  t: TestFs,
  name: string,
  fn: (docker: string, o: DockerOverlay) => Promise<void>,
  opts: { relative?: boolean } = {},
): Promise<void> {
  const docker = freshDir(t, name);
  const o = dockerOverlay(
    docker,
    (diff) => {
      randomFile(path.join(diff, 'base'), 2 * MiB);
      execFileSync('cp', ['--reflink=never', path.join(diff, 'base'), path.join(diff, 'libdup')]);
    },
    opts,
  );
  try {
    randomFile(path.join(o.merged, 'app1'), MiB);
    execFileSync('cp', ['--reflink=never', path.join(o.merged, 'app1'), path.join(o.merged, 'app2')]);
    execFileSync('cp', ['--reflink=never', path.join(o.merged, 'base'), path.join(o.merged, 'basecopy')]);
    execFileSync('sync');
    await fn(docker, o);
  } finally {
    spawnSync('umount', [o.merged]);
  }
}

/** Every file's sha256 under the layers and the merged view, by path. */
function shasOf(o: DockerOverlay): Map<string, string> {
  const out = new Map<string, string>();
  for (const dir of [path.join(o.layer, 'diff'), o.upper, o.merged])
    for (const n of fs.readdirSync(dir)) out.set(path.join(dir, n), sha(path.join(dir, n)));
  return out;
}

/** Find `paths`, apply the plan, and check what it freed against the file system's own count and 5 MiB. */
async function findAndApply(kind: FsKind, t: TestFs, o: DockerOverlay, paths: string[], check: (notes: string[]) => void): Promise<void> {
  const shas0 = shasOf(o);
  const lowerMtime = fs.statSync(path.join(o.layer, 'diff', 'libdup'), { bigint: true }).mtimeNs;
  const engine = createEngine();
  try {
    const plan = await engine.findDuplicates(paths);
    const notes = plan.notes.join('\n');
    assert.deepEqual(plan.errors, []);
    const named = plan.groups.flatMap((g) => g.ranges.map((r) => r.path));
    assert.ok(
      named.every((p) => !p.startsWith(o.merged + '/')),
      `every range names its layer's file, not the merged view: ${named.join(', ')}`,
    );
    assert.equal(plan.total.netSaving, FIVE_MIB, `${named.join(', ')}\n${notes}`);
    check(plan.notes);
    const free0 = freeAfterSync(t.mountPoint);
    const r = await engine.dedupe(plan);
    assert.deepEqual(r.skipped, []);
    const freedByFs = freeAfterSync(t.mountPoint) - free0;
    freedMatches(kind, freedByFs, FIVE_MIB);
    freedMatches(kind, r.freed, freedByFs);
  } finally {
    await engine.dispose();
  }
  assert.deepEqual(shasOf(o), shas0, 'every file reads as before, through its layer and through the merged view');
  assert.deepEqual(fs.readdirSync(o.upper).sort(), ['app1', 'app2', 'basecopy'], 'nothing copied up');
  // (FIDEDUPERANGE changes no data nor times: overlayfs, which its layers must not change under, sees nothing)
  assert.equal(fs.statSync(path.join(o.layer, 'diff', 'libdup'), { bigint: true }).mtimeNs, lowerMtime);
}

for (const kind of ['xfs', 'btrfs'] as FsKind[]) {
  describe(`dedupe of a Docker-like tree with an overlay mounted inside (${kind})`, { skip: skipReason(kind) }, () => {
    let t: TestFs;
    before(() => {
      t = makeFs(kind, 300);
    });
    after(() => t?.cleanup());

    test('the tree given: the overlay is not walked (a note names it), each copy found once, freed measured = 5 MiB', async () => {
      await withDockerTree(t, 'docker', async (docker, o) => {
        await findAndApply(kind, t, o, [docker], (notes) => {
          assert.ok(
            notes.some((n) =>
              n.startsWith(`The overlay mounted on ${o.merged} was not walked: its upper and lower layers lie inside the selection`),
            ),
            notes.join('\n'),
          );
        });
      });
    });

    test('mounted as dockerd mounts long layer chains (every layer relative to overlay2/): the same, the layers found from the mount point', async () => {
      await withDockerTree(
        t,
        'docker-relative',
        async (docker, o) => {
          assert.match(fs.readFileSync('/proc/self/mountinfo', 'utf8'), /lowerdir=l\/IMG1,upperdir=ctr1\/diff,workdir=ctr1\/work/);
          await findAndApply(kind, t, o, [docker], (notes) => {
            assert.ok(
              notes.some((n) => n.startsWith(`The overlay mounted on ${o.merged} was not walked`)),
              notes.join('\n'),
            );
          });
        },
        { relative: true },
      );
    });

    test('the merged view given alone: its files deduplicated as their layer files (lower-only ones too), nothing copied up', async () => {
      await withDockerTree(t, 'docker-merged', async (_docker, o) => {
        await findAndApply(kind, t, o, [o.merged], (notes) => {
          assert.ok(
            notes.some((n) => n.startsWith(`The overlay on ${o.merged}: its 5 files were examined as their layers' own files`)),
            notes.join('\n'),
          );
          assert.ok(!notes.some((n) => /only in a lower layer of an overlay/.test(n)), notes.join('\n'));
        });
      });
    });
  });
}
