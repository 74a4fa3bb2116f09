// A fuzzer for dedupe's saving rules (src/engine/dedupe-saving.ts, dedupe-extent*.ts,
// dedupe-counted-once.ts): random small trees on a fresh loop-mounted btrfs or XFS image per
// seed, made the way real data gets shared and changed (files of repeated segments and blocks,
// sizes not whole blocks, whole-file reflinks, partial reflinks at other offsets, a snapshot
// (btrfs: read-only in 30%; XFS: `cp -a --reflink`) and then files changed or grown in the
// original), found with a random chunk size, applied, and the estimate compared with what the
// file system's own accounting says was freed: btrfs's Data "Used" (`btrfs filesystem usage -b`),
// XFS's data blocks as its reverse map counts them (`xfs_io -c 'fsmap -v'`, extent-map blocks
// apart: they are metadata). An exact estimate must equal it; a range must hold it. Not a test
// (minutes, and it needs root): run it by hand after changing a saving rule. Usage:
//
//   node --import tsx bench/dedupe-fuzz.ts [--fs btrfs|xfs] [--compress] [--max-files N] [--seeds A:B]
//
// Each seed prints one line; the exit status is 1 when a seed is off. A seed is repeatable: the
// layout and the bytes come from it (docs/ENGINE.md, "Deduplication", has the last results).

import { execFileSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { createEngine } from '../src/engine';
import { makeLoopFs, skipReason, type LoopFs } from './lib/loopfs';

const BLOCK = 4096;

/** mulberry32: a small seeded generator (layouts repeat per seed). */
function prng(seed: number): { int(lo: number, hi: number): number; real(): number; pick<T>(xs: readonly T[]): T } {
  let a = seed >>> 0;
  const real = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (lo: number, hi: number): number => lo + Math.floor(real() * (hi - lo + 1));
  return { int, real, pick: (xs) => xs[int(0, xs.length - 1)] };
}

/** `n` bytes from `key` (sha256 in counter mode); as text zstd packs when `text`. */
function bytesOf(key: string, n: number, text: boolean): Buffer {
  const raw = Buffer.alloc(text ? n / 2 : n);
  for (let i = 0, at = 0; at < raw.length; i++, at += 32) crypto.createHash('sha256').update(`${key}/${i}`).digest().copy(raw, at);
  return text ? Buffer.from(raw.toString('hex')) : raw;
}

const run = (cmd: string, args: string[]): string => execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

/** The data bytes the file system counts as used, after a sync. */
function dataUsed(kind: 'btrfs' | 'xfs', mnt: string): bigint {
  execFileSync('sync');
  if (kind === 'btrfs') {
    run('btrfs', ['filesystem', 'sync', mnt]);
    const m = /^Data,[^\n]*Used:(\d+)/m.exec(run('btrfs', ['filesystem', 'usage', '-b', mnt]));
    if (!m) throw new Error('btrfs filesystem usage: no Data line');
    return BigInt(m[1]);
  }
  // XFS: the union of blocks an inode owns as data (rows "N: DEV [a..b]: INO OFFSET…"; 512-byte units)
  const spans: [number, number][] = [];
  for (const line of run('xfs_io', ['-c', 'fsmap -v', mnt]).split('\n')) {
    const m = /^\s*\d+: \S+ \[(\d+)\.\.(\d+)\]:\s+(\d+)\s/.exec(line);
    if (m && !line.includes('extent map')) spans.push([Number(m[1]), Number(m[2]) + 1]);
  }
  spans.sort((x, y) => x[0] - y[0]);
  let total = 0n;
  let [s, e] = [-1, -1];
  for (const [a, b] of spans) {
    if (a <= e) e = Math.max(e, b);
    else {
      if (e > s) total += BigInt(e - s);
      [s, e] = [a, b];
    }
  }
  if (e > s) total += BigInt(e - s);
  return total * 512n;
}

interface Options {
  kind: 'btrfs' | 'xfs';
  compress: boolean;
  maxFiles: number;
}

/** One seed: the tree, the plan, the apply; the line to print and whether it holds. */
async function oneSeed(seed: number, o: Options): Promise<{ line: string; ok: boolean }> {
  const rnd = prng(seed);
  const fsys: LoopFs =
    o.kind === 'xfs'
      ? makeLoopFs('xfs', 512, 'dedupe-fuzz', [], false, ['-m', 'rmapbt=1'])
      : makeLoopFs('btrfs', 512, 'dedupe-fuzz', o.compress ? ['compress=zstd'] : []);
  try {
    const sv = path.join(fsys.mnt, 'sv');
    if (o.kind === 'btrfs') run('btrfs', ['subvolume', 'create', sv]);
    else fs.mkdirSync(sv);
    const pool = Array.from({ length: rnd.int(3, 8) }, (_, i) => bytesOf(`${seed}/pool/${i}`, BLOCK, false));
    const segs = Array.from({ length: rnd.int(2, 5) }, (_, i) => bytesOf(`${seed}/seg/${i}`, BLOCK * rnd.pick([4, 8, 32, 40]), o.compress));
    const files: string[] = [];
    const n = rnd.int(3, o.maxFiles);
    for (let i = 0; i < n; i++) {
      const p = path.join(sv, `f${i}`);
      if (files.length > 0 && rnd.real() < 0.25) run('cp', ['--reflink=always', rnd.pick(files), p]);
      else {
        const parts =
          rnd.real() < 0.3
            ? Array.from({ length: rnd.int(1, 40) }, () => rnd.pick(pool))
            : Array.from({ length: rnd.int(1, 3) }, () => rnd.pick(segs));
        const tail = rnd.pick([0, 0, rnd.int(1, BLOCK - 1)]);
        fs.writeFileSync(p, Buffer.concat([...parts, rnd.pick(pool).subarray(0, tail)]));
      }
      files.push(p);
    }
    // partial clones, block-aligned, at other offsets
    for (let k = rnd.int(0, 4); k > 0; k--) {
      const [a, b] = [rnd.pick(files), rnd.pick(files)];
      const [sa, sb] = [Math.floor(fs.statSync(a).size / BLOCK), Math.floor(fs.statSync(b).size / BLOCK)];
      if (sa < 2 || sb < 2) continue;
      const len = rnd.int(1, Math.min(sa, sb) - 1);
      const [so, dst] = [rnd.int(0, sa - len), rnd.int(0, sb - len)];
      try {
        run('xfs_io', ['-c', `reflink ${a} ${so * BLOCK} ${dst * BLOCK} ${len * BLOCK}`, b]);
      } catch {
        /* the same file over itself, say: a tree without that clone */
      }
    }
    execFileSync('sync');
    const targets = [sv];
    if (rnd.real() < 0.8) {
      const snap = path.join(fsys.mnt, 'snap');
      if (o.kind === 'xfs') run('cp', ['-a', '--reflink=always', sv, snap]);
      else run('btrfs', ['subvolume', 'snapshot', ...(rnd.real() < 0.3 ? ['-r'] : []), sv, snap]);
      for (const p of files)
        if (rnd.real() < 0.5) {
          const size = fs.statSync(p).size;
          const fd = fs.openSync(p, 'r+');
          if (size >= BLOCK && rnd.real() < 0.6) fs.writeSync(fd, rnd.pick(pool), 0, BLOCK, rnd.int(0, Math.floor(size / BLOCK) - 1) * BLOCK);
          else fs.writeSync(fd, rnd.pick(pool), 0, rnd.int(1, BLOCK), size);
          fs.closeSync(fd);
        }
      if (rnd.real() < 0.7) targets.push(snap);
    }
    execFileSync('sync');
    const chunk = BigInt(rnd.pick([4, 16, 128]) * 1024);
    const engine = createEngine();
    try {
      const plan = await engine.findDuplicates(targets, { chunk });
      const before = dataUsed(o.kind, fsys.mnt);
      const report = await engine.dedupe(plan);
      const freed = before - dataUsed(o.kind, fsys.mnt);
      const { netSaving: max, netSavingMin: min = max } = plan.total;
      const ok = min === max ? freed === max : min <= freed && freed <= max;
      const said = min === max ? `exact ${max}` : `${min} to ${max}`;
      return {
        ok,
        line: `${seed} ${ok ? 'ok ' : 'OFF'} estimated ${said}, freed ${freed} (data; statfs: ${report.freed}), chunk ${chunk / 1024n}k, ${n} files, ${targets.length} folders`,
      };
    } finally {
      await engine.dispose();
    }
  } finally {
    fsys.cleanup();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      fs: { type: 'string', default: 'btrfs' },
      compress: { type: 'boolean', default: false },
      'max-files': { type: 'string', default: '10' },
      seeds: { type: 'string', default: '0:50' },
    },
  });
  const kind = values.fs === 'xfs' ? 'xfs' : 'btrfs';
  const why = skipReason(kind, ['xfs_io', ...(kind === 'btrfs' ? ['btrfs'] : [])]);
  if (why) throw new Error(`dedupe-fuzz: ${why}`);
  const [a, b] = values.seeds!.split(':').map(Number);
  const o: Options = { kind, compress: values.compress === true && kind === 'btrfs', maxFiles: Math.max(3, Number(values['max-files'])) };
  let off = 0;
  for (let seed = a; seed < b; seed++) {
    const r = await oneSeed(seed, o);
    if (!r.ok) off++;
    console.log(r.line);
  }
  console.log(`${b - a} seeds, ${off} off`);
  process.exitCode = off > 0 ? 1 : 0;
}

void main();
