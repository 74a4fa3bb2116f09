// Benchmark (b): clone a 1 GiB file on XFS.
//  - in process: engine.clone vs Node's fs.copyFileSync(src, dst, COPYFILE_FICLONE_FORCE)
//    (target: within 1.5x; the engine has one clone path, LinuxBackend.cloneNew, with the
//    destination policy around it)
//  - whole process: `extent-lens clone` vs `cp --reflink=always`, and a plain copy
//    (`cp --reflink=never`) for scale (target: the CLI under 0.15 s)

import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Engine } from '../src/engine';
import { hyperfine, type Timing } from './lib/hyperfine';
import { rawCloner } from './lib/raw-clone';
import { median, type Sample } from './lib/stats';
import { makeDataFile } from './lib/xfs-files';

// 2,000 warm-up calls of each, not 200: the engine's clone is JavaScript that V8 optimises only
// after some thousands of calls (copyFileSync is C++ from the first), and with 200 the measured
// calls still included that tier-up (bench/NOTES.md).
const CLONE_WARMUP = 2000;
const CLONE_RUNS = 2000;

export interface CloneBench {
  bytes: number;
  engineClone: Sample;
  nodeCopyFile: Sample;
  /** engine / node, medians */
  engineVsNode: number;
  /** The engine's system calls with no engine (bench/lib/raw-clone.ts 'core'), in a second alternating run. */
  safeSyscalls?: Sample;
  /** safeSyscalls / node in that run, medians */
  safeVsNode?: number;
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
  const copyFile = (): void => fs.copyFileSync(src, dst, fs.constants.COPYFILE_FICLONE_FORCE);
  const [engineClone, nodeCopyFile] = await alternate(() => engine.clone(src, dst), copyFile, rm);
  // The same comparison for the engine's system calls made bare (bench/lib/raw-clone.ts 'core'):
  // what its safety rules cost in the kernel, apart from what its JavaScript adds.
  process.stderr.write("bench: clone in process (the engine's system calls alone vs fs.copyFileSync)...\n");
  const [safeSyscalls, nodeAgain] = await alternate(rawCloner('core', src, dst), copyFile, rm);

  process.stderr.write('bench: whole-process clone (hyperfine)...\n');
  const cliCmd = cli.join(' ');
  const clones = hyperfine(
    [
      { name: 'extent-lens clone', command: `${cliCmd} clone ${src} ${dst}`, prepare: `rm -f ${dst}` },
      { name: 'cp --reflink=always', command: `cp --reflink=always ${src} ${dst}`, prepare: `rm -f ${dst}` },
    ],
    { warmup: 3, runs: 20 },
  );
  const plainCopy = { name: 'cp --reflink=never (plain copy)', command: `cp --reflink=never ${src} ${dst}`, prepare: `rm -f ${dst}` };
  const copies = hyperfine([plainCopy], { warmup: 1, runs: 3 });
  rm();
  fs.rmSync(src, { force: true });
  const proc = [...clones, ...copies];
  return {
    bytes,
    engineClone,
    nodeCopyFile,
    engineVsNode: engineClone.median / nodeCopyFile.median,
    safeSyscalls,
    safeVsNode: safeSyscalls.median / nodeAgain.median,
    process: proc,
    cliClone: proc[0],
  };
}

/**
 * Like for like: the same warm source, the same destination name, the destination deleted
 * between calls outside the timed region for both, and the two calls alternating call by call
 * (so that the shared machine's load drifts over both alike), which one goes first alternating
 * too, many times over. Returns the two samples.
 */
async function alternate(a: () => unknown, b: () => unknown, between: () => void): Promise<[Sample, Sample]> {
  const times: [number[], number[]] = [[], []];
  const cpu: [number[], number[]] = [[], []];
  const time = async (fn: () => unknown, k: 0 | 1, keep: boolean): Promise<void> => {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await fn();
    const t = performance.now() - t0;
    const c = process.cpuUsage(c0);
    between();
    if (keep) {
      times[k].push(t);
      cpu[k].push((c.user + c.system) / 1000);
    }
  };
  for (let i = 0; i < CLONE_WARMUP + CLONE_RUNS; i++) {
    const keep = i >= CLONE_WARMUP;
    // Alternate which goes first, so neither always runs right after the other's unlink.
    if (i % 2 === 0) {
      await time(a, 0, keep);
      await time(b, 1, keep);
    } else {
      await time(b, 1, keep);
      await time(a, 0, keep);
    }
  }
  const sampleOf = (k: 0 | 1): Sample => ({ median: median(times[k]), min: Math.min(...times[k]), runs: CLONE_RUNS, cpu: median(cpu[k]) });
  return [sampleOf(0), sampleOf(1)];
}
