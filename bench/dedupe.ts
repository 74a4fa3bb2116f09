// Benchmark (d), issue 14 "Speed": `extent-lens dedupe DIR --apply` against `duperemove -dr -b
// 128k DIR` (Debian package) on the same tree, on loop-mounted btrfs and XFS (reflink=1): bytes
// freed (statfs f_bfree after sync, before and after) and wall time of the whole process and a
// `sync` after it (the freeing is done only once the file system has committed).
// Deduplication changes the tree, so every run gets a fresh image with the same tree (the same
// bytes: AES-128-CTR streams from fixed keys). Each tool runs ROUNDS times per file system, the
// two alternating (which goes first swaps each round), and the targets compare medians: one run
// each spread ±30% on this shared 2-core machine, more than the difference being measured.
//
// The tree: FILES files of TOTAL/FILES bytes, 10 per folder; the second half are copies of the
// first half written again (their own blocks): 50% duplicate data, whole files.

import { execFileSync } from 'node:child_process';
import { createCipheriv } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { makeLoopFs, type FsKind } from './lib/loopfs';

export interface DedupeRun {
  fs: FsKind;
  tool: string;
  /** 1-based: the runs of one round are side by side in time. */
  round: number;
  command: string;
  wallSeconds: number;
  /** User + system CPU seconds of the tool's process (its threads included), by /usr/bin/time. */
  cpuSeconds?: number;
  /** Free space gained, statfs after sync (decimal string). */
  freed: string;
  /** What the tool itself reported freeing, where it says (decimal string). */
  reported?: string;
}

export interface DedupeBench {
  /** The loop devices bypassed their images' page cache (makeLoopFs directIo: the larger tree). */
  directIo?: boolean;
  files: number;
  totalBytes: number;
  duplicateBytes: number;
  rounds: number;
  runs: DedupeRun[];
}

/** The median of a tool's runs on one file system: wall seconds and freed bytes (each its own median). */
export function dedupeMedian(b: DedupeBench, fs: FsKind, tool: string): { wallSeconds: number; freed: bigint } | undefined {
  const runs = b.runs.filter((r) => r.fs === fs && r.tool === tool);
  if (runs.length === 0) return undefined;
  const mid = <T>(xs: T[]): T => xs[Math.floor((xs.length - 1) / 2)];
  const walls = runs.map((r) => r.wallSeconds).sort((x, y) => x - y);
  const freed = runs.map((r) => BigInt(r.freed)).sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
  // an even count: the mean of the middle two walls; the lower middle of the bytes (exact)
  const wall = walls.length % 2 === 0 ? (walls[walls.length / 2 - 1] + walls[walls.length / 2]) / 2 : mid(walls);
  return { wallSeconds: wall, freed: mid(freed) };
}

/** Deterministic bytes for file `i` (AES-128-CTR of zeros under a key made of `i`). */
function content(i: number, bytes: number): Buffer {
  const key = Buffer.alloc(16);
  key.writeUInt32LE(i + 1, 0);
  return createCipheriv('aes-128-ctr', key, Buffer.alloc(16)).update(Buffer.alloc(bytes));
}

function makeTree(dir: string, files: number, fileBytes: number): void {
  const half = Math.floor(files / 2);
  for (let i = 0; i < files; i++) {
    const folder = path.join(dir, `d${Math.floor(i / 10)}`);
    if (i % 10 === 0) fs.mkdirSync(folder, { recursive: true });
    fs.writeFileSync(path.join(folder, `f${i}`), content(i < half ? i : i - half, fileBytes));
  }
  execFileSync('sync');
}

function freeBytes(mnt: string): bigint {
  execFileSync('sync');
  const s = fs.statfsSync(mnt, { bigint: true });
  return s.bfree * s.bsize;
}

export function benchDedupe(cli: string[], totalMiB = 2048, files = 2000, rounds = 3, directIo = false): DedupeBench {
  const fileBytes = Math.floor((totalMiB * 2 ** 20) / files / 4096) * 4096;
  const runs: DedupeRun[] = [];
  const tools: { tool: string; argv: (dir: string) => string[] }[] = [
    { tool: 'duperemove', argv: (dir) => ['duperemove', '-dr', '-b', '128k', '-q', dir] },
    { tool: 'extent-lens', argv: (dir) => [...cli, 'dedupe', dir, '--apply', '--chunk', '128k', '--json'] },
  ];
  for (const kind of ['btrfs', 'xfs'] as FsKind[])
    for (let round = 1; round <= rounds; round++)
      for (const t of round % 2 === 1 ? tools : [...tools].reverse()) {
        const l = makeLoopFs(kind, Math.ceil(totalMiB * 1.5) + 512, 'bench-dedupe', [], directIo);
        try {
          const dir = path.join(l.mnt, 'tree');
          process.stderr.write(
            `bench: dedupe: ${files} files, ${totalMiB} MiB on ${kind} for ${t.tool} (round ${round} of ${rounds})...\n`,
          );
          makeTree(dir, files, fileBytes);
          const before = freeBytes(l.mnt);
          const argv = t.argv(dir);
          // Timed up to the end of a `sync`: only then is the freeing done (extent-lens syncs itself
          // to measure what it freed; duperemove leaves the commit to the file system).
          const timeFile = path.join(l.mnt, '..', 'time.txt');
          const t0 = performance.now();
          const out = execFileSync('/usr/bin/time', ['-o', timeFile, '-f', '%U %S', ...argv], {
            encoding: 'utf8',
            maxBuffer: 1 << 30,
            stdio: ['ignore', 'pipe', 'pipe'],
          });
          execFileSync('sync');
          const wallSeconds = (performance.now() - t0) / 1000;
          const [user, sys] = fs.readFileSync(timeFile, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
          const cpuSeconds = user + sys;
          const freed = freeBytes(l.mnt) - before;
          const reported = t.tool === 'extent-lens' ? (JSON.parse(out) as { total: { freed: string } }).total.freed : undefined;
          const shown = t.tool === 'extent-lens' ? ['extent-lens', ...argv.slice(cli.length)] : argv;
          runs.push({
            fs: kind,
            tool: t.tool,
            round,
            command: shown.join(' ').replace(dir, 'DIR'),
            wallSeconds,
            cpuSeconds,
            freed: freed.toString(),
            reported,
          });
        } finally {
          l.cleanup();
        }
      }
  const half = Math.floor(files / 2);
  return { directIo, files, totalBytes: files * fileBytes, duplicateBytes: (files - half) * fileBytes, rounds, runs };
}
