// The WebAssembly program behind `extent-lens map`'s table (driver: src/cli/map-table.ts),
// written with the small assembler in src/cli/wasm.ts.
//
// The CLI does not assemble it at run time (that cold JavaScript cost ~3 ms per process): it
// loads the bytes from src/cli/map-table-wasm.ts, which this file generates:
//
//   node --import tsx src/cli/map-table-code.ts      (rewrites src/cli/map-table-wasm.ts)
//
// test/cli/map-table.test.ts fails when the stored bytes differ from what this file assembles.

import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  assemble,
  block,
  br,
  brIf,
  call,
  type Code,
  f64_load,
  f64_store,
  get,
  i32_load,
  i32_load16_u,
  i32_load8_u,
  i32_store,
  i32_store16,
  i32_store8,
  i32c,
  i64_load,
  i64_store,
  i64c,
  if_,
  loop,
  Op,
  set,
  T,
  tee,
  type Func,
} from './wasm';
import {
  J_FIRST,
  J_FLAGS,
  J_LENGTH,
  J_NEXT,
  J_NULL,
  J_PHYSICAL,
  JSON_TEXT,
  JSON_TEXT_AT,
  NAME_LEN,
  NAMES,
  PAIRS,
  POW10,
  RES_AT_LEN,
  RES_AT_PHYS,
  RES_BAD,
  RES_BEST_LEN,
  RES_BEST_PHYS,
  RES_HOLES,
  RES_MAPPED,
  RES_POS,
  RES_PREV,
  RES_SHARED,
  RES_UNWRITTEN,
} from './map-table-layout';

// Function indexes.
const F_SPACES = 0;
const F_NUM = 1;
const F_COPY = 4;

/**
 * spaces(pos, n) -> pos + max(n, 0): n spaces at pos, eight per store. Up to 7 more bytes
 * after them may become spaces too: whatever follows is written after this call.
 */
function spacesFn(): Func {
  const [pos, n] = [0, 1];
  return {
    params: [T.i32, T.i32],
    results: [T.i32],
    locals: [],
    body: [
      block,
      get(n), i32c(0), [Op.i32_le_s], brIf(0),
      loop,
      get(pos), i64c(0x2020202020202020n), i64_store(),
      get(n), i32c(8), [Op.i32_le_s],
      if_, get(pos), get(n), [Op.i32_add], [Op.return_], [Op.end],
      get(pos), i32c(8), [Op.i32_add], set(pos),
      get(n), i32c(8), [Op.i32_sub], set(n),
      br(0),
      [Op.end, Op.end],
      get(pos),
    ],
  };
}

/** copy(pos, src, n) -> pos + n: n bytes from src, eight per store (up to 7 more may be written). */
function copyFn(): Func {
  const [pos, src, n] = [0, 1, 2];
  const end = 3;
  return {
    params: [T.i32, T.i32, T.i32],
    results: [T.i32],
    locals: [T.i32],
    body: [
      get(pos), get(n), [Op.i32_add], set(end),
      block, loop,
      get(pos), get(end), [Op.i32_ge_u], brIf(1),
      get(pos), get(src), i64_load(), i64_store(),
      get(pos), i32c(8), [Op.i32_add], set(pos),
      get(src), i32c(8), [Op.i32_add], set(src),
      br(0),
      [Op.end, Op.end],
      get(end),
    ],
  };
}

/**
 * num(pos, v, width) -> next pos: the unsigned 64-bit `v` in decimal, right-aligned in `width`
 * columns (wider values take the room they need, like the JavaScript writer).
 */
