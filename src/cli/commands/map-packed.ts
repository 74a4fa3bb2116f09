// `extent-lens map` output, the one writer: straight from the engine's columnar map
// (PackedExtents, src/engine/map-format.ts: BigInt64Array offset/length/physical, Uint32Array
// engine flag bits, and reference counts where the OS gives them), without an Extent object
// per extent. The same on every OS.
//
// Values are read as signed 64-bit: a negative offset or length is an unsigned value >= 2^63
// (asUintN restores it); physical -1 means "unknown" (null). Rows are written as bytes straight
// into the output buffer (src/cli/digits.ts), from the 32-bit halves of each value: plain
// arithmetic below 2^53, the exact BigInt text above. test/cli/map-table.test.ts holds the
// golden bytes.

// From map-format.ts, not ../../engine/index: a value import of the index would evaluate the
// whole engine at start-up for every command (~6 ms), not only when it is used; map-format.ts
// is dependency-free.
import { bytesPastEof, EXTENT_FLAG, extentFlagNames, type PackedExtentMap } from '../../engine/map-format';
import { escapeControls, exactAndHuman, formatMs, noteLine } from '../format';
import { percentOf, withHumanSizes } from '../../protocol/format';
import { dec, num, str } from '../json';
import { ChunkWriter } from '../output';
import { decimalLength, SAFE_HIGH, TWO32, writeAscii, writeDigits, writeSpaces } from '../digits';
import { windowText } from '../window';

const u64 = (v: bigint): bigint => (v < 0n ? BigInt.asUintN(64, v) : v);

/** Per flag-bits cache of the two renderings: `["a","b"]` (JSON) and `a,b` (human). */
class FlagText {
  private json = new Map<number, string>();
  private human = new Map<number, string>();
  asJson(bits: number): string {
    let t = this.json.get(bits);
    if (t === undefined) {
      const names = extentFlagNames(bits);
      t = names.length ? '["' + names.join('","') + '"]' : '[]';
      this.json.set(bits, t);
    }
    return t;
  }
  /** Longest rendering there can be (every flag set, and a refcount): bounds a row's bytes. */
  maxJsonLength(): number {
    return this.asJson(0xffffffff).length + ',"refcount":4294967295'.length;
  }
  maxHumanLength(): number {
    return this.asHuman(0xffffffff).length + ' x4294967295'.length;
  }
  asHuman(bits: number): string {
    let t = this.human.get(bits);
    if (t === undefined) {
      const names = extentFlagNames(bits);
      t = names.length ? '  ' + names.join(',') : '';
      this.human.set(bits, t);
    }
    return t;
  }
}

/** Rows per batch written into the output buffer (a batch's bytes are reserved up front). */
const ROW_BATCH = 1024;

/** The 32-bit halves (low, high: little-endian) of a BigInt64Array's first `count` values. */
function halves(values: BigInt64Array, count: number): Uint32Array {
  return new Uint32Array(values.buffer, values.byteOffset, count * 2);
}

/** `v` (an integer below 2^53) right-aligned in `width` columns. */
function putNumber(buf: Uint8Array, pos: number, width: number, v: number): number {
  const n = decimalLength(v);
  pos = writeSpaces(buf, pos, width - n);
  writeDigits(buf, pos, v, n);
  return pos + n;
}

function putText(buf: Uint8Array, pos: number, width: number, text: string): number {
  return writeAscii(buf, writeSpaces(buf, pos, width - text.length), text);
}

/**
 * Value `i` of `values` as unsigned 64-bit, right-aligned in `width` columns, from its halves
 * (`hi`, `lo`): plain arithmetic below 2^53, the exact BigInt text from there up.
 */
function putU64(buf: Uint8Array, pos: number, width: number, hi: number, lo: number, values: BigInt64Array, i: number): number {
  if (hi < SAFE_HIGH) return putNumber(buf, pos, width, hi * TWO32 + lo);
  return putText(buf, pos, width, BigInt.asUintN(64, values[i]).toString());
}

export function writePackedMapJson(m: PackedExtentMap): void {
  writePackedMapJsonTo(new ChunkWriter(), m);
}

/** The --json document into `w`. */
export function writePackedMapJsonTo(w: ChunkWriter, m: PackedExtentMap): void {
  w.push('{"path":' + str(m.path) + ',"size":' + dec(m.size) + ',"blockSize":' + m.blockSize + ',"extents":[');
  writeJsonRows(w, m);
  w.push(
    '],"source":' +
      str(m.source) +
      (m.window ? ',"window":{"offset":' + dec(m.window.offset) + ',"length":' + dec(m.window.length) + '}' : '') +
      ',"calls":' +
      m.calls +
      ',"durationMs":' +
      num(m.durationMs) +
      (m.notes?.length ? ',"notes":' + JSON.stringify(m.notes) : '') +
      (m.heldOutsideExtents ? ',"heldOutsideExtents":' + dec(m.heldOutsideExtents) : '') +
      (m.allocationSize !== undefined ? ',"allocationSize":' + dec(m.allocationSize) : '') +
      (m.encodedOnDisk !== undefined ? ',"encodedOnDisk":' + dec(m.encodedOnDisk) : '') +
      '}\n',
  );
  w.flush();
}

