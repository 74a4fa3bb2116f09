// Which class (colour) an extent is drawn in. Shared by the host's map model (bins are per
// class) and the webview (exact extents are coloured per class), so both sides agree.

import { EXTENT_CLASSES, type ExtentClass } from './messages';

/**
 * The most specific class wins: inline and encoded data cannot be cloned or punched like
 * ordinary blocks, delalloc has no blocks yet, shared blocks are what cloning produced, and
 * unwritten blocks are allocated but read as zeros. Anything else is plain data.
 */
export function classOf(flags: readonly string[], refcount?: number): ExtentClass {
  if (flags.includes('inline') || flags.includes('tail')) return 'inline';
  if (flags.includes('encoded') || flags.includes('encrypted')) return 'encoded';
  if (flags.includes('delalloc')) return 'delalloc';
  if (flags.includes('shared') || (refcount !== undefined && refcount > 1)) return 'shared';
  if (flags.includes('unwritten')) return 'unwritten';
  return 'data';
}

export const classIndex = (c: ExtentClass): number => EXTENT_CLASSES.indexOf(c);
