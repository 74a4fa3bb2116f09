// The progress of space, dedupe and dig-holes while they walk or map a file of many extents, on
// real ext4 and XFS (copy's: copy-blocks.test.ts): a file's map, or its data ranges walk, reports
// progress over the file's size, which is none of theirs (space counts files and bytes allocated,
// dedupe bytes hashed of the data to hash, dig-holes bytes scanned of the data). A trial's lines
// said "space: 0 files, 32 MiB allocated" (32 MiB was how far into the file its map had got),
// "dedupe: 32 MiB of 200 MiB (15%) hashed" before anything was hashed, and "dig-holes: 2 MiB of
// 200 MiB (0%) scanned" before "5.5 MiB of 100 MiB".

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { createEngine, type Progress } from '../../src/engine';
import { freshDir, makeFs, skipReason, type TestFs } from '../support/loopfs';
import { writeSparse } from '../support/sparse-files';
import { LinuxBackend } from '../../src/engine/backends/linux';
import { SignalContext } from '../../src/engine/context';
import { walkAndMap } from '../../src/engine/dedupe-walk';
import { applyGroup, emptyTally, type Dedupable } from '../../src/engine/dedupe-apply-group';

const backend = new LinuxBackend();
/** Every progress event told, none dropped. */
class Recording extends SignalContext {
  readonly seen: Progress[] = [];
  override progress(p: Progress): void {
    this.seen.push(p);
  }
}

/** A file of 5000 extents (4 KiB of data every 8 KiB): its map takes two FIEMAP pages. */
function manyExtents(p: string): bigint {
  const pieces = Array.from({ length: 5000 }, (_, i) => ({ offset: BigInt(i * 8192), length: 4096 }));
  writeSparse(p, 5000n * 8192n, pieces);
  return 5000n * 4096n;
}

describe('progress while a file of many extents is mapped', { skip: skipReason('ext4') ?? skipReason('xfs') }, () => {
  let ext4: TestFs;
  let xfs: TestFs;
  const engine = createEngine();
  before(() => {
    ext4 = makeFs('ext4', 160);
    xfs = makeFs('xfs');
  });
  after(async () => {
    await engine.dispose();
    ext4?.cleanup();
    xfs?.cleanup();
  });

  test("space: files and bytes allocated, never a map's position in the file", async () => {
    const d = freshDir(ext4, 'space');
    const f = path.join(d, 'many.bin');
    const data = manyExtents(f);
    // named, and in a folder (the Linux folder walk maps as it lists)
    for (const sel of [[f], [d]]) {
      const seen: Progress[] = [];
      const r = await engine.space(sel, { onProgress: (p) => seen.push(p) });
      assert.equal(r.total.allocated, data);
      assert.ok(seen.length > 0, 'some progress was told');
      for (const p of seen) {
        assert.equal(p.total, 0n, `${JSON.stringify(sel)}: ${p.done} of ${p.total}`);
        assert.ok(p.done <= data, `${JSON.stringify(sel)}: ${p.done} bytes said allocated`);
      }
    }
  });

  test("dig-holes: bytes scanned of the data, never the data ranges walk's over the file's size", async () => {
    // A trial: "dig-holes: 2 MiB of 200 MiB (0%) scanned", then "5.5 MiB of 100 MiB (5%)".
    const f = path.join(freshDir(ext4, 'dig'), 'many-ranges.bin');
    const pieces = Array.from({ length: 600 }, (_, i) => ({
      offset: BigInt(i * 8192),
      length: 4096,
      fill: i % 2 ? 0 : undefined, // every other piece zeros, to be punched
    }));
    writeSparse(f, BigInt(600 * 8192), pieces);
    const totals = new Set<bigint>();
    const r = await engine.digHoles(f, { onProgress: (p) => totals.add(p.total) });
    assert.equal(r.bytes, BigInt(300 * 4096), 'the zero blocks deallocated');
    assert.deepEqual([...totals], [BigInt(600 * 4096)]);
  });

  test("dedupe's walk tells no map's progress: nothing is hashed yet", async () => {
    // (its own walk, with a context that keeps every event: the engine's drops some, by time)
    const d = freshDir(ext4, 'dedupe');
    manyExtents(path.join(d, 'a.bin'));
    for (const sel of [[path.join(d, 'a.bin')], [d]]) {
      const ctx = new Recording('dedupe', sel);
      const queued: string[] = [];
      const walk = {
        chunk: 4096n,
        minSize: 4096n,
        errors: [],
        queue: (f: { path: string }) => void queued.push(f.path),
        between: async () => {},
      };
      await walkAndMap(sel, async () => backend, ctx, walk);
      assert.equal(queued.length, 1, JSON.stringify(sel));
      assert.deepEqual(ctx.seen, [], JSON.stringify(sel));
    }
  });

  test("dedupe --apply tells no map's progress as the groups': its maps of the ranges are quiet", async () => {
    const d = freshDir(xfs, 'apply');
    const a = path.join(d, 'a.bin');
    const b = path.join(d, 'b.bin');
    manyExtents(a);
    manyExtents(b); // the same bytes, blocks of its own
    const plan = await engine.findDuplicates([a, b]);
    const whole = plan.groups.find((g) => g.wholeFiles);
    assert.ok(whole, 'a.bin and b.bin make a whole-file group');
    const ctx = new Recording('dedupe', [a, b]);
    const tally = emptyTally();
    await applyGroup(backend as Dedupable, whole, ctx, tally, () => {});
    assert.ok(tally.deduped > 0n, 'shared');
    assert.deepEqual(ctx.seen, []);
  });
});