/** The extents of the --json document: `"refcount":N` after the flags where a count is given. */
function writeJsonRows(w: ChunkWriter, m: PackedExtentMap): void {
  const { count, offset, length, physical, flags, refcounts } = m.packed;
  const f = new FlagText();
  // Rows go straight into the output buffer as bytes (src/cli/digits.ts), a batch at a time.
  const ow = halves(offset, count);
  const lw = halves(length, count);
  const pw = halves(physical, count);
  const maxRow = 160 + f.maxJsonLength();
  for (let start = 0; start < count; start += ROW_BATCH) {
    const stop = Math.min(count, start + ROW_BATCH);
    const room = w.room((stop - start) * maxRow);
    const buf = room.buf;
    let pos = room.pos;
    for (let i = start; i < stop; i++) {
      pos = writeAscii(buf, pos, i === 0 ? '{"offset":"' : ',{"offset":"');
      pos = putU64(buf, pos, 0, ow[2 * i + 1], ow[2 * i], offset, i);
      pos = writeAscii(buf, pos, '","length":"');
      pos = putU64(buf, pos, 0, lw[2 * i + 1], lw[2 * i], length, i);
      if (pw[2 * i + 1] >= 0x80000000) pos = writeAscii(buf, pos, '","physical":null,"flags":');
      else {
        pos = writeAscii(buf, pos, '","physical":"');
        pos = putU64(buf, pos, 0, pw[2 * i + 1], pw[2 * i], physical, i);
        pos = writeAscii(buf, pos, '","flags":');
      }
      pos = writeAscii(buf, pos, f.asJson(flags[i]));
      if (refcounts && refcounts[i] !== 0) {
        pos = writeAscii(buf, pos, ',"refcount":');
        pos = putNumber(buf, pos, 0, refcounts[i]);
      }
      buf[pos++] = 125; // }
    }
    w.advance(pos);
  }
}

/**
 * Index of the largest non-negative value, compared as doubles built from the two 32-bit
 * halves (little-endian, as on every platform koffi ships for), so no BigInt is made per
 * element. Only a column width depends on it: above 2^53, where doubles round, the caller
 * adds one digit of slack.
 */
function maxIndex(values: BigInt64Array, count: number): number {
  const w = new Uint32Array(values.buffer, values.byteOffset, count * 2);
  let best = -1;
  let at = 0;
  for (let i = 0; i < count; i++) {
    const hi = w[2 * i + 1];
    if (hi >= 0x80000000) continue; // negative: unknown physical (-1) or >= 2^63
    const v = hi * 4294967296 + w[2 * i];
    if (v > best) {
      best = v;
      at = i;
    }
  }
  return at;
}

/** True when some value is negative as int64 (an unsigned value >= 2^63): checks high words only. */
function hasNegative(values: BigInt64Array, count: number): boolean {
  const w = new Uint32Array(values.buffer, values.byteOffset, count * 2);
  for (let i = 1; i < count * 2; i += 2) if (w[i] >= 0x80000000) return true;
  return false;
}

interface MapStats {
  mapped: bigint;
  unwritten: bigint;
  shared: bigint;
  /**
   * Bytes of extents flagged encoded (btrfs: compressed), at the length FIEMAP gives: uncompressed.
   * Not inline ones: kept in metadata, with no extent on disk to size (the summary says so of them).
   */
  encoded: bigint;
  holes: number;
  /** End of the scanned span: the window's end or the file size, whichever is first. */
  stop: bigint;
}

/**
 * Totals for the summary line. When every extent ends below 2^53 the sums are exact in doubles
 * (extents do not overlap, so no partial sum exceeds the largest end), which avoids a BigInt
 * allocation per extent; otherwise they are summed as BigInt.
 */
/** Every extent of the map is inline (FIEMAP_EXTENT_DATA_INLINE). */
function allInline(m: PackedExtentMap): boolean {
  const { count, flags } = m.packed;
  for (let i = 0; i < count; i++) if ((flags[i] & EXTENT_FLAG.INLINE) === 0) return false;
  return count > 0;
}

