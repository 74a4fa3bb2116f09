// Which class (colour) an extent is drawn in: the project's one flag -> class table. The
// webview colours exact extents with it, and the host's map model (src/views/map-columns.ts)
// derives its per-flag-word classes from it, so both sides agree.
//
// Keyed by flag NAMES (the engine's ExtentFlag vocabulary, which is also what crosses the wire),
// not by bits: the protocol imports neither the engine nor Node (the webview imports it), and
// only the engine (src/engine/map-format.ts) knows the bit values; the host-side model maps
// bits to names there and classes here.

import { EXTENT_CLASSES, type ExtentClass } from './messages';

/**
 * The most specific class wins, in this order: inline data lives in the metadata, not in blocks
 * of its own, delalloc has no blocks yet, shared blocks are what cloning produced (a reference
 * count above 1 counts as shared), encoded (compressed, encrypted) blocks hold data in another
 * form, and unwritten blocks are allocated but read as zeros. An extent with none of these
 * flags is plain 'data'. Shared goes before encoded: on btrfs with compression every extent
 * is encoded, and a clone drawn "Encoded" hid what it shares (a trial); the tooltip and the
 * table still give every flag.
 */
const CLASS_RULES: ReadonlyArray<{ readonly cls: ExtentClass; readonly flags: readonly string[] }> = [
  { cls: 'inline', flags: ['inline', 'tail'] },
  { cls: 'delalloc', flags: ['delalloc'] },
  { cls: 'shared', flags: ['shared'] },
  { cls: 'encoded', flags: ['encoded', 'encrypted'] },
  { cls: 'unwritten', flags: ['unwritten'] },
];

export function classOf(flags: readonly string[], refcount?: number): ExtentClass {
  const sharedByCount = refcount !== undefined && refcount > 1;
  for (const rule of CLASS_RULES) {
    if ((sharedByCount && rule.cls === 'shared') || rule.flags.some((f) => flags.includes(f))) return rule.cls;
  }
  return 'data';
}

export const classIndex = (c: ExtentClass): number => EXTENT_CLASSES.indexOf(c);
