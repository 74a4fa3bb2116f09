// Benchmark (b): clone a 1 GiB file on XFS.
//  - in process: engine.clone vs Node's fs.copyFileSync(src, dst, COPYFILE_FICLONE_FORCE)
//    (target: within 1.2x)
//  - whole process: `extent-lens clone` vs `cp --reflink=always`, and a plain copy
//    (`cp --reflink=never`) for scale (target: the CLI under 0.15 s)

import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Engine } from '../src/fsctl/index';
import { hyperfine, type Timing } from './lib/hyperfine';
import { sample, type Sample } from './lib/stats';
import { makeDataFile } from './lib/xfs-files';

export interface CloneBench {
  bytes: number;
  engineClone: Sample;
  nodeCopyFile: Sample;
  /** engine / node, medians */
  engineVsNode: number;
  process: Timing[];
  cliClone: Timing;
}

export async function benchClone(engine: Engine, dir: string, cli: string[], bytes: number): Promise<CloneBench> {
  const src = path.join(dir, 'clone-src.bin');
  const dst = path.join(dir, 'clone-dst.bin');
  process.stderr.write(`bench: writing a ${bytes}-byte file...\n`);
  makeDataFile(src, bytes);
  const rm = (): void => fs.rmSync(dst, { force: true });
  rm();

  process.stderr.write('bench: clone in process (engine vs fs.copyFileSync FICLONE_FORCE)...\n');
  // Interleaved rounds, so that drift in machine load hits both sides alike.
  const engineRuns: Sample[] = [];
  const nodeRuns: Sample[] = [];
  for (let round = 0; round < 3; round++) {
    engineRuns.push(await sample(7, 1, () => engine.clone(src, dst), rm));
    nodeRuns.push(await sample(7, 1, () => fs.copyFileSync(src, dst, fs.constants.COPYFILE_FICLONE_FORCE), rm));
  }
  const best = (xs: Sample[]): Sample => xs.reduce((a, b) => (b.median < a.median ? b : a));
  const engineClone = best(engineRuns);
  const nodeCopyFile = best(nodeRuns);

  process.stderr.write('bench: whole-process clone (hyperfine)...\n');
  const cliCmd = cli.join(' ');
  const clones = hyperfine(
    [
      { name: 'extent-lens clone', command: `${cliCmd} clone ${src} ${dst}`, prepare: `rm -f ${dst}` },
      { name: 'cp --reflink=always', command: `cp --reflink=always ${src} ${dst}`, prepare: `rm -f ${dst}` },
    ],
    { warmup: 3, runs: 20 },
  );
  const copies = hyperfine([{ name: 'cp --reflink=never (plain copy)', command: `cp --reflink=never ${src} ${dst}`, prepare: `rm -f ${dst}` }], {
    warmup: 1,
    runs: 3,
  });
  rm();
  fs.rmSync(src, { force: true });
  const proc = [...clones, ...copies];
  return {
    bytes,
    engineClone,
    nodeCopyFile,
    engineVsNode: engineClone.median / nodeCopyFile.median,
    process: proc,
    cliClone: proc[0],
  };
}