function stats(m: PackedExtentMap, maxEnd: bigint): MapStats {
  const { count, offset, length, flags } = m.packed;
  const start = m.window ? m.window.offset : 0n;
  const stop = m.window ? (m.window.offset + m.window.length < m.size ? m.window.offset + m.window.length : m.size) : m.size;
  let holes = 0;
  if (maxEnd <= 9007199254740991n && stop <= 9007199254740991n && !hasNegative(offset, count)) {
    const ow = new Uint32Array(offset.buffer, offset.byteOffset, count * 2);
    const lw = new Uint32Array(length.buffer, length.byteOffset, count * 2);
    let mapped = 0;
    let unwritten = 0;
    let shared = 0;
    let encoded = 0;
    let prev = Number(start);
    const end = Number(stop);
    for (let i = 0; i < count; i++) {
      const o = ow[2 * i + 1] * 4294967296 + ow[2 * i];
      const l = lw[2 * i + 1] * 4294967296 + lw[2 * i];
      if (o > prev && prev < end) holes++; // (a gap past the end of the file, before preallocation there, is no hole of it)
      prev = o + l;
      mapped += l;
      if (flags[i] & EXTENT_FLAG.UNWRITTEN) unwritten += l;
      if (flags[i] & EXTENT_FLAG.SHARED) shared += l;
      if ((flags[i] & (EXTENT_FLAG.ENCODED | EXTENT_FLAG.INLINE)) === EXTENT_FLAG.ENCODED) encoded += l;
    }
    if (Number(stop) > prev) holes++;
    return { mapped: BigInt(mapped), unwritten: BigInt(unwritten), shared: BigInt(shared), encoded: BigInt(encoded), holes, stop };
  }
  let mapped = 0n;
  let unwritten = 0n;
  let shared = 0n;
  let encoded = 0n;
  let prev = start;
  for (let i = 0; i < count; i++) {
    const o = u64(offset[i]);
    const l = u64(length[i]);
    if (o > prev && prev < stop) holes++;
    prev = o + l;
    mapped += l;
    if (flags[i] & EXTENT_FLAG.UNWRITTEN) unwritten += l;
    if (flags[i] & EXTENT_FLAG.SHARED) shared += l;
    if ((flags[i] & (EXTENT_FLAG.ENCODED | EXTENT_FLAG.INLINE)) === EXTENT_FLAG.ENCODED) encoded += l;
  }
  if (stop > prev) holes++;
  return { mapped, unwritten, shared, encoded, holes, stop };
}

export function writePackedMapHuman(m: PackedExtentMap): void {
  writePackedMapHumanTo(new ChunkWriter(), m);
}

/** The human table into `w`: a header line, column headings, one row per extent, a summary. */
export function writePackedMapHumanTo(w: ChunkWriter, m: PackedExtentMap): void {
  const { count, offset, length, physical } = m.packed;
  w.push(
    `${escapeControls(m.path)}: size ${exactAndHuman(m.size)}${windowText(m.window, m.size)}, block size ${m.blockSize}, source ${m.source}\n`,
  );

  // Column widths from the largest values, so that streamed rows line up with the header.
  const maxEnd = count ? u64(offset[count - 1]) + u64(length[count - 1]) : 0n; // sorted by offset
  const maxLen = count ? u64(length[maxIndex(length, count)]) : 0n;
  const maxPhys = count ? physical[maxIndex(physical, count)] : 0n;
  const wIdx = Math.max(1, String(count).length);
  const wOff = Math.max(6, maxEnd.toString().length);
  const wEnd = Math.max(3, maxEnd.toString().length);
  const slack = (v: bigint): number => (v > 9007199254740991n ? 1 : 0); // see maxIndex
  const wLen = Math.max(6, maxLen.toString().length + slack(maxLen));
  const wPhys = Math.max(8, (maxPhys < 0n ? 1 : maxPhys.toString().length) + slack(maxPhys));
  if (count) {
    const head = ['offset'.padStart(wOff), 'end'.padStart(wEnd), 'length'.padStart(wLen), 'physical'.padStart(wPhys), 'flags\n'];
    w.push('#'.padStart(wIdx) + '  ' + head.join('  '));
  }

  const { holes, mapped, unwritten, shared, encoded, stop } = stats(m, maxEnd);
  writeRows(w, m, wIdx, wOff, wEnd, wLen, wPhys);
  const scanned = stop - (m.window ? m.window.offset : 0n);
  const past = pastEndOfFile(m);
  const inFile = mapped - past;
  // (a file's last block is allocated whole: a small file maps more bytes than it has)
  const share =
    m.size === 0n
      ? "the file's size is 0" // (an empty file, or one of /proc, whose size says nothing)
      : m.window !== undefined && m.window.offset >= m.size
        ? 'the window starts past the end of the file'
        : inFile > scanned
          ? allInline(m)
            ? // btrfs keeps a small file's data in its metadata: FIEMAP gives it as one block
              `the ${scanned} bytes are kept inline in the file system's metadata, with no block of their own`
            : `more than the ${scanned} bytes shown: blocks are allocated whole`
          : percentOf(inFile, scanned > 0n ? scanned : 0n);
  w.push(
    `${count} extent${count === 1 ? '' : 's'}, ${holes} hole${holes === 1 ? '' : 's'}; ` +
      (past > 0n
        ? `mapped ${exactAndHuman(mapped)}: ${exactAndHuman(inFile)} within the file (${share}) and ${exactAndHuman(past)} past its end ` +
          '(preallocated, as fallocate --keep-size does)'
        : `mapped ${exactAndHuman(mapped)} (${share})`) +
      // (SMB, not marked sparse: the one range claims more than the server holds; the note says why)
      (m.allocationSize !== undefined && m.allocationSize < mapped
        ? ` as the server gives them, ${exactAndHuman(m.allocationSize)} allocated (its allocation size: see the note)`
        : '') +
      (unwritten ? `, unwritten ${exactAndHuman(unwritten)}` : '') +
      (shared ? `, shared ${exactAndHuman(shared)}` : '') +
      // (FIEMAP gives encoded extents at their uncompressed length; the engine reads their size on disk where it can)
      (encoded
        ? `, encoded ${exactAndHuman(encoded)}` +
          (m.encodedOnDisk !== undefined ? ` in compressed extents of ${exactAndHuman(m.encodedOnDisk)} on disk` : '')
        : '') +
      `; ${m.calls} call${m.calls === 1 ? '' : 's'}, ${formatMs(m.durationMs)}\n`,
  );
  for (const n of m.notes ?? []) w.push(noteLine(escapeControls(withHumanSizes(n, ''))) + '\n');
  w.flush();
}

