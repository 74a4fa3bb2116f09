// A horizontal scroll bar over a table that scrolls sideways (the Space table and the inspector's
// extents in a narrow editor column). The box's own bar is at its bottom, under a tall list of
// rows and often below the editor's edge: a trial saw "Path | Excl. | Shared | Alloc" with
// Allocated cut and Size and Shares-with off to the right, and nothing said they were there. This
// bar sits on the table's top edge, shows only while the columns do not fit, and moves the box
// (header and rows together, as the box's own scroll does); the box moves it back. It is drawn
// here, not the browser's: an overlay scroll bar (macOS, and Chromium's headless tests) is not
// seen until one scrolls, which is the trouble it is here to fix.

const linked = new WeakMap<HTMLElement, () => void>();

/**
 * Link `bar` (an element of its own, as wide as the table) to `box`, the element that scrolls
 * sideways (once per bar: a table built again over the same box gets the same link). Returns
 * `update`, to call when the columns' width may have changed (rows drawn); a resize of the box
 * and a scroll of it update it by themselves.
 */
export function linkSideBar(bar: HTMLElement, box: HTMLElement): () => void {
  const known = linked.get(bar);
  if (known) return known;
  bar.classList.add('side-bar');
  // a mouse affordance: the keyboard scrolls the table itself (Left/Right), and a screen reader reads every column
  bar.setAttribute('aria-hidden', 'true');
  const thumb = document.createElement('div');
  thumb.className = 'side-bar-thumb';
  bar.replaceChildren(thumb);
  /** Pixels of the bar per pixel of the box's scroll, and the thumb's width. */
  let scale = 1;
  const update = (): void => {
    const room = box.scrollWidth - box.clientWidth;
    bar.hidden = room <= 1;
    if (bar.hidden) return;
    const w = bar.clientWidth;
    const tw = Math.max(24, Math.round((w * box.clientWidth) / box.scrollWidth));
    scale = (w - tw) / room;
    thumb.style.width = `${tw}px`;
    thumb.style.transform = `translateX(${Math.round(box.scrollLeft * scale)}px)`;
  };
  box.addEventListener('scroll', update, { passive: true });
  new ResizeObserver(update).observe(box);
  // drag the thumb; press the track beside it to move by most of a screen that way
  let drag: { x: number; left: number } | undefined;
  bar.addEventListener('pointerdown', (e) => {
    e.preventDefault();
    if (e.target === thumb) {
      drag = { x: e.clientX, left: box.scrollLeft };
      bar.setPointerCapture(e.pointerId);
      bar.classList.add('dragging');
    } else {
      const at = thumb.getBoundingClientRect();
      box.scrollLeft += (e.clientX < at.left ? -1 : 1) * box.clientWidth * 0.9;
    }
  });
  bar.addEventListener('pointermove', (e) => {
    if (drag && scale > 0) box.scrollLeft = drag.left + (e.clientX - drag.x) / scale;
  });
  const end = (): void => {
    drag = undefined;
    bar.classList.remove('dragging');
  };
  bar.addEventListener('pointerup', end);
  bar.addEventListener('pointercancel', end);
  // the wheel over it scrolls sideways, as over a scroll bar
  bar.addEventListener(
    'wheel',
    (e) => {
      e.preventDefault();
      box.scrollLeft += e.deltaX || e.deltaY;
    },
    { passive: false },
  );
  linked.set(bar, update);
  update();
  return update;
}
