// The text alternative of a clone result's map (a canvas): what a screen reader hears for it.
// The map shows in colour whether the file's extents are shared (what cloning made of them), so
// the words say it too: a map read as "Source after: 1 extent over 8 MiB" sounded the same before
// and after the clone, the change drawn only as blue turning purple.

import { EXTENT_CLASSES, type WireWindow } from '../../src/protocol/messages';
import { classOf } from '../../src/protocol/extent-class';
import { groupDigits, humanBytes } from '../../src/protocol/format';
import { l10n } from '../shared/l10n';

/** Bytes of the window in shared extents: exact from extents, estimated from bins (about: true). */
function sharedInWindow(w: WireWindow): { bytes: bigint; about: boolean } | undefined {
  const start = BigInt(w.offset);
  const end = start + BigInt(w.length);
  if (w.extents) {
    let bytes = 0n;
    for (const e of w.extents) {
      if (classOf(e.flags, e.refcount) !== 'shared') continue; // (as the map draws it, and as the bins count it)
      const a = BigInt(e.offset) > start ? BigInt(e.offset) : start;
      const eEnd = BigInt(e.offset) + BigInt(e.length);
      const b = eEnd < end ? eEnd : end;
      if (b > a) bytes += b - a;
    }
    return { bytes, about: false };
  }
  if (w.bins && w.binCount) {
    const c = EXTENT_CLASSES.indexOf('shared');
    let fraction = 0;
    for (let i = 0; i < w.binCount; i++) fraction += w.bins[i * EXTENT_CLASSES.length + c] ?? 0;
    const bytes = BigInt(Math.round((fraction / w.binCount) * Number(BigInt(w.length))));
    // coverage fractions in floating point: all or nothing is exact, anything between about right
    return { bytes, about: bytes !== 0n && bytes !== BigInt(w.length) };
  }
  return undefined;
}

/** "Source after: 1 extent over 8 MiB, 8 MiB of it shared" (without sharing facts: no shared part). */
export function mapLabel(label: string, w: WireWindow, sharingUnknown: boolean): string {
  const over =
    w.extentCount === 1
      ? l10n.t('{0}: 1 extent over {1}', label, humanBytes(BigInt(w.length)))
      : l10n.t('{0}: {1} extents over {2}', label, groupDigits(BigInt(w.extentCount)), humanBytes(BigInt(w.length)));
  const shared = sharingUnknown ? undefined : sharedInWindow(w);
  if (!shared) return over;
  if (shared.bytes === 0n) return l10n.t('{0}, none of it shared', over);
  return shared.about
    ? l10n.t('{0}, about {1} of it shared', over, humanBytes(shared.bytes))
    : l10n.t('{0}, {1} of it shared', over, humanBytes(shared.bytes));
}
