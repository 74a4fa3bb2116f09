// A progress line on stderr while a long command runs (space of a big tree, dedupe, a copy,
// dig-holes, the map of a huge file), as `dd status=progress` and `rsync --info=progress2` do.
//
// Only when stderr is a terminal: a pipe, a file or a CI log gets nothing, so scripts and
// --json see exactly the bytes they saw before. Only once the command has run for a second, so
// a quick command never flashes one (EXTENT_LENS_PROGRESS_AFTER_MS sets that wait). Redrawn in
// place with \r at most five times a second, and always when the work is all done (done =
// total: a copy's "writing the copy to the disk" came within 200 ms of its last bytes and was
// never drawn, so the line sat at "100% copied" through that wait), cut to the terminal's width (a line that wraps
// cannot be redrawn in place), and erased before anything else is written and when the command
// ends (output.ts), so the terminal ends with the command's output alone.

import type { Progress } from '../engine';
import { humanUnit } from './format';
import { clearStatus, showStatus } from './output';

/** The words for one update, after "extent-lens COMMAND: ". */
export type DescribeProgress = (p: Progress) => string;

const DEFAULT_AFTER_MS = 1000;
const REDRAW_MS = 200;

/**
 * The engine's onProgress for `command`, drawing `describe`'s words on stderr, or undefined when
 * stderr is not a terminal (then the engine need not report progress at all).
 */
export function progressOnStderr(command: string, describe: DescribeProgress): ((p: Progress) => void) | undefined {
  if (!process.stderr.isTTY) return undefined;
  const after = waitBeforeFirst();
  const start = performance.now();
  let last = -Infinity;
  return (p) => {
    const now = performance.now();
    // (the last step of a phase is drawn whatever the time: what follows may be a long wait)
    const complete = p.total > 0n && p.done >= p.total;
    if (now - start < after || (now - last < REDRAW_MS && !complete)) return;
    last = now;
    showStatus(fitLine(`extent-lens ${command}: ${describe(p)}`, (process.stderr.columns || 80) - 1));
  };
}

/** Erase the line (the command has ended: its output follows, or nothing). */
export const endProgress = clearStatus;

function waitBeforeFirst(): number {
  const v = Number(process.env.EXTENT_LENS_PROGRESS_AFTER_MS);
  return Number.isFinite(v) && v >= 0 ? v : DEFAULT_AFTER_MS;
}

/**
 * `line` in at most `width` columns: control characters and anything outside ASCII (a path's
 * name, whose width on screen is not its length) shown as '?', the end cut with "...".
 */
export function fitLine(line: string, width: number): string {
  const ascii = line.replace(/[^\x20-\x7e]/g, '?');
  if (ascii.length <= width) return ascii;
  return width <= 3 ? ascii.slice(0, Math.max(0, width)) : `${ascii.slice(0, width - 3)}...`;
}

/** "1.2 GiB of 10 GiB (12%)": done of total and the whole percent (down), for copies and reads. */
export function amountOf(done: bigint, total: bigint): string {
  if (total <= 0n) return humanUnit(done);
  const d = done > total ? total : done;
  return `${humanUnit(d)} of ${humanUnit(total)} (${(d * 100n) / total}%)`;
}
