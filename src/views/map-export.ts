// Exports of one map model: JSON and CSV documents in chunks (the inspector's "Export" writes
// them to a file one chunk at a time), and tab-separated rows for "Copy". Pure: no `vscode`,
// no Node APIs.

import type { ExtentFlag, VolumeInfo } from '../engine';
import type { WireExtent } from '../protocol/messages';

export interface ExportOptions {
  /** Strings per yielded chunk when streaming (the host writes each chunk to the file). */
  batch?: number;
}

/** What an export reads of a model (MapModel implements it). */
export interface ExportSource {
  readonly path: string;
  readonly size: bigint;
  readonly blockSize: number;
  readonly source: string;
  readonly count: number;
  readonly volume: VolumeInfo | undefined;
  readonly mapWindow: { offset: bigint; length: bigint };
  readonly allocatedTotal: bigint;
  readonly sharedTotal: bigint;
  readonly unwrittenTotal: bigint;
  offsetAt(i: number): bigint;
  endAt(i: number): bigint;
  physicalAt(i: number): bigint | null;
  flagsAt(i: number): ExtentFlag[];
  refcountAt(i: number): number | undefined;
}

const CSV_HEADER = 'index,offset,end,length,physical,flags,refcount\n';

/**
 * The map as JSON text, in chunks (a million extents is ~100 MB of text: the host writes the
 * chunks to the file one by one). Offsets and sizes are decimal strings, exact above 2^53; the
 * shape matches `extent-lens map --json` plus the volume facts.
 */
export function* exportJsonChunks(m: ExportSource, opts: ExportOptions = {}): Generator<string> {
  const batch = opts.batch ?? 4096;
  const v = m.volume;
  let head =
    '{"path":' +
    JSON.stringify(m.path) +
    ',"size":"' +
    m.size.toString() +
    '","blockSize":' +
    m.blockSize +
    ',"source":' +
    JSON.stringify(m.source) +
    ',"window":{"offset":"' +
    m.mapWindow.offset.toString() +
    '","length":"' +
    m.mapWindow.length.toString() +
    '"}';
  if (v) head += ',"filesystem":' + JSON.stringify(v.filesystem);
  head +=
    ',"allocated":"' +
    m.allocatedTotal.toString() +
    '","sharedBytes":"' +
    m.sharedTotal.toString() +
    '","unwrittenBytes":"' +
    m.unwrittenTotal.toString() +
    '","extentCount":' +
    m.count +
    ',"extents":[';
  yield head;
  for (let s = 0; s < m.count; s += batch) {
    const e = Math.min(m.count, s + batch);
    const parts: string[] = new Array(e - s);
    for (let i = s; i < e; i++) parts[i - s] = extentJson(m, i);
    yield (s === 0 ? '' : ',') + parts.join(',');
  }
  yield ']}\n';
}

function extentJson(m: ExportSource, i: number): string {
  const off = m.offsetAt(i);
  const end = m.endAt(i);
  const phys = m.physicalAt(i);
  const flags = m.flagsAt(i);
  let s =
    '{"index":' +
    (i + 1) + // extent numbers count from 1, as the table and the CLI show them
    ',"offset":"' +
    off.toString() +
    '","end":"' +
    end.toString() +
    '","length":"' +
    (end - off).toString() +
    '","physical":' +
    (phys !== null ? '"' + phys.toString() + '"' : 'null') +
    ',"flags":' +
    (flags.length === 0 ? '[]' : '["' + flags.join('","') + '"]');
  const rc = m.refcountAt(i);
  if (rc !== undefined) s += ',"refcount":' + rc;
  return s + '}';
}

/** The map as CSV (RFC 4180, CRLF-free: one "\n" per row), in chunks. */
export function* exportCsvChunks(m: ExportSource, opts: ExportOptions = {}): Generator<string> {
  const batch = opts.batch ?? 8192;
  yield CSV_HEADER;
  for (let s = 0; s < m.count; s += batch) {
    const e = Math.min(m.count, s + batch);
    const parts: string[] = new Array(e - s);
    for (let i = s; i < e; i++) parts[i - s] = csvRow(m, i);
    yield parts.join('');
  }
}

function csvRow(m: ExportSource, i: number): string {
  const off = m.offsetAt(i);
  const end = m.endAt(i);
  const phys = m.physicalAt(i);
  const rc = m.refcountAt(i);
  const cells = [i + 1, off, end, end - off, phys ?? '', m.flagsAt(i).join('|'), rc ?? ''];
  return cells.join(',') + '\n';
}

/** Tab-separated text of wire rows with a header: pastes into spreadsheets as columns. */
export function rowsToText(rows: readonly WireExtent[]): string {
  let s = '#\tstart\tend (exclusive)\tlength\tphysical\tflags\n';
  for (const r of rows) {
    const end = BigInt(r.offset) + BigInt(r.length);
    s += `${r.index !== undefined ? r.index + 1 : ''}\t${r.offset}\t${end}\t${r.length}\t${r.physical ?? ''}\t${r.flags.join(',')}\n`;
  }
  return s;
}
