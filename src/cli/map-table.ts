// The rows of `extent-lens map`'s human table, formatted by a small WebAssembly module.
//
// Why: the table is written once per process, so a JavaScript row loop runs mostly before V8
// has optimised it (measured on 100,000 extents: ~80 ms for the loop plus ~15 ms for the
// passes that find the column widths and the summary totals; the same code warm takes ~20 ms).
// WebAssembly is compiled before it first runs, and its i64 arithmetic is exact for every
// unsigned 64-bit value: no value is read through a double or made into a BigInt.
//
// Two calls, both over the columns copied into the module's memory:
//   scan  the totals for the summary (holes, mapped, unwritten, shared), the index of the
//         largest length and physical offset (chosen exactly as map-packed.ts's maxIndex
//         does: compared as doubles, negative values skipped, first index on ties), and
//         whether anything would need more than 64 bits (an end or a total >= 2^64); then
//         the caller uses the JavaScript writer, which is exact with BigInt.
//   rows  the rows [from, to) into an output area, until the area is full; the caller writes
//         the area out and calls again.
// Text is byte-for-byte what map-packed.ts's JavaScript writer produces (test/cli/map-table.test.ts
// compares the two on random and edge-case maps).
//
// The module is src/cli/map-table.wat, compiled by map-table-code.ts into map-table-wasm.ts.
// Its memory holds one chunk of 16,384 extents at a time (see map-table-layout.ts), so a
// million-extent map does not need a second 28 MB copy of itself.

// The codec directly, not ../engine/index: a value import of the index would evaluate the whole
// engine (~6 ms) when the CLI starts, for every command, before it knows it needs it.
import { fiemapFlagNames, type PackedExtents } from '../engine/backends/linux/codec';
import {
  CHUNK,
  JSON_TEXT,
  JSON_TEXT_AT,
  JSON_TEXT_STRIDE,
  DATA,
  NAME_LEN,
  NAMES,
  OUT_CAP,
  OUT_SLACK,
  PAGE,
  PAIRS,
  POW10,
  RES,
  RES_AT_LEN,
  RES_AT_PHYS,
  RES_BEST_LEN,
  RES_BEST_PHYS,
  RES_HOLES,
  RES_MAPPED,
  RES_POS,
  RES_PREV,
  RES_SHARED,
  RES_SIZE,
  RES_UNWRITTEN,
} from './map-table-layout';
import { TABLE_WASM_BASE64 } from './map-table-wasm';

// Where one chunk's columns and the output area sit in the module's memory.
const OFF = DATA;
const LEN = OFF + 8 * CHUNK;
const PHYS = LEN + 8 * CHUNK;
const FLG = PHYS + 8 * CHUNK;
const OUT = FLG + 4 * CHUNK;
const MEMORY_BYTES = OUT + OUT_CAP + OUT_SLACK;

interface TableModule {
  memory: WebAssembly.Memory;
  scan(n: number, base: number, off: number, len: number, phys: number, flags: number): number;
  rows(...args: number[]): number;
  rowsJson(...args: number[]): number;
  /** Flag bits that have a name. */
  known: number;
  /** Longest flag text a row can have ("  " + every name, comma-separated). */
  maxFlagText: number;
  /** The same as JSON: ["name",...]. */
  maxFlagJson: number;
}

let table: TableModule | null | undefined;

function load(): TableModule | null {
  if (table !== undefined) return table;
  try {
    const inst = new WebAssembly.Instance(new WebAssembly.Module(Buffer.from(TABLE_WASM_BASE64, 'base64')), {});
    const ex0 = inst.exports as unknown as { memory: WebAssembly.Memory };
    ex0.memory.grow(Math.ceil((MEMORY_BYTES - ex0.memory.buffer.byteLength) / PAGE));
    const ex = inst.exports as unknown as Pick<TableModule, 'memory' | 'scan' | 'rows' | 'rowsJson'>;
    const bytes = new Uint8Array(ex.memory.buffer);
    for (let i = 0; i < 100; i++) {
      bytes[PAIRS + 2 * i] = 48 + Math.floor(i / 10);
      bytes[PAIRS + 2 * i + 1] = 48 + (i % 10);
    }
    const pow = new BigUint64Array(ex.memory.buffer, POW10, 20);
    for (let i = 0; i < 20; i++) pow[i] = 10n ** BigInt(i);
    // Flag names from the codec's own table, one bit at a time: the module joins them in
    // ascending bit order, which is the codec's order (checked in test/cli/map-table.test.ts).
    JSON_TEXT.forEach((text, k) => {
      for (let c = 0; c < text.length; c++) bytes[JSON_TEXT_AT + JSON_TEXT_STRIDE * k + c] = text.charCodeAt(c);
    });
    let known = 0;
    let maxFlagText = 2;
    let maxFlagJson = 4;
    const inOrder: string[] = [];
    for (let k = 0; k < 32; k++) {
      const names = fiemapFlagNames((1 << k) >>> 0);
      if (names.length === 0) continue;
      // one name per bit, at most 16 bytes (copied as two i64): else the JavaScript writer
      if (names.length !== 1 || names[0].length > 16) throw new Error(`flag bit ${k}: ${names.join(',')}`);
      inOrder.push(names[0]);
      known |= 1 << k;
      maxFlagText += names[0].length + 1;
      maxFlagJson += names[0].length + 3;
      bytes[NAME_LEN + k] = names[0].length;
      for (let c = 0; c < names[0].length; c++) bytes[NAMES + 16 * k + c] = names[0].charCodeAt(c);
    }
    // the module lists names in ascending bit order: so must the codec
    if (fiemapFlagNames(known >>> 0).join(',') !== inOrder.join(',')) throw new Error('flag names out of bit order');
    table = { ...ex, known, maxFlagText, maxFlagJson };
  } catch {
    table = null; // no WebAssembly here (or flag names it cannot write): the JavaScript writer does the work
  }
  return table;
}

