// The Space view's "each path alone": with several paths analysed (a multi-selection in the
// Explorer, three snapshots say), what deleting each one alone, the others kept, would free
// (SpaceData.paths: the engine's space-alone.ts, as `extent-lens space A B C` gives it): exact,
// or in the totals' words (between, roughly, at least, not proven) with the notes below saying
// why. A path with others given inside it leaves their files out ("A (without A/sub)"), while
// deleting the folder itself frees more: said under the list.
import type { SpaceData, SpaceWirePathTotals } from '../../src/protocol/messages';
import { el, explained } from '../shared/ui';
import { l10n } from '../shared/l10n';
import { exactBytes } from '../shared/bytes';
import { boundsText, bytes } from './figures';
import { relPath } from './model';

/** A path given as the view shows it: under the analysis's base folder, relative to it (the whole path is the tooltip). */
function shownPath(d: SpaceData, p: string): string {
  const trimmed = p.length > 1 && p.endsWith(d.sep) ? p.slice(0, -1) : p;
  // the base itself (A of `A A/sub`): its last name
  if (trimmed === d.base) return trimmed.slice(trimmed.lastIndexOf(d.sep) + 1) || trimmed;
  return relPath(d, trimmed);
}

/** What deleting path `x` alone frees, in words, and its exact byte counts. */
function freesAlone(x: SpaceWirePathTotals): { text: string; title: string } {
  const lo = BigInt(x.reclaimable);
  const hi = BigInt(x.reclaimableMax);
  const range = `${exactBytes(lo)} – ${exactBytes(hi)}`;
  if (x.unread && x.files === 0) return { text: l10n.t('not read (see below)'), title: l10n.t('This path could not be read.') };
  if (x.reclaimableExact) return { text: l10n.t('frees alone: {0}', bytes(lo)), title: exactBytes(lo) };
  if (x.unread && !x.reclaimableBounds)
    return { text: l10n.t('frees alone: at least {0} (some of it could not be read)', bytes(lo)), title: exactBytes(lo) };
  if (lo === hi) return { text: l10n.t('frees alone: {0}, not proven (see below)', bytes(lo)), title: exactBytes(lo) };
  if (!x.reclaimableBounds)
    return { text: l10n.t('frees alone: roughly {0} to {1} (an estimate, not bounds; see below)', ...boundsText(lo, hi)), title: range };
  return { text: l10n.t('frees alone: between {0} and {1} (see below)', ...boundsText(lo, hi)), title: range };
}

/** The per-path list, with several paths given and their figures known (the analysis finished); else undefined. */
export function perPathEl(d: SpaceData): HTMLElement | undefined {
  if (!d.paths || d.paths.length < 2) return undefined;
  const box = el('div', { class: 'per-path' });
  const head = el('p', { class: 'per-path-head' }, l10n.t('Deleting one path alone, the others kept:'));
  // why the figures do not add up to the whole selection's (a trial's question of the CLI's lines)
  const why = l10n.t(
    'What deleting that path’s files, and nothing else, frees: data another selected path also references stays. Deleting several together can free more than the sum (data only they share).',
  );
  head.title = why;
  box.appendChild(explained(head, why));
  const list = el('ul', { class: 'per-path-list' });
  for (const x of d.paths) {
    const figure = freesAlone(x);
    const name = x.without
      ? l10n.t('{0} (without {1})', shownPath(d, x.path), x.without.map((p) => shownPath(d, p)).join(', '))
      : shownPath(d, x.path);
    const li = el('li', { 'data-path': x.path, 'data-exact': String(x.reclaimableExact) });
    li.append(
      el('span', { class: 'per-path-name', title: x.without ? `${x.path}\n${l10n.t('without')} ${x.without.join(', ')}` : x.path }, name),
      el('span', { class: 'per-path-frees' }, figure.text),
    );
    list.appendChild(explained(li, `${x.path}\n${figure.title}`));
  }
  box.appendChild(list);
  if (d.paths.some((x) => x.without))
    box.appendChild(
      el(
        'p',
        { class: 'per-path-note' },
        l10n.t(
          'A path “(without …)” leaves out the files of the paths selected inside it (they have their own line); deleting the whole folder deletes those too and frees more.',
        ),
      ),
    );
  return box;
}
