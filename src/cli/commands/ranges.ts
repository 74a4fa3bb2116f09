// extent-lens ranges FILE [--offset N] [--length N]: the data (allocated) ranges of a file,
// as SEEK_DATA/SEEK_HOLE or FSCTL_QUERY_ALLOCATED_RANGES see them.

import type { ByteRange, RangesResult } from '../../engine';
import type { Command } from '../command';
import { percentOf, withHumanSizes } from '../../protocol/format';
import { escapeControls, exactAndHuman, formatMs, humanUnit, noteLine, renderTable } from '../format';
import { dec, num, str, writeObjectWithArray } from '../json';
import { ChunkWriter, writeOut } from '../output';
import { WINDOW_OPTIONS, windowFrom, windowText } from '../window';
import { amountOf } from '../status-line';

export const rangesCommand: Command = {
  name: 'ranges',
  summary: 'List the data (allocated) ranges of a file; the gaps between them are holes.',
  args: ['FILE'],
  readOnly: true,
  options: { ...WINDOW_OPTIONS },
  description: `Linux and macOS ask lseek(SEEK_DATA/SEEK_HOLE); Windows and SMB shares ask
FSCTL_QUERY_ALLOCATED_RANGES. XFS reports preallocated (unwritten) extents as holes here
until their pages are in the page cache (one read of them is enough), then as data;
\`extent-lens map\` always shows them, with the "unwritten" flag.

SMB: a file not marked sparse is given as one range over all of it; where its allocation size
is less, a note says so and "allocationSize" gives it (set-sparse makes the server show holes).

JSON: {"path","size":"N","ranges":[{"offset":"N","length":"N"},...],"window":{...},
       "method","calls","durationMs","notes":[...],"allocationSize":"N"}  (the last two only where they apply)`,
  examples: [
    { command: 'extent-lens ranges vm.img', says: 'where a sparse VM image holds data; the gaps are holes' },
    { command: 'extent-lens ranges vm.img --offset 32M --length 4M --json', says: 'only the 4 MiB from 32 MiB on, for a script' },
  ],
  async run(ctx) {
    const window = windowFrom(ctx.values); // usage errors before the engine loads
    const engine = await ctx.engine();
    const r = await engine.ranges(ctx.positionals[0], {
      signal: ctx.signal,
      window,
      onProgress: ctx.progress((p) => `${amountOf(p.done, p.total)} scanned`),
    });
    if (ctx.json) writeRangesJson(r);
    else writeOut(rangesHuman(r));
  },
};

const range = (x: ByteRange): string => '{"offset":"' + x.offset.toString() + '","length":"' + x.length.toString() + '"}';

function writeRangesJson(r: RangesResult): void {
  writeObjectWithArray(
    new ChunkWriter(),
    [
      ['path', str(r.path)],
      ['size', dec(r.size)],
    ],
    'ranges',
    r.ranges,
    range,
    [
      ['window', r.window ? range(r.window) : undefined],
      ['method', str(r.method)],
      ['calls', String(r.calls)],
      ['durationMs', num(r.durationMs)],
      ['notes', r.notes?.length ? JSON.stringify(r.notes) : undefined],
      ['allocationSize', r.allocationSize !== undefined ? dec(r.allocationSize) : undefined],
    ],
  );
}

function rangesHuman(r: RangesResult): string {
  let data = 0n;
  const rows = r.ranges.map((x, i) => {
    data += x.length;
    return [String(i + 1), x.offset.toString(), (x.offset + x.length).toString(), x.length.toString(), humanUnit(x.length)];
  });
  const table = rows.length
    ? renderTable(
        [
          { header: '#', align: 'right' },
          { header: 'offset', align: 'right' },
          { header: 'end', align: 'right' },
          { header: 'length', align: 'right' },
          { header: '', align: 'left' },
        ],
        rows,
      )
    : '';
  const win = windowText(r.window, r.size);
  const scanned = r.window ? minBig(r.window.length, r.size > r.window.offset ? r.size - r.window.offset : 0n) : r.size;
  // A file the server holds with holes it does not show (SMB, not marked sparse): the ranges
  // claim more than its allocation size, which is what it holds (the note says why)
  const held = r.allocationSize !== undefined && r.allocationSize < data && !win ? r.allocationSize : undefined;
  const head = `${escapeControls(r.path)}: size ${exactAndHuman(r.size)}${win}\n`;
  const summary =
    `${r.ranges.length} data range${r.ranges.length === 1 ? '' : 's'}, ` +
    (held !== undefined
      ? `${exactAndHuman(data)} as the server gives them, ${exactAndHuman(held)} allocated (its allocation size: see the note)`
      : `${exactAndHuman(data)} allocated`) +
    // of what: "(<0.1% of 1 TiB scanned)" read as if less than 0.1% had been scanned
    // (a window past the end: said as map says it, not "0% of the 0 bytes read")
    (r.window !== undefined && r.window.offset >= r.size && r.size > 0n
      ? ' (the window starts past the end of the file); '
      : ` (${percentOf(held ?? data, scanned)} of the ${win ? `${exactAndHuman(scanned)} read` : `file's ${exactAndHuman(scanned)}`}); `) +
    `${r.method}, ${r.calls} call${r.calls === 1 ? '' : 's'}, ${formatMs(r.durationMs)}\n`;
  const notes = (r.notes ?? []).map((n) => noteLine(escapeControls(withHumanSizes(n, ''))) + '\n').join('');
  return head + table + summary + notes;
}

const minBig = (a: bigint, b: bigint): bigint => (a < b ? a : b);
