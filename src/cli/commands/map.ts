// extent-lens map FILE [--offset N] [--length N]: every extent with its physical offset and
// flags (unwritten, shared, ...), as FIEMAP (Linux) or the retrieval pointers (Windows) give it.

import type { Extent, ExtentMap } from '../../engine';
import { writePackedMapHuman, writePackedMapJson } from './map-packed';
import type { Command } from '../command';
import { exactAndHuman, formatMs, percent } from '../format';
import { dec, num, str, writeObjectWithArray } from '../json';
import { ChunkWriter } from '../output';
import { WINDOW_OPTIONS, windowFrom } from '../window';

export const mapCommand: Command = {
  name: 'map',
  summary: 'Show the extent map of a file: logical and physical offsets, lengths and flags.',
  args: ['FILE'],
  readOnly: true,
  options: { ...WINDOW_OPTIONS },
  description: `Linux: FS_IOC_FIEMAP, paged until the last extent (flags: unwritten, shared,
delalloc, inline, encoded, last, ...). tmpfs and macOS have no FIEMAP: the map then holds
the data ranges without flags (source "seek"). Windows: retrieval pointers with reference
counts on ReFS (shared when > 1).

JSON: {"path","size":"N","blockSize":N,"extents":[{"offset":"N","length":"N",
       "physical":"N"|null,"flags":[...]},...],"source","window","calls","durationMs"}`,
  async run(ctx) {
    const window = windowFrom(ctx.values); // usage errors before the engine loads
    const engine = await ctx.engine();
    const path = ctx.positionals[0];
    // Columnar (packed) maps skip one object and four BigInts per extent: that is most of the
    // cost of printing 10^5..10^6 extents. Windows maps carry ReFS reference counts, which only
    // the object form has.
    if (process.platform !== 'win32') {
      const p = await engine.mapPacked(path, { signal: ctx.signal, window });
      if (ctx.json) writePackedMapJson(p);
      else writePackedMapHuman(p);
      return;
    }
    const m = await engine.map(path, { signal: ctx.signal, window });
    if (ctx.json) writeMapJson(m);
    else writeMapHuman(m);
  },
};

function extentJson(e: Extent): string {
  let s =
    '{"offset":"' +
    e.offset.toString() +
    '","length":"' +
    e.length.toString() +
    '","physical":' +
    (e.physical === null ? 'null' : '"' + e.physical.toString() + '"') +
    ',"flags":' +
    (e.flags.length === 0 ? '[]' : '["' + e.flags.join('","') + '"]');
  if (e.refcount !== undefined) s += ',"refcount":' + e.refcount;
  return s + '}';
}

export function writeMapJson(m: ExtentMap): void {
  writeObjectWithArray(
    new ChunkWriter(),
    [
      ['path', str(m.path)],
      ['size', dec(m.size)],
      ['blockSize', String(m.blockSize)],
    ],
    'extents',
    m.extents,
    extentJson,
    [
      ['source', str(m.source)],
      ['window', m.window ? '{"offset":' + dec(m.window.offset) + ',"length":' + dec(m.window.length) + '}' : undefined],
      ['calls', String(m.calls)],
      ['durationMs', num(m.durationMs)],
    ],
  );
}

/** Aligned table in chunks of rows (a million rows must not build one giant string twice). */
export function writeMapHuman(m: ExtentMap): void {
  const w = new ChunkWriter();
  w.push(`${m.path}: size ${exactAndHuman(m.size)}, block size ${m.blockSize}, source ${m.source}\n`);
  let mapped = 0n;
  let unwritten = 0n;
  let shared = 0n;
  let holes = 0;
  let prevEnd = m.window ? m.window.offset : 0n;
  // Column widths from the largest values, so every chunk lines up with the header.
  const last = m.extents.length ? m.extents[m.extents.length - 1] : undefined;
  let maxPhys = 0n;
  for (const e of m.extents) if (e.physical !== null && e.physical > maxPhys) maxPhys = e.physical;
  const wIdx = Math.max(1, String(m.extents.length).length);
  const wOff = Math.max(6, last ? last.offset.toString().length : 1);
  const wEnd = Math.max(3, last ? (last.offset + last.length).toString().length : 1);
  let maxLen = 0n;
  for (const e of m.extents) if (e.length > maxLen) maxLen = e.length;
  const wLen = Math.max(6, maxLen.toString().length);
  const wPhys = Math.max(8, maxPhys.toString().length);
  if (m.extents.length) w.push(headerLine(wIdx, wOff, wEnd, wLen, wPhys));
  for (let i = 0; i < m.extents.length; i++) {
    const e = m.extents[i];
    if (e.offset > prevEnd) holes++;
    prevEnd = e.offset + e.length;
    mapped += e.length;
    if (e.flags.includes('unwritten')) unwritten += e.length;
    if (e.flags.includes('shared')) shared += e.length;
    // Padding from ready-made runs of spaces: cheaper than padStart per cell for 10^6 rows.
    const idx = String(i + 1);
    const off = e.offset.toString();
    const end = prevEnd.toString();
    const len = e.length.toString();
    const phys = e.physical === null ? '-' : e.physical.toString();
    w.ascii(
      pad(wIdx - idx.length) +
        idx +
        pad(2 + wOff - off.length) +
        off +
        pad(2 + wEnd - end.length) +
        end +
        pad(2 + wLen - len.length) +
        len +
        pad(2 + wPhys - phys.length) +
        phys +
        (e.flags.length ? '  ' + e.flags.join(',') : '') +
        (e.refcount !== undefined && e.refcount > 1 ? ` x${e.refcount}` : '') +
        '\n',
    );
  }
  const end = m.window ? minBig(m.window.offset + m.window.length, m.size) : m.size;
  if (end > prevEnd) holes++;
  const scanned = end - (m.window ? m.window.offset : 0n);
  w.push(
    `${m.extents.length} extent${m.extents.length === 1 ? '' : 's'}, ${holes} hole${holes === 1 ? '' : 's'}; ` +
      `mapped ${exactAndHuman(mapped)} (${percent(mapped, scanned > 0n ? scanned : 0n)})` +
      (unwritten ? `, unwritten ${exactAndHuman(unwritten)}` : '') +
      (shared ? `, shared ${exactAndHuman(shared)}` : '') +
      `; ${m.calls} call${m.calls === 1 ? '' : 's'}, ${formatMs(m.durationMs)}\n`,
  );
  w.flush();
}

function headerLine(wIdx: number, wOff: number, wEnd: number, wLen: number, wPhys: number): string {
  return (
    '#'.padStart(wIdx) +
    '  ' +
    'offset'.padStart(wOff) +
    '  ' +
    'end'.padStart(wEnd) +
    '  ' +
    'length'.padStart(wLen) +
    '  ' +
    'physical'.padStart(wPhys) +
    '  flags\n'
  );
}

const minBig = (a: bigint, b: bigint): bigint => (a < b ? a : b);

/** Runs of 0..40 spaces, made once: padding then allocates nothing per cell. */
const PADS = Array.from({ length: 41 }, (_, i) => ' '.repeat(i));
const pad = (n: number): string => (n > 0 ? PADS[n] : '');
