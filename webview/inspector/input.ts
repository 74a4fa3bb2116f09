// The inspector map's input: the pointer (hover, click to select, double-click to zoom to what
// is there, drag to pan), the wheel (zoom around the cursor; shift or sideways: pan), the keys
// (+/- zoom, arrows pan, Home/End, 0 whole file, N/P next/previous extent, Enter/Space select,
// Z zoom to the selection, Esc clears) and the overview strip (click or drag to centre the view there). The view state
// stays in main.ts: these handlers act through `MapActions`.
import type { Hit, MapCanvas } from '../shared/map-canvas';
import { maxBig, type ViewWindow } from '../shared/bigview';

interface MapActions {
  view(): ViewWindow;
  span(): bigint;
  setView(v: ViewWindow): void;
  zoom(factor: number, anchorX?: number): void;
  pan(bytes: bigint): void;
  /** What is under device pixel x of the map, as drawn (MapCanvas.hitAt). */
  hitAt(x: number): Hit | undefined;
  select(h: Hit): void;
  /** N / P: the next or previous extent. */
  step(dir: 1 | -1): void;
  clearSelection(): void;
  /** The pointer rests at device pixel x of the map (undefined: it left). */
  pointerAt(x: number | undefined): void;
  /** Where the pointer rests, if on the map. */
  pointerX(): number | undefined;
  /** Zoom by `factor` centred on the selection; false when nothing is selected. */
  zoomOnSelection(factor: number): boolean;
  /** Z: the selection fills the map (as a double-click does): a 4 KiB extent of an 8 PiB image is one key away, not 40 presses of +. */
  zoomToSelection(): void;
  /** Keyboard zoom and pan move the map under a resting pointer: hide the tooltip until it moves. */
  hideTooltip(): void;
}

export function bindMapInput(mapCanvas: HTMLCanvasElement, main: MapCanvas, a: MapActions): void {
  let drag: { x: number; offset: bigint; moved: boolean } | undefined;
  // +/- zoom around what the person last pointed at: the extent chosen from the keyboard (N/P,
  // Enter), or the pointer once it moves again
  let keyChosen = false;
  const keyZoom = (factor: number): void => {
    if (!(keyChosen && a.zoomOnSelection(factor))) a.zoom(factor, a.pointerX());
  };
  mapCanvas.addEventListener('pointerdown', (e) => {
    mapCanvas.setPointerCapture(e.pointerId);
    drag = { x: main.eventX(e), offset: a.view().offset, moved: false };
  });
  mapCanvas.addEventListener('pointermove', (e) => {
    const x = main.eventX(e);
    if (drag) {
      const dx = x - drag.x;
      if (Math.abs(dx) > 3) drag.moved = true;
      if (drag.moved) {
        const len = a.view().length;
        const dBytes = (BigInt(Math.round(dx * 1024)) * len) / (BigInt(main.width) * 1024n);
        a.setView({ offset: drag.offset - dBytes, length: len });
      }
    }
    a.pointerAt(x);
    keyChosen = false;
  });
  mapCanvas.addEventListener('pointerup', (e) => {
    const wasDrag = drag?.moved;
    drag = undefined;
    if (wasDrag) return;
    const h = a.hitAt(main.eventX(e));
    if (h) a.select(h);
  });
  mapCanvas.addEventListener('pointerleave', () => a.pointerAt(undefined));
  mapCanvas.addEventListener('dblclick', (e) => {
    const h = a.hitAt(main.eventX(e));
    if (h) a.setView({ offset: h.offset, length: h.length });
  });
  mapCanvas.addEventListener(
    'wheel',
    (e) => {
      e.preventDefault();
      if (e.shiftKey || Math.abs(e.deltaX) > Math.abs(e.deltaY)) {
        const d = e.deltaX || e.deltaY;
        a.pan((BigInt(Math.round(d)) * a.view().length) / BigInt(Math.max(1, main.width)));
        return;
      }
      a.zoom(Math.pow(1.0015, e.deltaY), main.eventX(e));
    },
    { passive: false },
  );

  mapCanvas.addEventListener('keydown', (e) => {
    if (['+', '=', '-', '_', 'ArrowLeft', 'ArrowRight', 'Home', 'End', '0', 'z', 'Z'].includes(e.key)) a.hideTooltip();
    const view = a.view();
    const step = e.shiftKey ? view.length / 2n : view.length / 10n;
    switch (e.key) {
      case '+':
      case '=':
        keyZoom(0.5);
        break;
      case '-':
      case '_':
        keyZoom(2);
        break;
      case 'ArrowLeft':
        a.pan(-maxBig(1n, step));
        break;
      case 'ArrowRight':
        a.pan(maxBig(1n, step));
        break;
      case 'Home':
        a.setView({ offset: 0n, length: view.length });
        break;
      case 'End':
        a.setView({ offset: a.span() - view.length, length: view.length });
        break;
      case '0':
        a.setView({ offset: 0n, length: a.span() });
        break;
      case 'n':
      case 'N':
        a.step(1);
        keyChosen = true;
        break;
      case 'p':
      case 'P':
        a.step(-1);
        keyChosen = true;
        break;
      case 'Enter':
      case ' ': {
        const h = a.hitAt(a.pointerX() ?? main.width / 2);
        if (h) a.select(h);
        keyChosen = true;
        break;
      }
      case 'z':
      case 'Z':
        a.zoomToSelection();
        keyChosen = true;
        break;
      case 'Escape':
        a.clearSelection();
        break;
      default:
        return;
    }
    e.preventDefault();
  });
}

/** The overview strip: click or drag to centre the view there. */
export function bindStripInput(overviewCanvas: HTMLCanvasElement, strip: MapCanvas, a: MapActions): void {
  let stripDrag = false;
  const stripGo = (e: PointerEvent): void => {
    const at = strip.offsetAt({ offset: 0n, length: a.span() }, strip.eventX(e));
    const len = a.view().length;
    a.setView({ offset: at - len / 2n, length: len });
  };
  overviewCanvas.addEventListener('pointerdown', (e) => {
    stripDrag = true;
    overviewCanvas.setPointerCapture(e.pointerId);
    stripGo(e);
  });
  overviewCanvas.addEventListener('pointermove', (e) => {
    if (stripDrag) stripGo(e);
  });
  overviewCanvas.addEventListener('pointerup', () => {
    stripDrag = false;
  });
}