/** Bytes of the map's extents past the end of the file's last block (preallocated beyond EOF). */
function pastEndOfFile(m: PackedExtentMap): bigint {
  const { count, offset, length } = m.packed;
  return bytesPastEof(
    m.size,
    m.blockSize,
    count,
    (i) => u64(offset[i]),
    (i) => u64(offset[i]) + u64(length[i]),
  );
}

/** The rows: each row's cells as bytes straight into the output buffer; ` xN` after the flags for a refcount above 1. */
function writeRows(w: ChunkWriter, m: PackedExtentMap, wIdx: number, wOff: number, wEnd: number, wLen: number, wPhys: number): void {
  const { count, offset, length, physical, flags, refcounts } = m.packed;
  const f = new FlagText();
  const ow = halves(offset, count);
  const lw = halves(length, count);
  const pw = halves(physical, count);
  const maxRow = wIdx + 2 * 5 + 5 * 21 + f.maxHumanLength() + 1;
  for (let start = 0; start < count; start += ROW_BATCH) {
    const stop = Math.min(count, start + ROW_BATCH);
    const room = w.room((stop - start) * maxRow);
    const buf = room.buf;
    let pos = room.pos;
    for (let i = start; i < stop; i++) {
      const idx = i + 1;
      const n = decimalLength(idx);
      pos = writeSpaces(buf, pos, wIdx - n);
      writeDigits(buf, pos, idx, n);
      pos += n;
      const oh = ow[2 * i + 1];
      const lh = lw[2 * i + 1];
      pos = putU64(buf, pos, 2 + wOff, oh, ow[2 * i], offset, i);
      // end = offset + length: exact as a double when the sum stays below 2^53.
      const e = oh < SAFE_HIGH && lh < SAFE_HIGH ? oh * TWO32 + ow[2 * i] + (lh * TWO32 + lw[2 * i]) : Infinity;
      if (e <= Number.MAX_SAFE_INTEGER) pos = putNumber(buf, pos, 2 + wEnd, e);
      else pos = putText(buf, pos, 2 + wEnd, (u64(offset[i]) + u64(length[i])).toString());
      pos = putU64(buf, pos, 2 + wLen, lh, lw[2 * i], length, i);
      if (pw[2 * i + 1] >= 0x80000000) pos = putText(buf, pos, 2 + wPhys, '-');
      else pos = putU64(buf, pos, 2 + wPhys, pw[2 * i + 1], pw[2 * i], physical, i);
      pos = writeAscii(buf, pos, f.asHuman(flags[i]));
      if (refcounts && refcounts[i] > 1) {
        pos = writeAscii(buf, pos, ' x');
        pos = putNumber(buf, pos, 0, refcounts[i]);
      }
      buf[pos++] = 10; // \n
    }
    w.advance(pos);
  }
}
