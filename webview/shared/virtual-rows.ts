// The window arithmetic of the views' virtualised lists (the Space table, the Dedupe groups):
// fixed-height rows in a scroller, only the visible ones (plus a margin) in the DOM.

/** The rows [first, last) to draw: those visible in `scroller`, `margin` more on each side. */
export function visibleRows(scroller: HTMLElement, rowHeight: number, margin: number, count: number): [number, number] {
  const h = scroller.clientHeight || 300;
  const first = Math.max(0, Math.floor(scroller.scrollTop / rowHeight) - margin);
  const last = Math.min(count, Math.ceil((scroller.scrollTop + h) / rowHeight) + margin);
  return [first, last];
}

/** Scroll row `pos` to the middle of `scroller` unless it is wholly visible already. */
export function scrollRowIntoView(scroller: HTMLElement, rowHeight: number, pos: number): void {
  const top = pos * rowHeight;
  if (top < scroller.scrollTop || top + rowHeight > scroller.scrollTop + scroller.clientHeight)
    scroller.scrollTop = Math.max(0, top - scroller.clientHeight / 2);
}
