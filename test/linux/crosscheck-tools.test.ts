// Property-based cross-check: for random sparse layouts (data written at random block-aligned
// offsets, holes punched, ranges preallocated with and without KEEP_SIZE, a random final
// size), the engine's ranges equal `xfs_io -c 'seek -a -r 0'`, and its map equals
// `filefrag -v` (offset, length, physical offset, flags) and `xfs_io -c 'fiemap -v'`.
// XFS and ext4 on loop devices. fast-check, seeded and bounded (25 runs per file system).

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { createEngine, type Engine, type Extent } from '../../src/engine';
import { makeLoopFs, skipReason, type FsKind, type LoopFs } from '../cli/loop';
import { mergeAdjacent, parseFilefrag, parseSeekOutput, parseXfsIoFiemap, type ToolExtent } from '../cli/tool-output';

const BLOCK = 4096;
const MAX_BLOCKS = 384;
const RUNS = 25;
const SEED = 0x5eed;

type OpKind = 'write' | 'punch' | 'falloc' | 'falloc-keep' | 'reflink';
type Op = { kind: OpKind; start: number; blocks: number; byte: number };

/** reflink (shared extents from a donor file) only where the file system can clone. */
function layoutArb(kinds: OpKind[]) {
  const opArb: fc.Arbitrary<Op> = fc.record({
    kind: fc.constantFrom(...kinds),
    start: fc.integer({ min: 0, max: MAX_BLOCKS - 1 }),
    blocks: fc.integer({ min: 1, max: 48 }),
    byte: fc.integer({ min: 1, max: 255 }),
  });
  return fc.record({
    ops: fc.array(opArb, { minLength: 1, maxLength: 14 }),
    // final size in bytes, not necessarily block aligned; may cut below preallocated ranges
    size: fc.option(fc.integer({ min: 0, max: MAX_BLOCKS * BLOCK + 5000 }), { nil: undefined }),
  });
}

/** The xfs_io commands that build a layout, run as one process ending in fsync. */
function layoutCommands(layout: { ops: Op[]; size?: number }, donor: string): string[] {
  const cmds: string[] = [];
  for (const op of layout.ops) {
    const off = op.start * BLOCK;
    const len = op.blocks * BLOCK;
    if (op.kind === 'write') cmds.push(`pwrite -q -S 0x${op.byte.toString(16)} ${off} ${len}`);
    else if (op.kind === 'reflink') cmds.push(`reflink -q ${donor} ${(op.byte % 64) * BLOCK} ${off} ${len}`);
    else if (op.kind === 'punch') cmds.push(`fpunch ${off} ${len}`);
    else if (op.kind === 'falloc') cmds.push(`falloc ${off} ${len}`);
    else cmds.push(`falloc -k ${off} ${len}`);
  }
  if (layout.size !== undefined) cmds.push(`truncate ${layout.size}`);
  cmds.push('fsync');
  return cmds;
}

const plain = (e: Extent | ToolExtent) => ({
  offset: e.offset,
  length: e.length,
  physical: e.physical,
  flags: [...e.flags].sort(),
});

function crosscheckSuite(kind: FsKind): void {
  describe(`engine vs xfs_io and filefrag on ${kind}`, { skip: skipReason(kind, ['xfs_io', 'filefrag']) }, () => {
    let fsys: LoopFs;
    let engine: Engine;
    let n = 0;
    let donor = '';
    const kinds: OpKind[] = ['write', 'write', 'punch', 'falloc', 'falloc-keep', ...(kind === 'ext4' ? [] : (['reflink'] as OpKind[]))];
    before(() => {
      fsys = makeLoopFs(kind, kind === 'xfs' ? 512 : 256, 'crosscheck');
      engine = createEngine({ worker: false });
      donor = path.join(fsys.mnt, 'donor.bin');
      execFileSync('xfs_io', ['-f', '-c', `pwrite -q -S 0x77 0 ${(64 + 48) * BLOCK}`, '-c', 'fsync', donor]);
    });
    after(async () => {
      await engine?.dispose();
      fsys?.cleanup();
    });

    test(`random sparse layouts (${RUNS} runs, seed ${SEED})`, async () => {
      const seen = new Set<string>();
      await fc.assert(
        fc.asyncProperty(layoutArb(kinds), async (layout) => {
          const file = path.join(fsys.mnt, `layout-${n++}.bin`);
          const cmds = layoutCommands(layout, donor);
          execFileSync('xfs_io', ['-f', ...cmds.flatMap((c) => ['-c', c]), file], { stdio: ['ignore', 'ignore', 'pipe'] });
          const xio = (c: string): string => execFileSync('xfs_io', ['-r', '-c', c, file], { encoding: 'utf8' });

          // allocated ranges vs lseek(SEEK_DATA/SEEK_HOLE) as xfs_io sees it
          const ranges = await engine.ranges(file);
          const seek = parseSeekOutput(xio('seek -a -r 0'));
          assert.deepEqual(
            ranges.ranges.map((r) => [r.offset, r.length]),
            seek.map((r) => [r.offset, r.length]),
            `ranges differ for ${cmds.join('; ')}`,
          );

          // extent map vs filefrag -v: one FIEMAP extent per line, nothing merged
          const map = await engine.map(file);
          const ff = parseFilefrag(execFileSync('filefrag', ['-v', file], { encoding: 'utf8' }));
          assert.equal(BigInt(map.blockSize), ff.blockSize);
          assert.deepEqual(map.extents.map(plain), ff.extents.map(plain), `map differs from filefrag for ${cmds.join('; ')}`);

          // vs xfs_io fiemap (in 512-byte sectors; it may join neighbours, so compare merged)
          const xf = parseXfsIoFiemap(xio('fiemap -v'));
          const mine = mergeAdjacent(
            map.extents.map((e) => ({ offset: e.offset, length: e.length, physical: e.physical ?? -1n, flags: e.flags })),
          );
          assert.deepEqual(mine.map(plain), mergeAdjacent(xf).map(plain), `map differs from xfs_io fiemap for ${cmds.join('; ')}`);
          for (const e of map.extents) for (const f of e.flags) seen.add(f);
          if (ranges.ranges.length > 1) seen.add('several-ranges');
        }),
        { numRuns: RUNS, seed: SEED },
      );
      // The layouts must have exercised what the cross-check is about, or it proves little.
      const wanted = ['unwritten', 'last', 'several-ranges', ...(kind === 'ext4' ? [] : ['shared'])];
      for (const w of wanted) assert.ok(seen.has(w), `no run produced ${w}: seen ${[...seen].join(', ')}`);
    });
  });
}

crosscheckSuite('xfs');
crosscheckSuite('ext4');
