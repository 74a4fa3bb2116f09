// Where each row of the Dedupe view's list lies: most rows are ROW_H high; a warning is shown in
// full, wrapped, so its row is as high as its text needs at the list's width (measured in the
// list itself, with the page's own styles, once per text and width). The positions are running
// sums, so the rows in view are found by a binary search.

export const ROW_H = 22;

export class RowLayout {
  /** tops[i]: where row i starts; tops[n]: the height of all of them. */
  private tops = new Float64Array(1);

  set(heights: readonly number[]): void {
    const tops = new Float64Array(heights.length + 1);
    for (let i = 0; i < heights.length; i++) tops[i + 1] = tops[i] + heights[i];
    this.tops = tops;
  }
  get count(): number {
    return this.tops.length - 1;
  }
  get total(): number {
    return this.tops[this.tops.length - 1];
  }
  top(i: number): number {
    return this.tops[i];
  }
  height(i: number): number {
    return this.tops[i + 1] - this.tops[i];
  }
  /** The row at height y (the last one below it; 0 for y <= 0). */
  at(y: number): number {
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.tops[mid + 1] <= y) lo = mid + 1;
      else hi = mid;
    }
    return Math.min(lo, Math.max(0, this.count - 1));
  }
  /** The rows [first, last) in the scroller's view, `margin` more on each side. */
  visible(scroller: HTMLElement, margin: number): [number, number] {
    const h = scroller.clientHeight || 300;
    if (this.count === 0) return [0, 0];
    const first = Math.max(0, this.at(scroller.scrollTop) - margin);
    const last = Math.min(this.count, this.at(scroller.scrollTop + h) + 1 + margin);
    return [first, last];
  }
  /** Scroll row `i` to the middle of `scroller` unless it is wholly visible already. */
  scrollIntoView(scroller: HTMLElement, i: number): void {
    const top = this.top(i);
    if (top < scroller.scrollTop || top + this.height(i) > scroller.scrollTop + scroller.clientHeight)
      scroller.scrollTop = Math.max(0, top - scroller.clientHeight / 2);
  }
}

/**
 * The heights of warning rows whose text is shown in full: `make(text)` builds the row as the
 * list draws it; it is measured hidden inside `scroller` (same width, same styles), once per
 * text until the width changes.
 */
export class WarningHeights {
  private readonly cache = new Map<string, number>();
  private width = -1;

  constructor(
    private readonly scroller: HTMLElement,
    private readonly make: (text: string) => HTMLElement,
  ) {}

  /** The heights of `texts` (at least ROW_H each), measured in one pass for those not known at this width. */
  heights(texts: readonly string[]): number[] {
    const width = this.scroller.clientWidth;
    if (width !== this.width) {
      this.cache.clear();
      this.width = width;
    }
    const todo = [...new Set(texts.filter((t) => !this.cache.has(t)))];
    if (todo.length > 0) {
      const box = document.createElement('div');
      box.className = 'measure';
      box.setAttribute('aria-hidden', 'true');
      const rows = todo.map((t) => {
        const tr = this.make(t);
        tr.style.position = 'relative';
        box.appendChild(tr);
        return tr;
      });
      this.scroller.appendChild(box);
      // one layout for all of them: set every row first, then read every height
      rows.forEach((tr, i) => this.cache.set(todo[i], Math.max(ROW_H, Math.ceil(tr.getBoundingClientRect().height))));
      box.remove();
    }
    return texts.map((t) => this.cache.get(t)!);
  }

  /** Measure every text again (a font arrived: the same text may take more lines). */
  forget(): void {
    this.cache.clear();
  }

  /** The width they were measured at differs from the list's now. */
  stale(): boolean {
    return this.scroller.clientWidth !== this.width;
  }
}
