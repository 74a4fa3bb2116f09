// The maps of the CLI map writer's golden test (test/cli/map-table.test.ts): edge cases around
// 2^32, 2^53, 2^63 and 2^64, unknown physical offsets, windows, every flag combination,
// every digit count, reference counts, and deterministic random maps. Pure data: no writer is
// imported here, so the same cases can be rendered by any writer (the golden bytes were made
// with the previous writers, which were cross-checked against each other).

import type { PackedExtentMap } from '../../src/engine';
import { EXTENT_FLAG as F, EXTENT_FLAG_ALL } from '../../src/engine/map-format';

export const U64 = (1n << 64n) - 1n;

export interface Row {
  offset: bigint;
  length: bigint;
  physical: bigint | null;
  flags: number;
  refcount?: number;
}

export interface MapOpts {
  size?: bigint;
  window?: { offset: bigint; length: bigint };
  source?: PackedExtentMap['source'];
}

/** A packed map as the engine returns it (int64 bits, -1 = unknown physical). */
export function packed(rows: Row[], opts: MapOpts = {}): PackedExtentMap {
  const n = rows.length;
  const p: PackedExtentMap['packed'] = {
    count: n,
    offset: new BigInt64Array(n),
    length: new BigInt64Array(n),
    physical: new BigInt64Array(n),
    flags: new Uint32Array(n),
  };
  if (rows.some((r) => r.refcount !== undefined)) p.refcounts = new Uint32Array(n);
  rows.forEach((r, i) => {
    p.offset[i] = BigInt.asIntN(64, r.offset);
    p.length[i] = BigInt.asIntN(64, r.length);
    p.physical[i] = r.physical === null ? -1n : BigInt.asIntN(64, r.physical);
    p.flags[i] = r.flags >>> 0;
    if (p.refcounts) p.refcounts[i] = r.refcount ?? 0;
  });
  const last = rows[n - 1];
  const m: PackedExtentMap = {
    path: '/mnt/x/file.bin',
    size: opts.size ?? (last ? last.offset + last.length : 0n),
    blockSize: 4096,
    window: opts.window as PackedExtentMap['window'],
    packed: p,
    source: opts.source ?? 'fiemap',
    calls: 3,
    durationMs: 12.5,
  };
  return m;
}

/** Small edge cases: their golden text is written out in full. */
export function edgeCases(): Array<[string, PackedExtentMap]> {
  return [
    ['empty', packed([])],
    ['around 2^32', packed([
      { offset: 0xffff_f000n, length: 0x1000n, physical: 0xffff_ffffn, flags: 0 },
      { offset: 0x1_0000_0000n, length: 0xffff_ffffn, physical: 0x1_0000_0000n, flags: F.UNWRITTEN },
    ])],
    ['2^53 + 1 and 2^60', packed([
      { offset: (1n << 53n) + 1n, length: 1n, physical: (1n << 53n) - 1n, flags: 0 },
      { offset: 1n << 60n, length: 4096n, physical: (1n << 53n) + 3n, flags: F.LAST },
    ], { size: (1n << 60n) + 1n })],
    ['lengths above 2^53 (width slack)', packed([
      { offset: 0n, length: (1n << 53n) + 7n, physical: 0n, flags: F.SHARED },
      { offset: 1n << 54n, length: (1n << 55n) + 1n, physical: null, flags: F.DELALLOC },
    ])],
    ['offsets at and above 2^63 (negative as int64)', packed([
      { offset: (1n << 63n) - 4096n, length: 4096n, physical: 12288n, flags: 0 },
      { offset: 1n << 63n, length: 8192n, physical: 1n << 62n, flags: F.UNWRITTEN },
      { offset: U64 - 9999n, length: 9999n, physical: null, flags: F.SHARED | F.LAST },
    ], { size: (1n << 63n) - 1n })],
    ['an end at 2^64', packed([{ offset: U64 - 4095n, length: 8192n, physical: 0n, flags: F.LAST }])],
    ['totals past 2^64 (bogus overlapping extents)', packed([
      { offset: 0n, length: 1n << 63n, physical: 0n, flags: F.UNWRITTEN },
      { offset: 0n, length: 1n << 63n, physical: 0n, flags: F.UNWRITTEN },
    ])],
    ['every physical unknown', packed([
      { offset: 4096n, length: 4096n, physical: null, flags: F.INLINE },
      { offset: 65536n, length: 100n, physical: null, flags: F.DELALLOC | F.LAST },
    ])],
    ['a window (holes counted from its start, summary against its end)', packed([
      { offset: 70000n, length: 61072n, physical: 412836208n, flags: 0 },
      { offset: 131072n, length: 917504n, physical: 412897280n, flags: F.UNWRITTEN },
    ], { size: 4456448n, window: { offset: 65536n, length: 5000000n } })],
  ];
}

