// Random small trees for the fuzzers (bench/dedupe-fuzz.ts, bench/space-fuzz.ts), made the way
// real data gets shared and changed: files of repeated segments and blocks, sizes not whole
// blocks, whole-file reflinks, partial reflinks at other offsets, a snapshot (btrfs: read-only
// in 30%; XFS: `cp -a --reflink`), then files changed or grown in the original. A seed gives
// the same layout and bytes every time. `extras` adds what only the space accounting reads
// (hard links, preallocated and punched ranges); off, a seed's tree is what it always was.

import { execFileSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { LoopFs } from './loopfs';

export const BLOCK = 4096;

export interface Prng {
  int(lo: number, hi: number): number;
  real(): number;
  pick<T>(xs: readonly T[]): T;
}

/** mulberry32: a small seeded generator (layouts repeat per seed). */
export function prng(seed: number): Prng {
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

export const run = (cmd: string, args: string[]): string =>
  execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

/**
 * The data bytes the file system counts as used, after a sync. `cow`: on XFS, count the
 * copy-on-write staging blocks too (reserved by writes into shared data; a file's own until
 * they are released, and freed with it).
 */
export function dataUsed(kind: 'btrfs' | 'xfs', mnt: string, cow = false): bigint {
  execFileSync('sync');
  if (kind === 'btrfs') {
    run('btrfs', ['filesystem', 'sync', mnt]);
    const m = /^Data,[^\n]*Used:(\d+)/m.exec(run('btrfs', ['filesystem', 'usage', '-b', mnt]));
    if (!m) throw new Error('btrfs filesystem usage: no Data line');
    return BigInt(m[1]);
  }
  // XFS: the union of blocks an inode owns as data (rows "N: DEV [a..b]: INO OFFSET…"; 512-byte
  // units); extent-map blocks are metadata and left out.
  const spans: [number, number][] = [];
  for (const line of run('xfs_io', ['-c', 'fsmap -v', mnt]).split('\n')) {
    const m = /^\s*\d+: \S+ \[(\d+)\.\.(\d+)\]:\s+(\d+)\s/.exec(line);
    if (m && !line.includes('extent map')) spans.push([Number(m[1]), Number(m[2]) + 1]);
    const r = cow ? /^\s*\d+: \S+ \[(\d+)\.\.(\d+)\]:\s+cow reservation\s/.exec(line) : null;
    if (r) spans.push([Number(r[1]), Number(r[2]) + 1]);
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

export interface TreeOptions {
  kind: 'btrfs' | 'xfs';
  compress: boolean;
  maxFiles: number;
  /** Hard links, preallocated (unwritten) ranges and punched holes too. */
  extras?: boolean;
}

export interface FuzzTree {
  /** The original folder (a subvolume on btrfs) and its files. */
  sv: string;
  files: string[];
  /** The snapshot of `sv`, when one was made, and whether it is read-only. */
  snap?: string;
  snapReadOnly: boolean;
  /** The folders the dedupe fuzzer selects (sv, and the snapshot in 70% of trees with one). */
  targets: string[];
}

/** Makes one seed's tree under `fsys.mnt`. */
export function makeTree(seed: number, rnd: Prng, fsys: LoopFs, o: TreeOptions): FuzzTree {
  const sv = path.join(fsys.mnt, 'sv');
  if (o.kind === 'btrfs') run('btrfs', ['subvolume', 'create', sv]);
  else fs.mkdirSync(sv);
  const pool = Array.from({ length: rnd.int(3, 8) }, (_, i) => bytesOf(`${seed}/pool/${i}`, BLOCK, false));
  const segs = Array.from({ length: rnd.int(2, 5) }, (_, i) => bytesOf(`${seed}/seg/${i}`, BLOCK * rnd.pick([4, 8, 32, 40]), o.compress));
  const files: string[] = [];
  const n = rnd.int(3, o.maxFiles);
  for (let i = 0; i < n; i++) {
    const p = path.join(sv, `f${i}`);
    if (o.extras && files.length > 0 && rnd.real() < 0.1) fs.linkSync(rnd.pick(files), p);
    else if (files.length > 0 && rnd.real() < 0.25) run('cp', ['--reflink=always', rnd.pick(files), p]);
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
  if (o.extras) {
    for (const p of files) {
      const blocks = Math.floor(fs.statSync(p).size / BLOCK);
      const r = rnd.real();
      if (r < 0.15) run('fallocate', ['-o', String(rnd.int(0, blocks + 4) * BLOCK), '-l', String(rnd.int(1, 16) * BLOCK), p]);
      else if (r < 0.3 && blocks >= 2)
        run('fallocate', ['-p', '-o', String(rnd.int(0, blocks - 1) * BLOCK), '-l', String(rnd.int(1, 3) * BLOCK), p]);
    }
  }
  execFileSync('sync');
  const tree: FuzzTree = { sv, files, snapReadOnly: false, targets: [sv] };
  if (rnd.real() < 0.8) {
    const snap = path.join(fsys.mnt, 'snap');
    if (o.kind === 'xfs') run('cp', ['-a', '--reflink=always', sv, snap]);
    else {
      tree.snapReadOnly = rnd.real() < 0.3;
      run('btrfs', ['subvolume', 'snapshot', ...(tree.snapReadOnly ? ['-r'] : []), sv, snap]);
    }
    tree.snap = snap;
    for (const p of files)
      if (rnd.real() < 0.5) {
        const size = fs.statSync(p).size;
        const fd = fs.openSync(p, 'r+');
        if (size >= BLOCK && rnd.real() < 0.6) fs.writeSync(fd, rnd.pick(pool), 0, BLOCK, rnd.int(0, Math.floor(size / BLOCK) - 1) * BLOCK);
        else fs.writeSync(fd, rnd.pick(pool), 0, rnd.int(1, BLOCK), size);
        fs.closeSync(fd);
      }
    if (rnd.real() < 0.7) tree.targets.push(snap);
  }
  execFileSync('sync');
  return tree;
}