function numFn(): Func {
  const [pos, v, width] = [0, 1, 2];
  const [n, p, q, x, q32] = [3, 4, 5, 6, 7];
  return {
    params: [T.i32, T.i64, T.i32],
    results: [T.i32],
    locals: [T.i32, T.i32, T.i64, T.i32, T.i32],
    body: [
      // n = number of digits, from the bit length: t = floor(bits * log10(2)) is n or n - 1
      // (t = (bits * 1233) >> 12 for bits <= 64), and one comparison with 10^t decides.
      // v | 1 gives 0 the one digit it prints.
      i64c(64n), get(v), i64c(1n), [Op.i64_or], [Op.i64_clz], [Op.i64_sub], [Op.i32_wrap_i64], i32c(1233), [Op.i32_mul], i32c(12), [Op.i32_shr_u], tee(n),
      i32c(1), [Op.i32_add],
      get(v), i64c(1n), [Op.i64_or], get(n), i32c(3), [Op.i32_shl], i64_load(POW10), [Op.i64_lt_u],
      [Op.i32_sub], set(n),
      get(pos), get(width), get(n), [Op.i32_sub], call(F_SPACES),
      get(n), [Op.i32_add], tee(p), set(pos), // pos = end of the number; digits go backwards from p
      // one digit at a time while v needs 64 bits
      block, loop,
      get(v), i64c(0xffffffffn), [Op.i64_le_u], brIf(1),
      get(v), i64c(10n), [Op.i64_div_u], set(q),
      get(p), i32c(1), [Op.i32_sub], tee(p),
      get(v), get(q), i64c(10n), [Op.i64_mul], [Op.i64_sub], [Op.i32_wrap_i64], i32c(48), [Op.i32_add], i32_store8(),
      get(q), set(v),
      br(0),
      [Op.end, Op.end],
      // then two digits at a time in 32 bits: x / 100 == (x * 1374389535) >> 37 for every u32
      get(v), [Op.i32_wrap_i64], set(x),
      block, loop,
      get(x), i32c(100), [Op.i32_lt_u], brIf(1),
      get(x), [Op.i64_extend_i32_u], i64c(1374389535n), [Op.i64_mul], i64c(37n), [Op.i64_shr_u], [Op.i32_wrap_i64], set(q32),
      get(p), i32c(2), [Op.i32_sub], tee(p),
      get(x), get(q32), i32c(100), [Op.i32_mul], [Op.i32_sub], i32c(1), [Op.i32_shl], i32_load16_u(PAIRS), i32_store16(),
      get(q32), set(x),
      br(0),
      [Op.end, Op.end],
      get(x), i32c(10), [Op.i32_ge_u],
      if_,
      get(p), i32c(2), [Op.i32_sub], get(x), i32c(1), [Op.i32_shl], i32_load16_u(PAIRS), i32_store16(),
      [Op.else_],
      get(p), i32c(1), [Op.i32_sub], get(x), i32c(48), [Op.i32_add], i32_store8(),
      [Op.end],
      get(pos),
    ],
  };
}

/**
 * scan(n, base, off, len, phys, flags) -> 1 while every end and total fits in 64 bits.
 * One chunk of the columns (extents base .. base + n - 1); the running state (previous end,
 * totals, holes, largest values so far) lives at RES between chunks, set up by the driver.
 */