/**
 * A ReFS-like map (source 'refcount', 64 KiB clusters): reference counts 1, 2, 3 and a large
 * one, shared where above 1, and one extent without a count (0: not given).
 */
export function refcountMap(): PackedExtentMap {
  return packed([
    { offset: 0n, length: 65536n, physical: 1048576n, flags: 0, refcount: 1 },
    { offset: 131072n, length: 196608n, physical: 2097152n, flags: F.SHARED, refcount: 2 },
    { offset: 458752n, length: 65536n, physical: 4194304n, flags: F.SHARED, refcount: 3 },
    { offset: 589824n, length: 65536n, physical: 8388608n, flags: 0 },
    { offset: 720896n, length: 196608n, physical: 16777216n, flags: F.SHARED, refcount: 4294967295 },
  ], { size: 1048576n, source: 'refcount' });
}

/** Every combination of the 14 low bits (the 11 named ones and 3 unnamed), plus unnamed high bits. */
export function flagCombinations(): PackedExtentMap {
  const rows: Row[] = [];
  for (let bits = 0; bits < 1 << 14; bits++) {
    const unnamed = (bits & 0x10 ? 0x80000000 : 0) | (bits & 0x20 ? 0x4000 : 0);
    rows.push({ offset: BigInt(bits) * 8192n, length: 4096n, physical: BigInt(bits) * 4096n, flags: bits | unnamed });
  }
  return packed(rows);
}

/** Every digit count: offsets 10^k - 1, ends 10^k, lengths and physical offsets 10^k +- 1, up to 2^64 - 1. */
export function digitCounts(): PackedExtentMap {
  const digits: Row[] = [];
  for (let k = 1n; k <= 19n; k++) {
    const p = 10n ** k;
    digits.push({ offset: p - 1n, length: 1n, physical: k < 18n ? p + 1n : p - 1n, flags: 0 });
  }
  for (let k = 0n; k <= 17n; k++) {
    const p = 10n ** k;
    digits.push({ offset: 10n ** 19n + 4n * k * 10n ** 17n, length: p + (k % 2n === 0n ? 0n : -1n), physical: p, flags: F.UNWRITTEN });
  }
  digits.push({ offset: U64 - 1n, length: 1n, physical: 0n, flags: F.LAST });
  return packed(digits, { size: (1n << 63n) - 1n });
}

/** Deterministic pseudo-random numbers (xorshift64*), so a failure can be replayed. */
function rng(seed: bigint): () => bigint {
  let x = seed;
  return () => {
    x ^= x >> 12n;
    x ^= (x << 25n) & U64;
    x ^= x >> 27n;
    return (x * 2685821657736338717n) & U64;
  };
}

/** 60 random maps: small files, > 2^32, > 2^53, up to 2^63 and beyond; some windowed, some big. */
export function randomMaps(): PackedExtentMap[] {
  const next = rng(0x9e3779b97f4a7c15n);
  const out: PackedExtentMap[] = [];
  for (let round = 0; round < 60; round++) {
    const n = round < 50 ? Number(next() % 300n) + 1 : Number(next() % BigInt(3 * 16384)) + 16384;
    const scale = [12n, 30n, 40n, 50n, 56n, 61n][round % 6];
    const rows: Row[] = [];
    let pos = next() % (1n << scale);
    for (let i = 0; i < n && pos < U64; i++) {
      const gap = next() % 3n === 0n ? 0n : next() % (1n << scale);
      const length = (next() % (1n << scale)) + 1n;
      const offset = pos + gap;
      if (offset + length > U64) break;
      const phys = next() % 7n === 0n ? null : next() % (1n << (scale + 2n));
      const masks = [0, F.UNWRITTEN | F.LAST, F.SHARED | F.UNWRITTEN, 0x3fff /* 14 low bits, 3 unnamed */, EXTENT_FLAG_ALL, F.UNWRITTEN];
      const flags = Number(next() % 0x4000n) & masks[Number(next() % 6n)];
      rows.push({ offset, length, physical: phys, flags });
      pos = offset + length;
    }
    rows[rows.length - 1].flags |= F.LAST;
    const size = pos + (next() % 2n === 0n ? next() % 100000n : 0n);
    const window = round % 5 === 4 ? { offset: rows[0].offset, length: size - rows[0].offset } : undefined;
    out.push(packed(rows, { size, window }));
  }
  return out;
}
