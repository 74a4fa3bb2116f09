// What a copy says of a source that changed while it was copied (safety rule 10, docs/ENGINE.md),
// on Linux (copyUntilEof) and on Windows and SMB (nt/changed.ts) alike: only what was seen. A
// source whose size is what it was, yet whose reading ended before that size, was truncated and
// extended again, not "written to" (a trial's copy said so of a source only truncated and extended).

/** What the copy saw of its source. */
export interface SeenChange {
  /** The size when the copy began, and after it. */
  startSize: bigint;
  nowSize: bigint;
  /** Where reading the source ended, where the copy knows it. */
  readEnd?: bigint;
  /** The time that moved, as its system names it: "modification time", "last write time". */
  timeName: string;
}

/** The change in words, for the parenthesis of changedWhileCopied. */
export function sourceChangeSaid(c: SeenChange): string {
  const read = c.readEnd === undefined || c.readEnd === c.startSize ? undefined : `reading it ended at ${c.readEnd} bytes`;
  if (c.nowSize !== c.startSize) return `its size went from ${c.startSize} to ${c.nowSize} bytes${read ? `; ${read}` : ''}`;
  if (read && c.readEnd! < c.startSize)
    return `${read}, before its size of ${c.startSize} bytes, which it has again: it was truncated and then extended`;
  if (read) return `${read}, past its size of ${c.startSize} bytes, which it has again: it grew and was then truncated`;
  return `its ${c.timeName} changed, its size did not: it was written to, or truncated and extended again`;
}

/** The E_CHANGED sentence of a copy whose source changed (`what`: sourceChangeSaid, and any evidence). */
export function changedWhileCopied(operation: string, source: string, what: string): string {
  return (
    `${operation}: ${source} changed while it was copied (${what}) (E_CHANGED); ` +
    'the copy would mix old and new data, so it was not kept. Copy it again when nothing writes to it.'
  );
}
