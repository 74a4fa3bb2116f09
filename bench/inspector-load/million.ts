// Inspector load helper: a file with 1,000,000 extents on XFS, and the engine's map time for it.
// The webview benchmark feeds the map to the inspector in Chromium; this half makes the file.
//
//   node --import tsx bench/inspector-load/million.ts           make, map, print JSON, clean up
//   node --import tsx bench/inspector-load/million.ts --keep    ... and leave it mounted; the JSON
//                                                                 names the file and a cleanup command
//   import { makeMillionExtentFile } from './million'           from another benchmark
//
// The extents are unwritten (preallocated) 4 KiB blocks alternating with holes: one falloc and
// a million hole punches, metadata only, so no gigabytes of data are written. Creating it takes
// a minute or two (a million fallocate calls); mapping it is the measured part.

import * as path from 'node:path';
import { loadShippedEngine } from '../lib/engine-bundle';
import { makeLoopFs, skipReason, type LoopFs } from '../lib/loopfs';
import { sample } from '../lib/stats';
import { makeAlternatingUnwrittenFile } from '../lib/xfs-files';

export interface MillionFile {
  file: string;
  extents: number;
  fs: LoopFs;
  cleanup(): void;
}

export interface MillionBench {
  file: string;
  extents: number;
  /** median engine map() time (Extent objects), ms */
  mapMs: number;
  extentsPerSecond: number;
  /** median engine mapPacked() time (columnar typed arrays, what the inspector loads), ms */
  packedMs?: number;
  packedPerSecond?: number;
}

export function makeMillionExtentFile(count = 1_000_000, into?: LoopFs): MillionFile {
  const why = skipReason('xfs', ['xfs_io']);
  if (why) throw new Error(`cannot make the ${count}-extent file: ${why}`);
  // The first falloc reserves the whole span (8 KiB per extent) before half of it is punched
  // again: room for all of it, plus metadata and the log. The image file stays sparse.
  const fsys = into ?? makeLoopFs('xfs', Math.ceil((count * 8192 * 1.15) / 2 ** 20) + 1024, 'bench');
  const file = path.join(fsys.mnt, `unwritten-${count}.bin`);
  try {
    makeAlternatingUnwrittenFile(file, count);
  } catch (e) {
    if (!into) fsys.cleanup();
    throw e;
  }
  return { file, extents: count, fs: fsys, cleanup: () => (into ? undefined : fsys.cleanup()) };
}

export async function benchMillion(file: string, runs = 3): Promise<MillionBench> {
  const engine = loadShippedEngine().createEngine({ worker: false });
  try {
    const n = (await engine.mapPacked(file)).packed.count;
    const p = await sample(runs, 0, () => engine.mapPacked(file));
    const s = await sample(runs, 0, () => engine.map(file));
    return {
      file,
      extents: n,
      mapMs: s.median,
      extentsPerSecond: Math.round(n / (s.median / 1000)),
      packedMs: p.median,
      packedPerSecond: Math.round(n / (p.median / 1000)),
    };
  } finally {
    await engine.dispose();
  }
}

async function main(): Promise<void> {
  const keep = process.argv.includes('--keep');
  const countArg = process.argv.find((a) => /^\d+$/.test(a));
  const t0 = performance.now();
  const made = makeMillionExtentFile(countArg ? Number(countArg) : 1_000_000);
  const createMs = performance.now() - t0;
  try {
    const r = await benchMillion(made.file);
    process.stdout.write(
      JSON.stringify({ ...r, createMs: Math.round(createMs), kept: keep, cleanup: keep ? `umount ${made.fs.mnt} && losetup -d ${made.fs.dev} && rm -rf ${path.dirname(made.fs.mnt)}` : undefined }) + '\n',
    );
  } finally {
    if (!keep) made.cleanup();
  }
}

if (require.main === module) {
  main().catch((e) => {
    process.stderr.write(`million: ${(e as Error).stack ?? e}\n`);
    process.exit(1);
  });
}
