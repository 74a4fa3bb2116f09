// The Space view's status words: the progress line while an analysis or an Exact scan runs, the
// count of files the table shows ("3 of 5 files", "No file matches (of 5)"), and an analysis
// that could account for nothing.
import type { HostMessage, SpaceData } from '../../src/protocol/messages';
import { groupDigits, humanBytes } from '../../src/protocol/format';
import { l10n } from '../shared/l10n';
import { exactBytes } from '../shared/bytes';

/**
 * The progress line: what the engine has mapped. Rows stream in beside it and the progress
 * messages come at their own pace, so either can be ahead (a trial read 16,064 here and 12,001
 * in the totals, then 17,920 here and 18,703 there); with `shown`, the rows the view has, it never
 * says fewer files mapped than are shown (not for an Exact scan, which counts other files).
 */
export function progressLine(
  m: Extract<HostMessage, { type: 'spaceProgress' }>,
  shown?: { files: number; allocated: bigint },
): { text: string; title: string } {
  let files = m.files;
  let bytes = BigInt(m.bytes);
  if (shown && !m.exactScan) {
    if (shown.files > files) files = shown.files;
    if (shown.allocated > bytes) bytes = shown.allocated;
  }
  const n = groupDigits(BigInt(files));
  const b = humanBytes(bytes);
  const one = files === 1;
  // the title: the bytes exactly, then what the engine is at (its message)
  return { text: lineText(m.exactScan, one, n, b), title: [exactBytes(bytes), ...(m.message ? [m.message] : [])].join('\n') };
}

function lineText(exactScan: boolean, one: boolean, n: string, b: string): string {
  return exactScan
    ? one
      ? l10n.t('Exact scan: {0} file, {1} mapped', n, b)
      : l10n.t('Exact scan: {0} files, {1} mapped', n, b)
    : one
      ? l10n.t('Analyzing: {0} file mapped, {1} allocated', n, b)
      : l10n.t('Analyzing: {0} files mapped, {1} allocated', n, b);
}

/** `matching` of `total` files shown (`narrowed`: a filter or a zoom leaves some out). */
export function filterCountText(matching: number, total: number, narrowed: boolean): string {
  const of = groupDigits(BigInt(total));
  if (!narrowed) return total === 1 ? l10n.t('1 file') : l10n.t('{0} files', of);
  if (matching === 0 && total > 0) return l10n.t('No file matches (of {0})', of);
  return total === 1
    ? l10n.t('{0} of 1 file', groupDigits(BigInt(matching)))
    : l10n.t('{0} of {1} files', groupDigits(BigInt(matching)), of);
}

/**
 * An analysis in which every path failed (the selection deleted since, say): a failure, said as
 * one, not totals of nothing under "Deleting this frees 0 B" (a trial's Refresh showed that, the
 * reason folded away below).
 */
export function nothingAccounted(d: SpaceData): { code: string; message: string } | undefined {
  if (d.files.length > 0 || d.errors.length === 0) return undefined;
  const first = d.errors[0];
  return {
    code: first.code,
    message:
      d.errors.length === 1
        ? l10n.t('Nothing could be accounted for: {0}', first.message)
        : l10n.t('Nothing could be accounted for ({0} paths failed). The first: {1}', d.errors.length, first.message),
  };
}
