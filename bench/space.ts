// Benchmark (c), issue 13 "Speed and memory": `extent-lens space DIR --json` on trees of small
// files with reflinks (bench/space-tree.ts), on loop-mounted btrfs and XFS.
//  - 20,000 files, whole process, side by side in one hyperfine run:
//      btrfs: against `btrfs filesystem du -s DIR` (target: ratio <= 1.0, mean wall)
//      XFS:   against `find DIR -type f -exec filefrag -v {} +` (every file's extents with
//             physical offsets and the shared flag, batched into few filefrag processes: the
//             cheapest stock way to get the facts the accounting needs; no accounting done)
//  - 200,000 files: peak RSS of `extent-lens space DIR --json` (target < 300 MB), by
//    /usr/bin/time -f %M (the kernel's maxrss of the process), output to /dev/null.
//  - many clones of one file (2,000 clones of a 1,000-extent file, 20,000 of a 1-extent one, on
//    XFS), whole process against the same find + filefrag: not a target, the cases that were
//    once quadratic (docs/ENGINE.md, the sweep).
// Runs as root, so on btrfs the owner queries (BTRFS_IOC_LOGICAL_INO_V2) run and the
// reclaimable figure is exact: the CLI does more than `btrfs filesystem du` here.

import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { hyperfine, type Timing } from './lib/hyperfine';
import { makeLoopFs, type FsKind } from './lib/loopfs';
import { makeSpaceTree } from './space-tree';

export interface SpaceRun {
  fs: FsKind;
  files: number;
  /** the clones run: whole-file clones of one file with this many extents */
  clonesOfExtents?: number;
  /** seconds to make the tree */
  makeSeconds: number;
  /** small tree: CLI and the baseline, side by side */
  process?: Timing[];
  /** CLI mean / baseline mean, and by CPU time */
  ratio?: { wall: number; cpu: number };
  baseline?: string;
  /** large tree: peak RSS (KiB) and wall seconds of one CLI run */
  peakRssKiB?: number;
  wallSeconds?: number;
  /** the CLI's JSON output, bytes */
  outputBytes?: number;
}

export interface SpaceBench {
  small: number;
  large: number;
  runs: SpaceRun[];
}

/** Image size: ~12 KiB of data and metadata per file, with room to spare (sparse image). */
const imageMiB = (files: number, kind: FsKind): number => Math.ceil((files * (kind === 'btrfs' ? 24 : 16) * 1024) / 2 ** 20) + 512;

function withTree<T>(kind: FsKind, files: number, f: (dir: string, makeSeconds: number) => T): T {
  const l = makeLoopFs(kind, imageMiB(files, kind), 'bench-space');
  try {
    process.stderr.write(`bench: space: making ${files} files with reflinks on ${kind}...\n`);
    const t = makeSpaceTree(path.join(l.mnt, 'tree'), files);
    execFileSync('sync');
    return f(t.dir, t.seconds);
  } finally {
    l.cleanup();
  }
}

function peakRss(cmd: string[]): { kib: number; seconds: number; bytes: number } {
  const out = fs.mkdtempSync('/tmp/el-bench-rss-');
  try {
    const res = path.join(out, 'time.txt');
    const json = path.join(out, 'out.json');
    const fd = fs.openSync(json, 'w');
    try {
      execFileSync('/usr/bin/time', ['-f', '%M %e', '-o', res, ...cmd], { stdio: ['ignore', fd, 'inherit'] });
    } finally {
      fs.closeSync(fd);
    }
    const [kib, seconds] = fs.readFileSync(res, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
    return { kib, seconds, bytes: fs.statSync(json).size };
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
}

/** `clones` whole-file clones (FICLONE) of one file of `extents` 4 KiB extents with holes between. */
function makeClones(dir: string, clones: number, extents: number): number {
  const t0 = performance.now();
  fs.mkdirSync(dir);
  const original = path.join(dir, 'original');
  const fd = fs.openSync(original, 'w');
  try {
    fs.ftruncateSync(fd, extents * 8192);
    const block = Buffer.alloc(4096, 0x5a);
    for (let e = 0; e < extents; e++) fs.writeSync(fd, block, 0, block.length, e * 8192);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  for (let c = 0; c < clones; c++) fs.copyFileSync(original, path.join(dir, `clone-${c}`), fs.constants.COPYFILE_FICLONE_FORCE);
  return (performance.now() - t0) / 1000;
}

/**
 * The clones runs: [clones, extents of the file cloned]. Many clones of a fragmented file (a
 * per-extent pair count made that quadratic) and many clones of a small one (one set of files,
 * whose partners once cost a step per pair: 20,000 clones took 17 s).
 */
const CLONE_RUNS: [clones: number, extents: number][] = [
  [2_000, 1_000],
  [20_000, 1],
];

export function benchSpace(cli: string[], small = 20_000, large = 200_000): SpaceBench {
  const runs: SpaceRun[] = [];
  for (const kind of ['btrfs', 'xfs'] as FsKind[]) {
    runs.push(
      withTree(kind, small, (dir, makeSeconds) => {
        const baseline =
          kind === 'btrfs'
            ? ['btrfs filesystem du -s', `btrfs filesystem du -s ${dir}`]
            : ['find + filefrag -v', `find ${dir} -type f -exec filefrag -v {} +`];
        const process = hyperfine(
          [
            { name: baseline[0], command: baseline[1] },
            { name: 'extent-lens space --json', command: `${cli.join(' ')} space ${dir} --json` },
          ],
          { warmup: 1, runs: 10 },
        );
        const [b, c] = process;
        return {
          fs: kind,
          files: small,
          makeSeconds,
          process,
          baseline: baseline[1],
          ratio: { wall: c.mean / b.mean, cpu: c.cpu / b.cpu },
        };
      }),
    );
  }
  for (const kind of ['btrfs', 'xfs'] as FsKind[]) {
    runs.push(
      withTree(kind, large, (dir, makeSeconds) => {
        const r = peakRss([...cli, 'space', dir, '--json']);
        return { fs: kind, files: large, makeSeconds, peakRssKiB: r.kib, wallSeconds: r.seconds, outputBytes: r.bytes };
      }),
    );
  }
  for (const [clones, extents] of CLONE_RUNS) {
    const l = makeLoopFs('xfs', 1024, 'bench-space');
    try {
      process.stderr.write(`bench: space: ${clones} clones of a ${extents}-extent file on xfs...\n`);
      const dir = path.join(l.mnt, 'clones');
      const makeSeconds = makeClones(dir, clones, extents);
      execFileSync('sync');
      const baseline = `find ${dir} -type f -exec filefrag -v {} +`;
      const timings = hyperfine(
        [
          { name: 'find + filefrag -v', command: baseline },
          { name: 'extent-lens space --json', command: `${cli.join(' ')} space ${dir} --json` },
        ],
        { warmup: 1, runs: 3 },
      );
      const [b, c] = timings;
      // memory grows with the shared ranges (2 million here): recorded, not a target
      const r = peakRss([...cli, 'space', dir, '--json']);
      runs.push({
        fs: 'xfs',
        files: clones + 1,
        clonesOfExtents: extents,
        makeSeconds,
        process: timings,
        baseline,
        ratio: { wall: c.mean / b.mean, cpu: c.cpu / b.cpu },
        peakRssKiB: r.kib,
        wallSeconds: r.seconds,
        outputBytes: r.bytes,
      });
    } finally {
      l.cleanup();
    }
  }
  return { small, large, runs };
}
