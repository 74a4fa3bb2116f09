// Pixel <-> byte offset conversions done in bigint: the view window is [offset, offset+length)
// with bigint ends, so a pixel maps to an exact byte even at 2^63. Pixels are device pixels.

export interface ViewWindow {
  offset: bigint;
  length: bigint;
}

const SCALE = 1n << 20n; // sub-pixel precision for fractional pixel positions

/** The byte under device pixel x (x may be fractional): offset + floor(x * length / width). */
export function offsetAtPixel(view: ViewWindow, widthPx: number, x: number): bigint {
  if (widthPx <= 0) return view.offset;
  const xs = BigInt(Math.round(Math.max(0, Math.min(x, widthPx)) * Number(SCALE)));
  const rel = (xs * view.length) / (BigInt(widthPx) * SCALE);
  const off = view.offset + rel;
  const last = view.offset + view.length - 1n;
  return off > last && view.length > 0n ? last : off;
}

/** Device-pixel x of a byte offset (may be outside [0, width]; clamp to +-1e9 for canvas). */
export function pixelOfOffset(view: ViewWindow, widthPx: number, offset: bigint): number {
  if (view.length <= 0n) return 0;
  const rel = offset - view.offset;
  // x = rel * width / length, computed with 2^20 sub-pixel steps in bigint, then to number
  const q = (rel * BigInt(widthPx) * SCALE) / view.length;
  const lim = 1_000_000_000n * SCALE;
  const c = q > lim ? lim : q < -lim ? -lim : q;
  return Number(c) / Number(SCALE);
}

export const minBig = (a: bigint, b: bigint): bigint => (a < b ? a : b);
export const maxBig = (a: bigint, b: bigint): bigint => (a > b ? a : b);

/** Clamp a view to [0, span) with a minimum length. */
export function clampView(v: ViewWindow, span: bigint, minLength: bigint): ViewWindow {
  let length = v.length < minLength ? minLength : v.length;
  if (length > span) length = span;
  let offset = v.offset < 0n ? 0n : v.offset;
  if (offset + length > span) offset = span - length;
  if (offset < 0n) offset = 0n;
  return { offset, length };
}

/** Multiply a bigint length by a float factor (zoom), exactly enough for a view. */
export function scaleBig(v: bigint, factor: number): bigint {
  const f = BigInt(Math.round(factor * 1_000_000));
  return (v * f) / 1_000_000n;
}