export interface TableScan {
  mapped: bigint;
  unwritten: bigint;
  shared: bigint;
  holes: number;
  /** Index of the largest length / physical offset (see map-packed.ts maxIndex). */
  atLength: number;
  atPhysical: number;
  /** Writes the rows with these column widths (wOff etc. without the two separating spaces). */
  writeRows(widths: { idx: number; off: number; end: number; len: number; phys: number }, sink: (bytes: Uint8Array) => void): void;
}

/**
 * Run a formatter over the whole map: the extents go into the module a chunk at a time, and
 * `step` formats rows [i, n) of the chunk at `pos` until the output area passes `limit` (it
 * returns the next row and leaves the new position in RES_POS), which then goes to `sink`.
 */
function formatChunks(
  t: TableModule,
  p: PackedExtents,
  limit: number,
  sink: (bytes: Uint8Array) => void,
  step: (i: number, n: number, base: number, pos: number, limit: number) => number,
): void {
  const res = new DataView(t.memory.buffer, RES, RES_SIZE);
  let pos = OUT;
  for (let base = 0; base < p.count; base += CHUNK) {
    const n = Math.min(CHUNK, p.count - base);
    copyChunk(t, p, base, n);
    let i = 0;
    while (i < n) {
      i = step(i, n, base, pos, limit);
      pos = res.getUint32(RES_POS - RES, true);
      if (pos > limit) {
        sink(new Uint8Array(t.memory.buffer, OUT, pos - OUT)); // the area is full: out it goes
        pos = OUT;
      }
    }
  }
  if (pos > OUT) sink(new Uint8Array(t.memory.buffer, OUT, pos - OUT));
}

/** Copy extents [base, base + n) of `p` into the module's chunk area. */
function copyChunk(t: TableModule, p: PackedExtents, base: number, n: number): void {
  const buf = t.memory.buffer;
  new BigInt64Array(buf, OFF, n).set(p.offset.subarray(base, base + n));
  new BigInt64Array(buf, LEN, n).set(p.length.subarray(base, base + n));
  new BigInt64Array(buf, PHYS, n).set(p.physical.subarray(base, base + n));
  new Uint32Array(buf, FLG, n).set(p.flags.subarray(base, base + n));
}

/**
 * Scan the columns, a chunk at a time. Undefined when WebAssembly is not available or a value
 * needs more than 64 bits: the caller then uses the JavaScript writer. `start` is where holes
 * are counted from (the window's start, or 0).
 */
export function scanTable(p: PackedExtents, start: bigint): TableScan | undefined {
  const t = load();
  const count = p.count;
  if (!t || count === 0) return undefined;
  const res = new DataView(t.memory.buffer, RES, RES_SIZE);
  new Uint8Array(t.memory.buffer, RES, RES_SIZE).fill(0);
  res.setBigUint64(RES_PREV - RES, start, true);
  res.setFloat64(RES_BEST_LEN - RES, -1, true);
  res.setFloat64(RES_BEST_PHYS - RES, -1, true);
  for (let base = 0; base < count; base += CHUNK) {
    const n = Math.min(CHUNK, count - base);
    copyChunk(t, p, base, n);
    if (t.scan(n, base, OFF, LEN, PHYS, FLG) !== 1) return undefined;
  }
  return {
    mapped: res.getBigUint64(RES_MAPPED - RES, true),
    unwritten: res.getBigUint64(RES_UNWRITTEN - RES, true),
    shared: res.getBigUint64(RES_SHARED - RES, true),
    holes: res.getUint32(RES_HOLES - RES, true),
    atLength: res.getUint32(RES_AT_LEN - RES, true),
    atPhysical: res.getUint32(RES_AT_PHYS - RES, true),
    writeRows(w, sink) {
      // Reserve room for the widest row: every number may take 20 digits.
      const cell = (width: number): number => 2 + Math.max(width, 20);
      const maxRow = Math.max(w.idx, 10) + cell(w.off) + cell(w.end) + cell(w.len) + cell(w.phys) + t.maxFlagText + 1;
      formatChunks(t, p, OUT + OUT_CAP - maxRow, sink, (i, n, base, pos, limit) =>
        t.rows(i, n, base, pos, limit, OFF, LEN, PHYS, FLG, w.idx, 2 + w.off, 2 + w.end, 2 + w.len, 2 + w.phys, t.known),
      );
    },
  };
}

/**
 * The extents of `extent-lens map --json` (the array's contents, no brackets) into `sink`, a
 * chunk at a time. False when WebAssembly is not available: the caller writes them itself.
 */
export function writeJsonRows(p: PackedExtents, sink: (bytes: Uint8Array) => void): boolean {
  const t = load();
  if (!t) return false;
  const maxRow = 12 + 20 + 12 + 20 + 15 + 20 + 10 + t.maxFlagJson + 1;
  formatChunks(t, p, OUT + OUT_CAP - maxRow, sink, (i, n, base, pos, limit) => t.rowsJson(i, n, base, pos, limit, OFF, LEN, PHYS, FLG, t.known));
  return true;
}