function scanFn(): Func {
  const [n, base, off, len, phys, flg] = [0, 1, 2, 3, 4, 5];
  const [i, o, l, prev, e, mapped, unw, shr, holes, bad, bestL, atL, bestP, atP, d, f, p] = [
    6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22,
  ];
  const at8 = (col: number) => [get(i), i32c(3), [Op.i32_shl], get(col), [Op.i32_add]].flat();
  /** if (v >= 0 && double(v) > best) { best = double(v); at = base + i } */
  const maxStep = (v: number, best: number, at: number) => [
    get(v), i64c(0n), [Op.i64_ge_s],
    if_,
    get(v), [Op.f64_convert_i64_s], tee(d), get(best), [Op.f64_gt],
    if_, get(d), set(best), get(base), get(i), [Op.i32_add], set(at), [Op.end],
    [Op.end],
  ].flat();
  /** total += l, flagging a carry out of 64 bits. */
  const addCarry = (total: number) => [
    get(total), get(l), [Op.i64_add], tee(total), get(l), [Op.i64_lt_u],
    if_, i32c(1), set(bad), [Op.end],
  ].flat();
  const load = (addr: number, op: Code, local: number): Code => [i32c(addr), op, set(local)].flat();
  const store = (addr: number, op: Code, local: number): Code => [i32c(addr), get(local), op].flat();
  return {
    params: [T.i32, T.i32, T.i32, T.i32, T.i32, T.i32],
    results: [T.i32],
    locals: [T.i32, T.i64, T.i64, T.i64, T.i64, T.i64, T.i64, T.i64, T.i32, T.i32, T.f64, T.i32, T.f64, T.i32, T.f64, T.i32, T.i64],
    body: [
      load(RES_PREV, i64_load(), prev),
      load(RES_MAPPED, i64_load(), mapped),
      load(RES_UNWRITTEN, i64_load(), unw),
      load(RES_SHARED, i64_load(), shr),
      load(RES_HOLES, i32_load(), holes),
      load(RES_BAD, i32_load(), bad),
      load(RES_BEST_LEN, f64_load(), bestL),
      load(RES_AT_LEN, i32_load(), atL),
      load(RES_BEST_PHYS, f64_load(), bestP),
      load(RES_AT_PHYS, i32_load(), atP),
      block, loop,
      get(i), get(n), [Op.i32_ge_u], brIf(1),
      at8(off), i64_load(), set(o),
      at8(len), i64_load(), set(l),
      at8(phys), i64_load(), set(p),
      get(i), i32c(2), [Op.i32_shl], get(flg), [Op.i32_add], i32_load(), set(f),
      maxStep(l, bestL, atL),
      maxStep(p, bestP, atP),
      // a hole before this extent: it starts after the previous one ended
      get(o), get(prev), [Op.i64_gt_u], if_, get(holes), i32c(1), [Op.i32_add], set(holes), [Op.end],
      get(o), get(l), [Op.i64_add], tee(e), get(o), [Op.i64_lt_u], if_, i32c(1), set(bad), [Op.end],
      get(e), set(prev),
      addCarry(mapped),
      get(f), i32c(0x800), [Op.i32_and], if_, addCarry(unw), [Op.end], // FIEMAP_EXTENT_UNWRITTEN
      get(f), i32c(0x2000), [Op.i32_and], if_, addCarry(shr), [Op.end], // FIEMAP_EXTENT_SHARED
      get(i), i32c(1), [Op.i32_add], set(i),
      br(0),
      [Op.end, Op.end],
      store(RES_PREV, i64_store(), prev),
      store(RES_MAPPED, i64_store(), mapped),
      store(RES_UNWRITTEN, i64_store(), unw),
      store(RES_SHARED, i64_store(), shr),
      store(RES_HOLES, i32_store(), holes),
      store(RES_BAD, i32_store(), bad),
      store(RES_BEST_LEN, f64_store(), bestL),
      store(RES_AT_LEN, i32_store(), atL),
      store(RES_BEST_PHYS, f64_store(), bestP),
      store(RES_AT_PHYS, i32_store(), atP),
      get(bad), [Op.i32_eqz],
    ],
  };
}

/**
 * rows(i, to, base, pos, limit, off, len, phys, flags, wIdx, wOff, wEnd, wLen, wPhys, known) -> next i.
 * Writes rows from index i of the chunk (extent base + i) while i < to and pos <= limit; the
 * end position goes to RES_POS.
 * Widths include the two spaces between columns (except wIdx); `known` masks the flag bits
 * that have a name.
 */
