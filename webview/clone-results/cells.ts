// The clone-results view's small pieces: a fact of the summary, the method badge and the list's
// method cell, and how bytes, times and names are shown (main.ts puts them together).

import type { CloneResultsData, CloneSide } from '../../src/protocol/messages';
import { groupDigits } from '../../src/protocol/format';
import { isSmbUri, shownSmbName } from '../../src/protocol/shown-path';
import { breakable, el } from '../shared/ui';
import { l10n } from '../shared/l10n';
import { exactAndRounded, noBreakSize } from '../shared/bytes';

/** A whole file made in the place of one of its name (Overwrite); a Clone Range writes into its destination, replacing no file. */
export const replacedOne = (d: CloneResultsData): boolean => d.operation !== 'clone-range' && d.destination.existedBefore === true;

/** Each method in words (the details' Method fact, the list's method tooltip). */
export const METHOD_TEXT: Record<string, string> = {
  FICLONE: l10n.t('FICLONE (reflink of the whole file)'),
  FICLONERANGE: l10n.t('FICLONERANGE (reflink of a range)'),
  clonefile: l10n.t('clonefile (APFS clone)'),
  FSCTL_DUPLICATE_EXTENTS_TO_FILE: l10n.t('FSCTL_DUPLICATE_EXTENTS_TO_FILE (block cloning)'),
  FSCTL_DUPLICATE_EXTENTS_TO_FILE_EX: l10n.t('FSCTL_DUPLICATE_EXTENTS_TO_FILE_EX (atomic block cloning)'),
  FSCTL_SRV_COPYCHUNK_WRITE: l10n.t('FSCTL_SRV_COPYCHUNK_WRITE (server-side copy)'),
  copy_file_range: l10n.t('copy_file_range (in-kernel copy)'),
  fcopyfile: 'fcopyfile',
  'sparse-copy': l10n.t('Copy fallback (holes kept)'),
};

export function fact(dl: HTMLElement, k: string, v: string, key: string, title?: string): void {
  const pair = el('div', { class: 'kv', 'data-key': key });
  if (title) pair.title = title;
  const dd = el('dd');
  dd.appendChild(breakable(v));
  pair.append(el('dt', {}, k), dd);
  dl.appendChild(pair);
}

/** What "Shared, not copied" counts (its tooltip). */
export const SAVED_TIP = (): string =>
  l10n.t(
    'Bytes the destination now shares with the source instead of holding a copy: the extra space a copy would have taken, read from the extent maps. Not a measured change of free space; Compare with a physical copy measures one.',
  );

/** The method (or operation) badge: a long FSCTL_… name wraps at its underscores. */
export function methodBadge(name: string): HTMLElement {
  const b = el('span', { class: 'method' });
  b.appendChild(breakable(name));
  return b;
}

/**
 * The list's file cell: the name, ellipsized in a narrow column (the full paths as tooltip), and
 * for a file that replaced one of its name a "replaced" badge on a line of its own, never cut:
 * "name (replaced)" as one text lost the fact first at ~300 px ("disk-b-2026-12-…").
 */
export function nameCell(name: string, title: string, replaced: boolean): HTMLElement {
  const c = el('span', { class: 'f-name', title });
  c.appendChild(el('span', { class: 'f-file' }, name));
  if (replaced) {
    // heard as "name, replaced" (the comma for screen readers only)
    c.append(el('span', { class: 'sr-only' }, ', '), el('span', { class: 'f-replaced' }, l10n.t('replaced')));
  }
  return c;
}

/** The list's method cell: wraps at underscores, the method explained in its tooltip. */
export function methodCell(d: CloneResultsData): HTMLElement {
  const c = el('span', { class: 'f-method', title: METHOD_TEXT[d.method] ?? d.method });
  c.appendChild(breakable(d.fellBack ? l10n.t('copy') : d.method));
  return c;
}

/** A size in words that a narrow column never breaks: "2 MiB" with a no-break space (it wrapped as "(1 / MiB)" at ~370 px). */
export const bytesText = (v: string | bigint): string => exactAndRounded(BigInt(v), { noBreak: true });
export const ms = (v: number): string => (v < 1000 ? `${v.toFixed(v < 10 ? 2 : 1)} ms` : `${(v / 1000).toFixed(2)} s`);
/** A file's name as shown (an smb:// one decoded: "big sparse.img", not "big%20sparse.img"). */
export const baseName = (p: string): string =>
  isSmbUri(p) ? shownSmbName(p) : p.slice(Math.max(p.lastIndexOf('/'), p.lastIndexOf('\\')) + 1) || p;
/** `dest`'s name, with its folder's name too where it is `source`'s name ("ext4/disk.img", not "disk.img to disk.img"). */
export const destName = (dest: string, source: string): string => {
  if (baseName(dest) !== baseName(source)) return baseName(dest);
  const dir = dest.slice(0, Math.max(dest.lastIndexOf('/'), dest.lastIndexOf('\\')));
  return dir ? `${baseName(dir)}${dest.charAt(dir.length)}${baseName(dest)}` : baseName(dest);
};

/** A Clone Range within one file (source and destination the same path): shown as that file once. */
export const sameFile = (d: CloneResultsData): boolean => d.operation === 'clone-range' && d.source.path === d.destination.path;

/** A range fact: its label, its data-key, the range (absent from an older host: not shown). */
export type RangeFact = [label: string, key: string, range: CloneSide['range']];

/** A side's own Clone Range range, as a "Range" fact. */
export const rangeFacts = (s: CloneSide): RangeFact[] => (s.range ? [[l10n.t('Range'), 'range', s.range]] : []);

/** "4,194,304 to 5,242,880 (1 MiB)": exact offsets, end exclusive, and the length in words. */
export function rangeText(r: NonNullable<CloneSide['range']>): string {
  const start = BigInt(r.offset);
  const len = BigInt(r.length);
  return l10n.t('{0} to {1} ({2})', groupDigits(start), groupDigits(start + len), noBreakSize(len));
}
