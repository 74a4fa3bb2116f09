// A tiny WebAssembly assembler: just enough to write the CLI's table formatter
// (src/cli/map-table.ts) as readable code in TypeScript and get module bytes at run time.
//
// Why WebAssembly at all: `extent-lens map` formats 10^5..10^6 rows once per process. JavaScript
// runs that loop interpreted until V8 has optimised it (measured: ~80 ms cold for 100,000 rows,
// ~19 ms once warm), while WebAssembly is compiled before its first call (Liftoff, well under a
// millisecond for a module this size) and has exact unsigned 64-bit arithmetic, so no value has
// to pass through a double or a BigInt.
//
// Only the opcodes the formatter uses are here (numbers from the WebAssembly 1.0 spec).

export const enum T {
  i32 = 0x7f,
  i64 = 0x7e,
  f64 = 0x7c,
}

/** Opcodes with no immediate. */
export const enum Op {
  unreachable = 0x00,
  else_ = 0x05,
  end = 0x0b,
  return_ = 0x0f,
  select = 0x1b,
  i32_eqz = 0x45,
  i32_eq = 0x46,
  i32_ne = 0x47,
  i32_lt_s = 0x48,
  i32_lt_u = 0x49,
  i32_gt_s = 0x4a,
  i32_gt_u = 0x4b,
  i32_le_s = 0x4c,
  i32_le_u = 0x4d,
  i32_ge_s = 0x4e,
  i32_ge_u = 0x4f,
  i64_eqz = 0x50,
  i64_eq = 0x51,
  i64_ne = 0x52,
  i64_lt_s = 0x53,
  i64_lt_u = 0x54,
  i64_gt_s = 0x55,
  i64_gt_u = 0x56,
  i64_le_u = 0x58,
  i64_ge_s = 0x59,
  i64_ge_u = 0x5a,
  f64_gt = 0x64,
  i64_clz = 0x79,
  i32_ctz = 0x68,
  i32_add = 0x6a,
  i32_sub = 0x6b,
  i32_mul = 0x6c,
  i32_and = 0x71,
  i32_or = 0x72,
  i32_shl = 0x74,
  i32_shr_u = 0x76,
  i64_add = 0x7c,
  i64_sub = 0x7d,
  i64_mul = 0x7e,
  i64_div_u = 0x80,
  i64_and = 0x83,
  i64_or = 0x84,
  i64_shr_u = 0x88,
  i32_wrap_i64 = 0xa7,
  i64_extend_i32_u = 0xad,
  f64_convert_i64_s = 0xb9,
}

/** Code is a flat list of bytes; helpers return byte arrays to splice in. */
export type Code = number[];

function uleb(v: number): Code {
  const out: Code = [];
  do {
    let b = v & 0x7f;
    v = Math.floor(v / 128);
    if (v !== 0) b |= 0x80;
    out.push(b);
  } while (v !== 0);
  return out;
}

function sleb(v: bigint): Code {
  const out: Code = [];
  for (;;) {
    const b = Number(v & 0x7fn);
    v >>= 7n;
    if ((v === 0n && (b & 0x40) === 0) || (v === -1n && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

const bytes = (s: string): Code => [...uleb(s.length), ...Array.from(s, (c) => c.charCodeAt(0))];
const vec = (items: Code[]): Code => [...uleb(items.length), ...items.flat()];
const section = (id: number, body: Code): Code => [id, ...uleb(body.length), ...body];

export const get = (i: number): Code => [0x20, ...uleb(i)];
export const set = (i: number): Code => [0x21, ...uleb(i)];
export const tee = (i: number): Code => [0x22, ...uleb(i)];
export const i32c = (v: number): Code => [0x41, ...sleb(BigInt(v | 0))];
export const i64c = (v: bigint): Code => [0x42, ...sleb(BigInt.asIntN(64, v))];
export const call = (f: number): Code => [0x10, ...uleb(f)];
export const br = (depth: number): Code => [0x0c, ...uleb(depth)];
export const brIf = (depth: number): Code => [0x0d, ...uleb(depth)];
/** Structured control with no result value: `block`, `loop`, `if`, each closed by Op.end. */
export const block: Code = [0x02, 0x40];
export const loop: Code = [0x03, 0x40];
export const if_: Code = [0x04, 0x40];

const mem = (op: number, align: number) => (offset = 0): Code => [op, align, ...uleb(offset)];
export const i32_load = mem(0x28, 2);
export const i64_load = mem(0x29, 3);
export const f64_load = mem(0x2b, 3);
export const i32_load8_u = mem(0x2d, 0);
export const i32_load16_u = mem(0x2f, 1);
export const i32_store = mem(0x36, 2);
export const i64_store = mem(0x37, 3);
export const f64_store = mem(0x39, 3);
export const i32_store8 = mem(0x3a, 0);
export const i32_store16 = mem(0x3b, 1);

export interface Func {
  params: T[];
  results: T[];
  /** Locals after the parameters, in index order. */
  locals: T[];
  body: Code[];
  /** Exported under this name, if given. */
  export?: string;
}

/** A module of `funcs` (function index = position) with one exported memory named "memory". */
export function assemble(funcs: Func[], memoryPages: number): Uint8Array<ArrayBuffer> {
  const types = funcs.map((f) => [0x60, ...vec(f.params.map((t) => [t])), ...vec(f.results.map((t) => [t]))]);
  const exports: Code[] = [[...bytes('memory'), 0x02, 0]];
  funcs.forEach((f, i) => {
    if (f.export) exports.push([...bytes(f.export), 0x00, ...uleb(i)]);
  });
  const bodies = funcs.map((f) => {
    const locals = vec(f.locals.map((t) => [1, t]));
    const code = [...locals, ...f.body.flat(), Op.end];
    return [...uleb(code.length), ...code];
  });
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec(types)),
    ...section(3, vec(funcs.map((_, i) => uleb(i)))),
    ...section(5, vec([[0x00, ...uleb(memoryPages)]])),
    ...section(7, vec(exports)),
    ...section(10, vec(bodies)),
  ]);
}
