// Benchmark (b): clone a 1 GiB file on XFS.
//  - in process: engine.clone vs Node's fs.copyFileSync(src, dst, COPYFILE_FICLONE_FORCE)
//    (target: within 1.2x)
//  - whole process: `extent-lens clone` vs `cp --reflink=always`, and a plain copy
//    (`cp --reflink=never`) for scale (target: the CLI under 0.15 s)

import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Engine } from '../src/fsctl/index';
import { hyperfine, type Timing } from './lib/hyperfine';
import { median, type Sample } from './lib/stats';

const CLONE_WARMUP = 200;
const CLONE_RUNS = 2000;
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
  // Like for like: the same warm source, the same destination name, the destination deleted
  // between calls outside the timed region for both, and the two calls alternating call by call
  // (so that the shared machine's load drifts over both alike), many times over.
  const engineTimes: number[] = [];
  const nodeTimes: number[] = [];
  const engineCpu: number[] = [];
  const nodeCpu: number[] = [];
  const time = async (fn: () => unknown, times: number[], cpu: number[], keep: boolean): Promise<void> => {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await fn();
    const t = performance.now() - t0;
    const c = process.cpuUsage(c0);
    rm();
    if (keep) {
      times.push(t);
      cpu.push((c.user + c.system) / 1000);
    }
  };
  for (let i = 0; i < CLONE_WARMUP + CLONE_RUNS; i++) {
    const keep = i >= CLONE_WARMUP;
    // Alternate which goes first, so neither always runs right after the other's unlink.
    if (i % 2 === 0) {
      await time(() => engine.clone(src, dst), engineTimes, engineCpu, keep);
      await time(() => fs.copyFileSync(src, dst, fs.constants.COPYFILE_FICLONE_FORCE), nodeTimes, nodeCpu, keep);
    } else {
      await time(() => fs.copyFileSync(src, dst, fs.constants.COPYFILE_FICLONE_FORCE), nodeTimes, nodeCpu, keep);
      await time(() => engine.clone(src, dst), engineTimes, engineCpu, keep);
    }
  }
  const engineClone: Sample = { median: median(engineTimes), min: Math.min(...engineTimes), runs: CLONE_RUNS, cpu: median(engineCpu) };
  const nodeCopyFile: Sample = { median: median(nodeTimes), min: Math.min(...nodeTimes), runs: CLONE_RUNS, cpu: median(nodeCpu) };

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