function rowsFn(): Func {
  const [i, to, base, pos, limit, off, len, phys, flg, wIdx, wOff, wEnd, wLen, wPhys, known] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14];
  const [o, l, p, b, k] = [15, 16, 17, 18, 19];
  const at8 = (base: number) => [get(i), i32c(3), [Op.i32_shl], get(base), [Op.i32_add]].flat();
  return {
    params: [T.i32, T.i32, T.i32, T.i32, T.i32, T.i32, T.i32, T.i32, T.i32, T.i32, T.i32, T.i32, T.i32, T.i32, T.i32],
    results: [T.i32],
    locals: [T.i64, T.i64, T.i64, T.i32, T.i32],
    body: [
      block, loop,
      get(i), get(to), [Op.i32_ge_u], brIf(1),
      get(pos), get(limit), [Op.i32_gt_u], brIf(1),
      get(pos), get(base), get(i), [Op.i32_add], i32c(1), [Op.i32_add], [Op.i64_extend_i32_u], get(wIdx), call(F_NUM), set(pos),
      at8(off), i64_load(), set(o),
      at8(len), i64_load(), set(l),
      at8(phys), i64_load(), set(p),
      get(pos), get(o), get(wOff), call(F_NUM), set(pos),
      get(pos), get(o), get(l), [Op.i64_add], get(wEnd), call(F_NUM), set(pos),
      get(pos), get(l), get(wLen), call(F_NUM), set(pos),
      // physical -1 (unknown): "-"
      get(p), i64c(0n), [Op.i64_lt_s],
      if_,
      get(pos), get(wPhys), i32c(1), [Op.i32_sub], call(F_SPACES), tee(pos), i32c(45), i32_store8(),
      get(pos), i32c(1), [Op.i32_add], set(pos),
      [Op.else_],
      get(pos), get(p), get(wPhys), call(F_NUM), set(pos),
      [Op.end],
      // flags: "  name,name" in bit order
      get(i), i32c(2), [Op.i32_shl], get(flg), [Op.i32_add], i32_load(), get(known), [Op.i32_and], tee(b),
      if_,
      get(pos), i32c(0x2020), i32_store16(),
      get(pos), i32c(2), [Op.i32_add], set(pos),
      loop,
      get(b), [Op.i32_ctz], set(k),
      // copy 16 bytes of the name, then advance by its length (the rest is overwritten next)
      get(pos), get(k), i32c(4), [Op.i32_shl], i64_load(NAMES), i64_store(),
      get(pos), get(k), i32c(4), [Op.i32_shl], i64_load(NAMES + 8), i64_store(8),
      get(pos), get(k), i32_load8_u(NAME_LEN), [Op.i32_add], set(pos),
      get(b), get(b), i32c(1), [Op.i32_sub], [Op.i32_and], tee(b),
      if_,
      get(pos), i32c(44), i32_store8(),
      get(pos), i32c(1), [Op.i32_add], set(pos),
      br(1),
      [Op.end],
      [Op.end],
      [Op.end],
      get(pos), i32c(10), i32_store8(),
      get(pos), i32c(1), [Op.i32_add], set(pos),
      get(i), i32c(1), [Op.i32_add], set(i),
      br(0),
      [Op.end, Op.end],
      i32c(RES_POS), get(pos), i32_store(),
      get(i),
    ],
  };
}

/**
 * rowsJson(i, to, base, pos, limit, off, len, phys, flags, known) -> next i: the `--json`
 * extents, `{"offset":"N","length":"N","physical":"N"|null,"flags":[...]}` with a comma
 * before every one but the first, like rows (same chunking, end position at RES_POS).
 */
