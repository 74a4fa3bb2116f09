// The WebAssembly writer (src/cli/map-table.ts) must print exactly what the JavaScript writer
// in src/cli/commands/map-packed.ts prints, byte for byte, for every map: the same column
// widths, digits, flag text and summary, and the same --json text. Both run here on the same maps (random ones and edge
// cases around 2^32, 2^53, 2^63 and 2^64) and the outputs are compared as bytes. The stored
// module bytes must also be what src/cli/map-table.wat compiles to today (with wabt).

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import type { PackedExtentMap } from '../../src/engine';
import { fiemapFlagNames } from '../../src/engine';
import { writePackedMapHumanTo, writePackedMapJsonTo } from '../../src/cli/commands/map-packed';
import { scanTable } from '../../src/cli/map-table';
import { layoutConstants, tableModuleSource, tableModuleWat } from '../../src/cli/map-table-code';
import { CHUNK, J_LENGTH, JSON_TEXT, JSON_TEXT_AT, JSON_TEXT_STRIDE, NAMES, POW10, RES_POS } from '../../src/cli/map-table-layout';
import { ChunkWriter } from '../../src/cli/output';

const U64 = (1n << 64n) - 1n;

interface Row {
  offset: bigint;
  length: bigint;
  physical: bigint | null;
  flags: number;
}

function packed(rows: Row[], opts: { size?: bigint; window?: { offset: bigint; length: bigint } } = {}): PackedExtentMap {
  const n = rows.length;
  const p = { count: n, offset: new BigInt64Array(n), length: new BigInt64Array(n), physical: new BigInt64Array(n), flags: new Uint32Array(n) };
  rows.forEach((r, i) => {
    p.offset[i] = BigInt.asIntN(64, r.offset);
    p.length[i] = BigInt.asIntN(64, r.length);
    p.physical[i] = r.physical === null ? -1n : BigInt.asIntN(64, r.physical);
    p.flags[i] = r.flags >>> 0;
  });
  const last = rows[n - 1];
  return {
    path: '/mnt/x/file.bin',
    size: opts.size ?? (last ? last.offset + last.length : 0n),
    blockSize: 4096,
    window: opts.window,
    packed: p,
    source: 'fiemap',
    calls: 3,
    durationMs: 12.5,
  } as PackedExtentMap;
}

function render(m: PackedExtentMap, format: 'human' | 'json', engine: 'auto' | 'js'): Buffer {
  const parts: Buffer[] = [];
  const w = new ChunkWriter((chunk) => parts.push(Buffer.from(chunk)), 4096);
  if (format === 'human') writePackedMapHumanTo(w, m, engine);
  else writePackedMapJsonTo(w, m, engine);
  w.flush();
  return Buffer.concat(parts);
}

/**
 * Same bytes from both writers, for the table and for --json; returns whether the WebAssembly
 * writer took the table (--json has no case it declines).
 */
