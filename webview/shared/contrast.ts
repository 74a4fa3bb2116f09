// Colour contrast as WCAG 2 measures it (relative luminance, ratio 1…21), for marks that must
// show on whatever colour lies under them in any theme: the treemap's selection frame picks, per
// band it lines, the theme colour (background or foreground) that stands out more from it.

export type Rgb = readonly [number, number, number];

/** WCAG 2 relative luminance of an sRGB colour (0…255 per channel). */
function luminance([r, g, b]: Rgb): number {
  const lin = (v: number): number => {
    const s = v / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}

/** WCAG 2 contrast ratio of two colours (1: the same luminance, 21: black on white). */
export function contrastRatio(a: Rgb, b: Rgb): number {
  const la = luminance(a);
  const lb = luminance(b);
  return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
}

/** Of `candidates`, the one of most contrast with `under` (the first on a tie). */
export function mostContrasting<T extends { rgb: Rgb }>(under: Rgb, candidates: readonly T[]): T {
  return candidates.reduce((best, c) => (contrastRatio(c.rgb, under) > contrastRatio(best.rgb, under) ? c : best));
}

/**
 * A CSS colour as the canvas resolves it (theme variables hold any CSS colour syntax: hex,
 * rgb(from …)), drawn onto a 1×1 scratch canvas and read back.
 */
export function resolveRgb(colour: string): Rgb {
  const c = document.createElement('canvas');
  c.width = c.height = 1;
  const ctx = c.getContext('2d', { willReadFrequently: true })!;
  ctx.fillStyle = colour;
  ctx.fillRect(0, 0, 1, 1);
  const d = ctx.getImageData(0, 0, 1, 1).data;
  return [d[0], d[1], d[2]];
}
