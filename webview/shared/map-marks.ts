// How a map's per-column coverage becomes marks on the canvas, so that data is never invisible:
// the second half of the one rendering rule (MapCanvas.columns computes the coverage).
//
// Each device-pixel column is filled from the bottom to the fraction of its bytes that is
// allocated. On its own that hides small data in a big file: a 4 KiB extent in a 2^62-byte
// file covers ~1e-12 of one column, a 4 MiB extent in 10 GiB is a one-pixel sliver. So:
//   1. A run of columns with data narrower than MIN_RUN_CSS is widened to it, centred, into the
//      holes beside it (never over other data), and its bytes are spread over the wider run:
//      the same area, drawn where it can be seen. The run stays where its bytes are (it grows
//      by at most a CSS pixel each side); hit testing names its exact extents (`runStart`).
//   2. A run narrower than SMALL_RUN_CSS so faint that even its fullest column holds less than
//      one CSS pixel's worth of the map's height (where the fill alone would draw a dot) is drawn
//      as the minimum mark (markHeight: 3 CSS px, or 1/16 of the map), over a faint band of its
//      colour the height of the map: a lone small extent is a tick that catches the eye, never
//      a dot. (The band is translucent: it is not counted as fill.)
//   3. Any other column with data is at least one CSS pixel tall, never a full bar.
// Wide runs keep their exact fill, so a file that is 6% allocated still looks 6% allocated.
import { EXTENT_CLASSES } from '../../src/protocol/messages';

const NCLASS = EXTENT_CLASSES.length;

/** Narrowest run of data drawn, in CSS pixels. */
export const MIN_RUN_CSS = 2;
/** Runs narrower than this (CSS pixels) and fainter than one CSS pixel get the minimum mark. */
const SMALL_RUN_CSS = 8;

/** The minimum mark's height in device pixels for a map `height` device pixels tall. */
function markHeight(height: number, dpr: number): number {
  const css = Math.max(3, Math.round(height / dpr / 16));
  return Math.max(1, Math.min(height, Math.round(css * dpr)));
}

export interface ColumnMarks {
  /** Per column and class (cov[x * NCLASS + c]): the coverage drawn, after widening narrow runs. */
  cov: Float64Array;
  /** Per column: the refcount shade drawn. */
  shade: Float64Array;
  /** Per column: the filled height in device pixels (0: a hole). */
  height: Int32Array;
  /**
   * Per column of a widened or raised run: the columns holding its data, [runStart, runEnd);
   * -1 elsewhere. What is under such a column is the data of those columns, not the hole.
   */
  runStart: Int32Array;
  runEnd: Int32Array;
  /** Per column: 1 where a small run was raised to the minimum mark (drawn with a faint band over the map's height). */
  raised: Uint8Array;
}

/**
 * The marks for columns of coverage `cov` (W columns) in a map H device pixels tall; `edge`
 * columns at either side lie under a frame (the overview strip's viewport outline).
 */
export function layoutMarks(cov: Float64Array, shade: Float64Array, W: number, H: number, dpr: number, edge = 0): ColumnMarks {
  const out: ColumnMarks = {
    cov: new Float64Array(cov),
    shade: new Float64Array(shade),
    height: new Int32Array(W),
    runStart: new Int32Array(W).fill(-1),
    runEnd: new Int32Array(W).fill(-1),
    raised: new Uint8Array(W),
  };
  const total = (a: Float64Array, x: number): number => {
    let t = 0;
    for (let c = 0; c < NCLASS; c++) t += a[x * NCLASS + c];
    return t;
  };
  const fill = (t: number): number => Math.round(Math.min(1, t) * H);
  const minRun = Math.max(1, Math.round(MIN_RUN_CSS * dpr));
  const smallRun = Math.round(SMALL_RUN_CSS * dpr);
  const oneCss = Math.max(1, Math.min(H, Math.round(dpr)));
  const mark = markHeight(H, dpr);
  let free = 0; // columns before this one belong to a mark already drawn
  let x = 0;
  while (x < W) {
    if (total(cov, x) <= 0) {
      x++;
      continue;
    }
    let e = x + 1;
    while (e < W && total(cov, e) > 0) e++;
    // [x, e) is a run of columns with data; [a, b) is where it is drawn
    let a = x;
    let b = e;
    // columns under the frame at either side (the overview strip's outline) do not count as seen
    const seen = (p: number, q: number): number => Math.max(0, Math.min(q, W - edge) - Math.max(p, edge));
    if (seen(x, e) < minRun) {
      // grow into the holes beside it, one column at a time, right then left (centred), away
      // from a frame, never over other data or a mark already drawn
      let right = true;
      while (seen(a, b) < minRun) {
        const canL = a - 1 >= free && total(cov, a - 1) <= 0;
        const canR = b < W && total(cov, b) <= 0;
        if (!canL && !canR) break;
        let goR: boolean;
        if (!canL || !canR) goR = canR;
        else if (a - 1 < edge)
          goR = true; // to the left only the frame: grow right
        else if (b >= W - edge) goR = false;
        else goR = right;
        if (goR) b++;
        else a--;
        right = !right;
      }
      // the run's bytes spread over [a, b): the same area, wide enough to see
      let sh = 0;
      for (let k = x; k < e; k++) sh = Math.max(sh, shade[k]);
      for (let c = 0; c < NCLASS; c++) {
        let s = 0;
        for (let k = x; k < e; k++) s += cov[k * NCLASS + c];
        for (let k = a; k < b; k++) out.cov[k * NCLASS + c] = s / (b - a);
      }
      for (let k = a; k < b; k++) out.shade[k] = sh;
    }
    // faint: even its fullest column holds under one CSS pixel's worth of the map's height
    let fullest = 0;
    for (let k = x; k < e; k++) fullest = Math.max(fullest, Math.min(1, total(cov, k)) * H);
    const raised = b - a < smallRun && fullest < oneCss;
    for (let k = a; k < b; k++) {
      out.height[k] = raised ? mark : Math.min(H, Math.max(oneCss, fill(total(out.cov, k))));
      if (raised) out.raised[k] = 1;
      if (raised || a !== x || b !== e) {
        out.runStart[k] = x;
        out.runEnd[k] = e;
      }
    }
    free = b;
    x = b;
  }
  return out;
}
