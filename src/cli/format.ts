// Human-readable formatting: exact byte counts with a rounded unit beside them, and aligned
// tables. Everything is computed on bigint so that a size above 2^53 prints exactly.

import { humanBytes } from '../protocol/format';

/** "1536 bytes" -> "1.5 KiB"; below 1 KiB the word: "512 bytes", "1 byte". One decimal, rounded half up. */
export function humanUnit(bytes: bigint): string {
  if (bytes >= 0n && bytes < 1024n) return `${bytes} ${bytes === 1n ? 'byte' : 'bytes'}`;
  return humanBytes(bytes);
}

/** "1073741824 (1 GiB)": the exact value people can paste back, and a unit they can read. */
export function exactAndHuman(bytes: bigint): string {
  return bytes > -1024n && bytes < 1024n ? humanUnit(bytes) : `${bytes} (${humanUnit(bytes)})`;
}

export function formatMs(ms: number): string {
  if (ms < 1) return `${ms.toFixed(3)} ms`;
  if (ms < 1000) return `${ms.toFixed(1)} ms`;
  return `${(ms / 1000).toFixed(2)} s`;
}

interface Column {
  header: string;
  align: 'left' | 'right';
}

/**
 * Render rows as an aligned text table (header + rows), one string ending in a newline.
 * Built as an array joined once: tables can have a million rows.
 */
export function renderTable(columns: Column[], rows: string[][]): string {
  const widths = columns.map((c) => c.header.length);
  for (const row of rows) {
    for (let i = 0; i < row.length; i++) if (row[i].length > widths[i]) widths[i] = row[i].length;
  }
  const line = (cells: string[]): string => {
    let s = '';
    for (let i = 0; i < columns.length; i++) {
      const cell = cells[i] ?? '';
      const last = i === columns.length - 1;
      const padded = columns[i].align === 'right' ? cell.padStart(widths[i]) : last ? cell : cell.padEnd(widths[i]);
      s += i === 0 ? padded : '  ' + padded;
    }
    return s.trimEnd();
  };
  const out: string[] = new Array(rows.length + 1);
  out[0] = line(columns.map((c) => c.header));
  for (let r = 0; r < rows.length; r++) out[r + 1] = line(rows[r]);
  return out.join('\n') + '\n';
}

/**
 * Text for a terminal with its control characters made visible: C0 (\n as `\n`, \t as `\t`,
 * \r as `\r`, the rest as `\xNN`), DEL, C1, and the Unicode line separators and bidi
 * overrides (`\uNNNN`), so a file name cannot move the cursor, clear the screen, start a new
 * line that looks like output, or reorder what follows it. JSON output escapes them already.
 * A byte of a name that is not UTF-8 (carried as U+DC80..U+DCFF, src/engine/os-path.ts) is shown
 * as `\xNN`, the byte; any other lone surrogate as `\uNNNN` (UTF-8 output would make it U+FFFD).
 */
export function escapeControls(s: string, platform: string = process.platform): string {
  // A backslash is escaped too (`\\`, as ls -b), so a name holding "\n" as two characters reads
  // apart from one holding a newline; not on Windows, where it is the path separator and a name
  // can hold no control character to be confused with.
  return s.replace(platform === 'win32' ? CONTROLS : CONTROLS_AND_BACKSLASH, (c) => {
    if (c === '\\') return '\\\\';
    if (c === '\n') return '\\n';
    if (c === '\t') return '\\t';
    if (c === '\r') return '\\r';
    const n = c.charCodeAt(0);
    if (n >= 0xdc80 && n <= 0xdcff) return '\\x' + (n - 0xdc00).toString(16);
    return n <= 0xff ? '\\x' + n.toString(16).padStart(2, '0') : '\\u' + n.toString(16).padStart(4, '0');
  });
}

const CONTROLS =
  /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const CONTROLS_AND_BACKSLASH = new RegExp(`\\\\|${CONTROLS.source}`, 'g');

/**
 * "note: " + `text` as one line when stdout is not a terminal (scripts read one note per line);
 * on a terminal wrapped at spaces to its width, later lines indented under the text (as `ls` and
 * `git` size their output to the terminal). A word longer than a line (a path) is never cut.
 */
export function noteLine(text: string, width = process.stdout.isTTY ? (process.stdout.columns ?? 0) : 0): string {
  const first = `note: ${text}`;
  const indent = '      ';
  if (width < 40 || first.length <= width) return first;
  const lines: string[] = [];
  let line = '';
  for (const word of first.split(' ')) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = indent + word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  lines.push(line);
  return lines.join('\n');
}
