// Benchmark (a): map a file with >= 100,000 extents on XFS.
//  - in process: the engine's mapPacked (extents per second; target >= 1,000,000/s): the
//    engine's columnar map API, what the CLI and the inspector use. map() (one Extent object
//    with four BigInt fields per extent, built from the same packed map) is measured too.
//  - whole process: `extent-lens map` (human and --json) vs `filefrag -v` and `xfs_io -c fiemap`
//    (target: the CLI's aligned table within 2.5x of filefrag -v, mean wall time: report.ts
//    MAP_VS_FILEFRAG). The CLI has one map writer, in JavaScript (src/cli/commands/map-packed.ts);
//    the figure includes Node's start-up, loading the bundle and koffi, FIEMAP and the table.

import * as path from 'node:path';
import type { Engine } from '../src/engine';
import { hyperfine, type Timing } from './lib/hyperfine';
import { sample, type Sample } from './lib/stats';
import { makeAlternatingDataFile } from './lib/xfs-files';

export interface MapBench {
  file: string;
  extents: number;
  /** engine.mapPacked (columnar typed arrays): the figure the target is judged on */
  enginePacked?: Sample;
  /** engine.map (Extent objects) */
  engineMap: Sample;
  engineRanges: Sample;
  /** from enginePacked (older results: from engineMap) */
  extentsPerSecond: number;
  /** from engineMap */
  extentsPerSecondObjects?: number;
  /** which call extentsPerSecond measures */
  measuredCall?: string;
  process: Timing[];
  /** CLI (human) / filefrag -v, by mean wall time and by CPU time */
  cliVsFilefrag: { wall: number; cpu: number };
}

export async function benchMap(engine: Engine, dir: string, cli: string[], count: number): Promise<MapBench> {
  const file = path.join(dir, `extents-${count}.bin`);
  process.stderr.write(`bench: writing ${count} data extents alternating with holes...\n`);
  makeAlternatingDataFile(file, count);
  const probe = await engine.map(file);
  const extents = probe.extents.length;
  if (extents < count) throw new Error(`expected ${count} extents in ${file}, the engine found ${extents}`);

  process.stderr.write('bench: engine map in process...\n');
  const enginePacked = await sample(15, 3, () => engine.mapPacked(file));
  const engineMap = await sample(15, 3, () => engine.map(file));
  const engineRanges = await sample(10, 2, () => engine.ranges(file));
  const extentsPerSecond = Math.round(extents / (enginePacked.median / 1000));
  const extentsPerSecondObjects = Math.round(extents / (engineMap.median / 1000));

  process.stderr.write('bench: whole-process map (hyperfine)...\n');
  const cliCmd = cli.join(' ');
  const proc = hyperfine(
    [
      { name: 'filefrag -v', command: `filefrag -v ${file}` },
      { name: 'xfs_io -c fiemap', command: `xfs_io -c fiemap ${file}` },
      { name: 'extent-lens map', command: `${cliCmd} map ${file}` },
      { name: 'extent-lens map --json', command: `${cliCmd} map ${file} --json` },
      { name: 'extent-lens ranges --json', command: `${cliCmd} ranges ${file} --json` },
    ],
    { warmup: 3, runs: 15 },
  );
  const ff = proc.find((t) => t.name === 'filefrag -v')!;
  const el = proc.find((t) => t.name === 'extent-lens map')!;
  return {
    file,
    extents,
    enginePacked,
    engineMap,
    engineRanges,
    extentsPerSecond,
    extentsPerSecondObjects,
    measuredCall: 'engine.mapPacked()',
    process: proc,
    cliVsFilefrag: { wall: el.mean / ff.mean, cpu: el.cpu / ff.cpu },
  };
}
