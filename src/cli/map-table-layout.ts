// Memory layout of the map table module, shared by its program (map-table.wat, where
// map-table-code.ts substitutes these numbers for {{NAME}}) and its driver (map-table.ts).
// Byte addresses.

export const PAIRS = 0; // "00".."99": 200 bytes
export const POW10 = 256; // 10^0 .. 10^19 as i64
export const NAMES = 512; // flag name of bit k at NAMES + 16k (at most 16 bytes)
export const NAME_LEN = 1024; // its length (0: no name)
// scan's running state between chunks (set up by the driver), then its results
export const RES = 1088;
export const RES_MAPPED = RES; // i64
export const RES_UNWRITTEN = RES + 8; // i64
export const RES_SHARED = RES + 16; // i64
export const RES_PREV = RES + 24; // i64: end of the previous extent (first: where holes count from)
export const RES_BEST_LEN = RES + 32; // f64: largest length so far, as a double (-1: none)
export const RES_BEST_PHYS = RES + 40; // f64
export const RES_HOLES = RES + 48; // i32
export const RES_AT_LEN = RES + 52; // i32: index of the largest length
export const RES_AT_PHYS = RES + 56; // i32
export const RES_BAD = RES + 60; // i32: 1 when an end or a total needed more than 64 bits
export const RES_POS = RES + 64; // i32: where rows stopped writing
export const RES_SIZE = 72;
/** The fixed pieces of a --json extent, JSON_TEXT_STRIDE bytes apart from here (written by the driver). */
export const JSON_TEXT_AT = 1280;
export const JSON_TEXT_STRIDE = 32;
export const JSON_TEXT = ['{"offset":"', ',{"offset":"', '","length":"', '","physical":null,"flags":', '","physical":"', '","flags":'];
export const [J_FIRST, J_NEXT, J_LENGTH, J_NULL, J_PHYSICAL, J_FLAGS] = [0, 1, 2, 3, 4, 5];
/** Columns of one chunk from here: offset, length, physical (i64), flags (i32); then the output. */
export const DATA = 4096;
/** Extents per chunk: the columns are copied in a chunk at a time (448 KiB of module memory, not 28 bytes per extent of the map). */
export const CHUNK = 16384;
/** Output area per `rows` call. */
export const OUT_CAP = 256 * 1024;
/** A row may overrun its reserved size by up to 16 bytes (flag names are copied 16 bytes at a time). */
export const OUT_SLACK = 64;
export const PAGE = 65536;
