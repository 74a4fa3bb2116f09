// The Space view's figures: the totals (files, apparent size, allocated, shared, exclusive,
// unique; "unknown" where no file's sharing is known), what deleting the selection frees (exact,
// a range, or "about", with each file system's part and notes, and Exact scan where it can make
// it exact), with several paths what deleting each alone frees (per-path.ts), compressed data
// counted uncompressed, and the line of details (when, how, links,
// errors, files gone since the last analysis).
import type { SpaceData, SpaceWireTotals } from '../../src/protocol/messages';
import { groupDigits, withHumanSizes } from '../../src/protocol/format';
import { sharingKnown, type SharingSums } from '../../src/protocol/space-sharing';
import { el, explained } from '../shared/ui';
import { l10n } from '../shared/l10n';
import { pathErrors } from '../shared/view-parts';
import { detailsEl, reclaimEl, totalsEl } from './page';
import { exactBytes } from '../shared/bytes';
import { boundsText, bytes } from './figures';
import { perPathEl } from './per-path';

/** What the shown data is: a finished result, the files of a running analysis, or of one that stopped. */
export type Shown = 'done' | 'streaming' | 'stopped';

interface TotalsContext {
  shown: Shown;
  /** Exact scan was clicked (the host runs it). */
  onExactScan(): void;
  /** Files of the result shown before this one (a Refresh) that are not in it: deleted or moved since. */
  gone?: number;
}

/** A file system whose two figures are an estimate from the bytes referenced, not bounds (btrfs without root, SMB). */
const estimated = (fs: SpaceWireTotals): boolean => !fs.reclaimableBounds;

function fact(k: string, v: bigint, key: string, tip: string): void {
  const pair = explained(el('div', { class: 'kv', 'data-key': key, title: tip }), `${exactBytes(v)}\n${tip}`);
  pair.append(el('dt', {}, k), el('dd', { title: exactBytes(v) }, bytes(v)));
  totalsEl.appendChild(pair);
}

/** A figure that depends on sharing: unknown where no file's sharing is known. */
function unknownFact(k: string, key: string, tip: string): void {
  const pair = explained(el('div', { class: 'kv', 'data-key': key, 'data-sharing': 'unknown', title: tip }), tip);
  pair.append(el('dt', {}, k), el('dd', {}, l10n.t('unknown')));
  totalsEl.appendChild(pair);
}