function same(m: PackedExtentMap, what: string): boolean {
  for (const format of ['human', 'json'] as const) {
    const js = render(m, format, 'js');
    const wasm = render(m, format, 'auto');
    if (!wasm.equals(js)) {
      const sep = format === 'human' ? '\n' : '},';
      const a = wasm.toString('latin1').split(sep);
      const b = js.toString('latin1').split(sep);
      const i = a.findIndex((line, k) => line !== b[k]);
      assert.fail(`${what} (${format}): piece ${i} differs\n  wasm: ${JSON.stringify(a[i])}\n  js:   ${JSON.stringify(b[i])}`);
    }
  }
  return scanTable(m.packed, m.window ? m.window.offset : 0n) !== undefined;
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

test('the stored WebAssembly module is what map-table.wat compiles to', async () => {
  const stored = fs.readFileSync(path.join(__dirname, '../../src/cli/map-table-wasm.ts'), 'utf8');
  assert.equal(stored, await tableModuleSource(), 'run: node --import tsx src/cli/map-table-code.ts');
});

test('every {{NAME}} in map-table.wat is a layout number, and a wrong one is refused', () => {
  const wat = tableModuleWat();
  const code = wat.split('\n').map((line) => line.split(';;')[0]).join('\n');
  assert.doesNotMatch(code, /\{\{/);
  const names = layoutConstants();
  // spot checks: the addresses the driver writes are the ones the program reads
  assert.match(code, new RegExp(`i64\\.load offset=${POW10} `));
  assert.match(code, new RegExp(`i32\\.store \\(i32\\.const ${RES_POS}\\)`));
  assert.equal(names.get('J_LENGTH_LEN'), JSON_TEXT[J_LENGTH].length);
  assert.equal(names.get('J_LENGTH_AT'), JSON_TEXT_AT + JSON_TEXT_STRIDE * J_LENGTH);
  // substitution: code only, NAME+N added, unknown names and stray braces refused
  assert.equal(tableModuleWat(`;; {{X}}\n(i64.load offset={{NAMES+8}} ;; {{Y}}`), `;; {{X}}\n(i64.load offset=${NAMES + 8} ;; {{Y}}`);
  assert.throws(() => tableModuleWat('(i32.const {{NO_SUCH_NAME}})'), /map-table\.wat:1: no layout constant NO_SUCH_NAME/);
  assert.throws(() => tableModuleWat('\n(i32.const {{NAMES-8}})'), /map-table\.wat:2: malformed/);
});

test('WebAssembly is available, so the CLI uses the fast writer', () => {
  const m = packed([{ offset: 0n, length: 4096n, physical: 8192n, flags: 1 }]);
  assert.equal(same(m, 'one extent'), true);
});

test('flag text: every combination of the named bits, and unnamed bits ignored', () => {
  const rows: Row[] = [];
  for (let bits = 0; bits < 1 << 14; bits++) {
    rows.push({ offset: BigInt(bits) * 8192n, length: 4096n, physical: BigInt(bits) * 4096n, flags: bits | (bits & 0x10 ? 0x80000000 : 0) | (bits & 0x20 ? 0x4000 : 0) });
  }
  assert.equal(same(packed(rows), 'flag combinations'), true);
  // and the module joins names in the codec's order
  for (const bits of [0x3f8f, 0x2801, 0x0105]) assert.ok(fiemapFlagNames(bits).length > 1);
});

test('edge values: 2^32, 2^53, 2^63 and up to 2^64 - 1, unknown physical, windows', () => {
  const cases: Array<[string, PackedExtentMap, boolean]> = [
    ['empty', packed([]), false],
    ['around 2^32', packed([
      { offset: 0xffff_f000n, length: 0x1000n, physical: 0xffff_ffffn, flags: 0 },
      { offset: 0x1_0000_0000n, length: 0xffff_ffffn, physical: 0x1_0000_0000n, flags: 0x800 },
    ]), true],
    ['2^53 + 1 and 2^60', packed([
      { offset: (1n << 53n) + 1n, length: 1n, physical: (1n << 53n) - 1n, flags: 0 },
      { offset: 1n << 60n, length: 4096n, physical: (1n << 53n) + 3n, flags: 1 },
    ], { size: (1n << 60n) + 1n }), true],
    ['lengths above 2^53 (width slack)', packed([
      { offset: 0n, length: (1n << 53n) + 7n, physical: 0n, flags: 0x2000 },
      { offset: 1n << 54n, length: (1n << 55n) + 1n, physical: null, flags: 0x4 },
    ]), true],
    ['offsets at and above 2^63 (negative as int64)', packed([
      { offset: (1n << 63n) - 4096n, length: 4096n, physical: 12288n, flags: 0 },
      { offset: 1n << 63n, length: 8192n, physical: 1n << 62n, flags: 0x800 },
      { offset: U64 - 9999n, length: 9999n, physical: null, flags: 0x2001 },
    ], { size: (1n << 63n) - 1n }), true],
    ['an end at 2^64: the JavaScript writer (BigInt) takes it', packed([
      { offset: U64 - 4095n, length: 8192n, physical: 0n, flags: 1 },
    ]), false],
    ['totals past 2^64 (bogus overlapping extents): JavaScript', packed([
      { offset: 0n, length: 1n << 63n, physical: 0n, flags: 0x800 },
      { offset: 0n, length: 1n << 63n, physical: 0n, flags: 0x800 },
    ]), false],
    ['every physical unknown', packed([
      { offset: 4096n, length: 4096n, physical: null, flags: 0x200 },
      { offset: 65536n, length: 100n, physical: null, flags: 0x4 | 1 },
    ]), true],
    ['a window (holes counted from its start, summary against its end)', packed([
      { offset: 70000n, length: 61072n, physical: 412836208n, flags: 0 },
      { offset: 131072n, length: 917504n, physical: 412897280n, flags: 0x800 },
    ], { size: 4456448n, window: { offset: 65536n, length: 5000000n } }), true],
  ];
  // every digit count: offsets 10^k - 1, ends 10^k, lengths and physical offsets 10^k +- 1
  const digits: Row[] = [];
  for (let k = 1n; k <= 19n; k++) {
    const p = 10n ** k;
    digits.push({ offset: p - 1n, length: 1n, physical: k < 18n ? p + 1n : p - 1n, flags: 0 });
  }
  for (let k = 0n; k <= 17n; k++) {
    const p = 10n ** k;
    digits.push({ offset: 10n ** 19n + 4n * k * 10n ** 17n, length: p + (k % 2n === 0n ? 0n : -1n), physical: p, flags: 0x800 });
  }
  digits.push({ offset: U64 - 1n, length: 1n, physical: 0n, flags: 1 });
  cases.push(['every digit count, up to 2^64 - 1', packed(digits, { size: (1n << 63n) - 1n }), true]);
  for (const [what, m, wasm] of cases) assert.equal(same(m, what), wasm, what);
});

test('random maps, including several chunks and output areas', () => {
  const next = rng(0x9e3779b97f4a7c15n);
  for (let round = 0; round < 60; round++) {
    const n = round < 50 ? Number(next() % 300n) + 1 : Number(next() % BigInt(3 * CHUNK)) + CHUNK;
    // how far apart values may be: small files, > 2^32, > 2^53, up to 2^63 and beyond
    const scale = [12n, 30n, 40n, 50n, 56n, 61n][round % 6];
    const rows: Row[] = [];
    let pos = next() % (1n << scale);
    for (let i = 0; i < n && pos < U64; i++) {
      const gap = next() % 3n === 0n ? 0n : next() % (1n << scale);
      const length = (next() % (1n << scale)) + 1n;
      const offset = pos + gap;
      if (offset + length > U64) break;
      const phys = next() % 7n === 0n ? null : next() % (1n << (scale + 2n));
      const flags = Number(next() % 0x4000n) & [0, 0x801, 0x2800, 0x3fff, 0x3f8f, 0x800][Number(next() % 6n)];
      rows.push({ offset, length, physical: phys, flags });
      pos = offset + length;
    }
    rows[rows.length - 1].flags |= 1;
    const size = pos + (next() % 2n === 0n ? next() % 100000n : 0n);
    const window = round % 5 === 4 ? { offset: rows[0].offset, length: size - rows[0].offset } : undefined;
    same(packed(rows, { size, window }), `round ${round} (${rows.length} extents, scale 2^${scale})`);
  }
});