function rowsJsonFn(): Func {
  const [i, to, base, pos, limit, off, len, phys, flg, known] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const [p, b, k] = [10, 11, 12];
  const at8 = (col: number) => [get(i), i32c(3), [Op.i32_shl], get(col), [Op.i32_add]].flat();
  const text = (t: number): Code => [get(pos), i32c(JSON_TEXT_AT + 32 * t), i32c(JSON_TEXT[t].length), call(F_COPY), set(pos)].flat();
  const num = (v: Code): Code => [get(pos), v, i32c(0), call(F_NUM), set(pos)].flat();
  return {
    params: [T.i32, T.i32, T.i32, T.i32, T.i32, T.i32, T.i32, T.i32, T.i32, T.i32],
    results: [T.i32],
    locals: [T.i64, T.i32, T.i32],
    body: [
      block, loop,
      get(i), get(to), [Op.i32_ge_u], brIf(1),
      get(pos), get(limit), [Op.i32_gt_u], brIf(1),
      get(base), get(i), [Op.i32_or],
      if_, text(J_NEXT), [Op.else_], text(J_FIRST), [Op.end],
      num([at8(off), i64_load()].flat()),
      text(J_LENGTH),
      num([at8(len), i64_load()].flat()),
      at8(phys), i64_load(), tee(p), i64c(0n), [Op.i64_lt_s],
      if_, text(J_NULL), [Op.else_], text(J_PHYSICAL), num(get(p)), text(J_FLAGS), [Op.end],
      // flags: [] or ["name","name"] in bit order
      get(i), i32c(2), [Op.i32_shl], get(flg), [Op.i32_add], i32_load(), get(known), [Op.i32_and], tee(b),
      [Op.i32_eqz],
      if_,
      get(pos), i32c(0x5d5b), i32_store16(), // []
      get(pos), i32c(2), [Op.i32_add], set(pos),
      [Op.else_],
      get(pos), i32c(0x225b), i32_store16(), // ["
      get(pos), i32c(2), [Op.i32_add], set(pos),
      loop,
      get(b), [Op.i32_ctz], set(k),
      get(pos), get(k), i32c(4), [Op.i32_shl], i64_load(NAMES), i64_store(),
      get(pos), get(k), i32c(4), [Op.i32_shl], i64_load(NAMES + 8), i64_store(8),
      get(pos), get(k), i32_load8_u(NAME_LEN), [Op.i32_add], set(pos),
      get(b), get(b), i32c(1), [Op.i32_sub], [Op.i32_and], tee(b),
      if_,
      get(pos), i32c(0x2c22), i32_store16(), get(pos), i32c(0x22), i32_store8(2), // ","
      get(pos), i32c(3), [Op.i32_add], set(pos),
      br(1),
      [Op.end],
      [Op.end],
      get(pos), i32c(0x5d22), i32_store16(), // "]
      get(pos), i32c(2), [Op.i32_add], set(pos),
      [Op.end],
      get(pos), i32c(0x7d), i32_store8(), // }
      get(pos), i32c(1), [Op.i32_add], set(pos),
      get(i), i32c(1), [Op.i32_add], set(i),
      br(0),
      [Op.end, Op.end],
      i32c(RES_POS), get(pos), i32_store(),
      get(i),
    ],
  };
}

/** The module: spaces, num, copy (internal), scan, rows, rowsJson (exported) and its memory. */
export function tableModuleBytes(): Uint8Array<ArrayBuffer> {
  return assemble(
    [spacesFn(), numFn(), { ...scanFn(), export: 'scan' }, { ...rowsFn(), export: 'rows' }, copyFn(), { ...rowsJsonFn(), export: 'rowsJson' }],
    1,
  );
}

/** The text of src/cli/map-table-wasm.ts for the current program. */
export function tableModuleSource(): string {
  const b64 = Buffer.from(tableModuleBytes()).toString('base64');
  const lines = b64.match(/.{1,96}/g) ?? [];
  return (
    '// Generated by `node --import tsx src/cli/map-table-code.ts` from src/cli/map-table-code.ts: do not edit.\n' +
    '// The WebAssembly module of the map table writer (src/cli/map-table.ts), base64.\n\n' +
    'export const TABLE_WASM_BASE64 =\n' +
    lines.map((l, i) => `  '${l}'` + (i === lines.length - 1 ? ';' : ' +')).join('\n') +
    '\n'
  );
}

if (require.main === module) {
  fs.writeFileSync(path.join(__dirname, 'map-table-wasm.ts'), tableModuleSource());
}