export function showTotals(d: SpaceData, sums: SharingSums, ctx: TotalsContext): void {
  const { shown } = ctx;
  const t = d.total;
  const known = sharingKnown(sums);
  totalsEl.replaceChildren();
  totalsEl.dataset.shown = shown;
  const files = el('div', { class: 'kv', 'data-key': 'files' });
  files.append(el('dt', {}, l10n.t('Files')), el('dd', {}, groupDigits(BigInt(t.files))));
  totalsEl.appendChild(files);
  fact(l10n.t('Apparent size'), BigInt(t.size), 'size', l10n.t('The sum of the files\u2019 logical sizes.'));
  // compressed (btrfs) data: FIEMAP gives an encoded extent's uncompressed length, and so do
  // allocated, shared and exclusive (as `btrfs filesystem du` counts it); said, with how much
  let encoded = 0n;
  for (const fs of d.fileSystems) if (fs.encoded !== undefined) encoded += BigInt(fs.encoded);
  const uncompressed =
    encoded > 0n
      ? ' ' +
        l10n.t(
          'Compressed data ({0}) is counted at its uncompressed size, as FIEMAP and btrfs filesystem du give it: on disk it takes less.',
          exactBytes(encoded),
        )
      : '';
  fact(
    l10n.t('Allocated'),
    BigInt(t.allocated),
    'allocated',
    l10n.t('Bytes in the files\u2019 extents, counted once per file.') + uncompressed,
  );
  const sharedTip = l10n.t('Allocated bytes the file system reports as shared.') + uncompressed;
  const exclusiveTip = l10n.t('Allocated minus shared: bytes only one file uses.') + uncompressed;
  if (known.kind === 'known') {
    fact(l10n.t('Shared'), BigInt(t.shared), 'shared', sharedTip);
    fact(l10n.t('Exclusive'), BigInt(t.exclusive), 'exclusive', exclusiveTip);
  } else if (known.kind === 'unknown') {
    const why = l10n.t('Not known: no file here has physical offsets in its map (SMB), so what is shared cannot be told.');
    unknownFact(l10n.t('Shared'), 'shared', why);
    unknownFact(l10n.t('Exclusive'), 'exclusive', why);
  } else {
    // only the files whose sharing is known: said beside the figures
    const of = l10n.t(
      'Of the {0} files whose sharing is known; unknown for {1} (no physical offsets).',
      groupDigits(BigInt(known.knownFiles)),
      groupDigits(BigInt(known.unknownFiles)),
    );
    fact(l10n.t('Shared (known files)'), sums.knownShared, 'shared', `${sharedTip} ${of}`);
    fact(l10n.t('Exclusive (known files)'), sums.knownExclusive, 'exclusive', `${exclusiveTip} ${of}`);
  }
  if (encoded > 0n) {
    // in the totals, not only in a tooltip: allocated and exclusive are not what the disk holds
    const pair = explained(
      el('div', { class: 'kv kv-encoded', 'data-key': 'encoded', title: uncompressed.trim() }),
      `${exactBytes(encoded)}\n${uncompressed.trim()}`,
    );
    pair.append(el('dt', {}, l10n.t('Compressed, counted uncompressed')), el('dd', { title: exactBytes(encoded) }, bytes(encoded)));
    totalsEl.appendChild(pair);
  }
  reclaimEl.replaceChildren();
  detailsEl.replaceChildren();
  if (shown !== 'done') {
    // Unique and what deleting frees need every file's ranges (the sweep at the end).
    const line = el('p', { class: 'reclaim-line', 'data-exact': 'unknown' });
    line.textContent =
      shown === 'streaming'
        ? l10n.t('The files shown so far. Unique bytes and what deleting this frees: when every file is mapped.')
        : l10n.t(
            'Incomplete: the analysis stopped before every file was mapped, so unique bytes and what deleting this frees are not known.',
          );
    reclaimEl.appendChild(line);
    return;
  }
  const uniqueTip = l10n.t('Physical bytes of the selection, bytes shared inside it counted once.');
  if (known.kind === 'known') fact(l10n.t('Unique'), BigInt(t.unique), 'unique', uniqueTip);
  else if (known.kind === 'unknown')
    unknownFact(l10n.t('Unique'), 'unique', l10n.t('Not known: which bytes are shared is not known here.'));
  else
    fact(
      l10n.t('Unique (at most)'),
      BigInt(t.unique),
      'unique',
      `${uniqueTip} ${l10n.t('An upper bound: files whose sharing is unknown are counted as sharing nothing.')}`,
    );

  const lo = BigInt(t.reclaimable);
  const hi = BigInt(t.reclaimableMax);
  const line = el('p', { class: 'reclaim-line', 'data-exact': String(t.reclaimableExact) });
  // several paths: the whole selection's figure, said as such beside each path's alone (per-path.ts)
  const all = (d.paths?.length ?? 0) > 1;
  if (t.reclaimableExact) {
    line.textContent = all ? l10n.t('Deleting all of this frees {0}.', bytes(lo)) : l10n.t('Deleting this frees {0}.', bytes(lo));
    line.title = exactBytes(lo);
  } else if (!t.reclaimableBounds && !d.fileSystems.some(estimated)) {
    // paths that could not be read hold what no figure counts: only a floor
    line.textContent = all
      ? l10n.t('Deleting all of this frees at least {0}: paths that could not be read are not counted (see below).', bytes(lo))
      : l10n.t('Deleting this frees at least {0}: paths that could not be read are not counted (see below).', bytes(lo));
    line.title = exactBytes(lo);
  } else if (lo === hi) {
    // both bounds meet, yet on an assumption (files with no physical offsets: see the notes)
    line.textContent = all
      ? l10n.t('Deleting all of this frees {0}, not proven (see below).', bytes(lo))
      : l10n.t('Deleting this frees {0}, not proven (see below).', bytes(lo));
    line.title = exactBytes(lo);
  } else if (d.fileSystems.some(estimated)) {
    line.textContent = all
      ? l10n.t(
          'Deleting all of this frees roughly {0} to {1}: an estimate from the bytes the files reference, which the true figure can fall outside (see below).',
          ...boundsText(lo, hi),
        )
      : l10n.t(
          'Deleting this frees roughly {0} to {1}: an estimate from the bytes the files reference, which the true figure can fall outside (see below).',
          ...boundsText(lo, hi),
        );
    line.title = `${exactBytes(lo)} – ${exactBytes(hi)}`;
  } else {
    line.textContent = all
      ? l10n.t('Deleting all of this frees between {0} and {1}.', ...boundsText(lo, hi))
      : l10n.t('Deleting this frees between {0} and {1}.', ...boundsText(lo, hi));
    line.title = `${exactBytes(lo)} – ${exactBytes(hi)}`;
  }
  explained(line, line.title);
  reclaimEl.appendChild(line);
  const perPath = perPathEl(d);
  if (perPath) reclaimEl.appendChild(perPath);
  // several file systems: each one's part of the figure (their notes below say why a part is a range)
  if (d.fileSystems.length > 1) {
    const parts = el('ul', { class: 'reclaim-parts' });
    for (const fs of d.fileSystems) {
      const a = BigInt(fs.reclaimable);
      const b = BigInt(fs.reclaimableMax);
      const name = fs.mountPoint ? `${fs.filesystem} (${fs.mountPoint})` : fs.filesystem;
      const li = el(
        'li',
        { title: a === b ? exactBytes(a) : `${exactBytes(a)} – ${exactBytes(b)}` },
        fs.reclaimableExact
          ? l10n.t('On {0}: frees {1}.', name, bytes(a))
          : a === b
            ? l10n.t('On {0}: frees {1}, not proven.', name, bytes(a))
            : estimated(fs)
              ? l10n.t('On {0}: frees roughly {1} to {2} (an estimate, not bounds).', name, ...boundsText(a, b))
              : l10n.t('On {0}: frees between {1} and {2}.', name, ...boundsText(a, b)),
      );
      parts.appendChild(explained(li, li.title));
    }
    reclaimEl.appendChild(parts);
  }
  // Every file system's notes: why a figure is a range, and also how an exact one was found and
  // what it counts (compressed btrfs data: unique counts it uncompressed, the figure on disk).
  const notes = el('ul', { class: 'reclaim-why' });
  for (const fs of d.fileSystems)
    for (const n of fs.notes)
      notes.appendChild(
        el(
          'li',
          {},
          d.fileSystems.length > 1
            ? l10n.t('On {0}: {1}', fs.mountPoint ? `${fs.filesystem} (${fs.mountPoint})` : fs.filesystem, withHumanSizes(n))
            : withHumanSizes(n),
        ),
      );
  if (notes.childElementCount) reclaimEl.appendChild(notes);
  if (!t.reclaimableExact) {
    if (d.fileSystems.some((fs) => fs.exactScan === 'possible')) {
      const b = el(
        'vscode-button',
        { id: 'btn-exact-scan', title: l10n.t('Map every other file of the file system to find the exact figure (reads only).') },
        l10n.t('Exact scan'),
      );
      b.addEventListener('click', () => ctx.onExactScan());
      reclaimEl.appendChild(b);
    }
  }
  // the time of day it finished: a refresh (after Deduplicate, Analyze again) shows as a new time
  const took = d.durationMs < 10 ? l10n.t('under 0.01 s') : l10n.t('{0} s', (d.durationMs / 1000).toFixed(2));
  const bits: string[] = [
    d.finishedAt === undefined
      ? l10n.t('Analyzed in {0}', took)
      : l10n.t('Analyzed at {0} in {1}', new Date(d.finishedAt).toLocaleTimeString(document.documentElement.lang || undefined), took),
  ];
  if (d.exactScan) bits.push(l10n.t('exact scan'));
  if (ctx.gone)
    bits.push(
      ctx.gone === 1
        ? l10n.t('1 file shown before is no longer there')
        : l10n.t('{0} files shown before are no longer there', groupDigits(BigInt(ctx.gone))),
    );
  if (d.symlinks)
    bits.push(d.symlinks === 1 ? l10n.t('1 symbolic link not followed') : l10n.t('{0} symbolic links not followed', d.symlinks));
  // a file with several names is one file: listed under the first name met, its other names counted here
  if (d.hardLinks)
    bits.push(
      d.hardLinks === 1
        ? l10n.t('1 more name of a file listed under another (a hard link)')
        : l10n.t('{0} more names of files listed under another (hard links)', d.hardLinks),
    );
  // over SMB: a folder the server showed again under another name (a symbolic link it follows)
  if (d.foldersAgain)
    bits.push(
      d.foldersAgain === 1
        ? l10n.t('1 folder met again by another name, not walked again')
        : l10n.t('{0} folders met again by another name, not walked again', d.foldersAgain),
    );
  // a bind mount of a folder of the selection inside it: its files met twice, counted once
  if (d.mountedAgain)
    bits.push(
      d.mountedAgain === 1
        ? l10n.t('1 file met again through a mount inside the selection, counted once')
        : l10n.t('{0} files met again through a mount inside the selection, counted once', groupDigits(BigInt(d.mountedAgain))),
    );
  detailsEl.appendChild(el('p', { class: 'meta' }, bits.join(' · ')));
  detailsEl.append(
    ...pathErrors(
      (n) => (n === 1 ? l10n.t('1 path could not be accounted for') : l10n.t('{0} paths could not be accounted for', n)),
      d.errors,
    ),
  );
  if (known.kind !== 'known')
    detailsEl.appendChild(
      el(
        'p',
        { class: 'meta' },
        known.kind === 'unknown'
          ? l10n.t('No file here has physical offsets in its map (SMB): whether they share blocks is unknown (grey).')
          : l10n.t(
              '{0} files have no physical offsets in their maps (SMB): their sharing is unknown (grey).',
              groupDigits(BigInt(known.unknownFiles)),
            ),
      ),
    );
}
