// The Space view's breadcrumb: the folders from the base to the one the treemap is zoomed into
// (each a button back to it), and under it, while zoomed, that folder's own figures (the totals
// above stay the whole selection's). Those are sums of the per-file figures, exact; what deleting
// the folder alone would free is not among them: that needs the sweep over every file's ranges,
// which runs for the whole selection only (Analyze the folder for it).
import { groupDigits, humanBytes } from '../../src/protocol/format';
import { exactBytes } from '../shared/bytes';
import { l10n } from '../shared/l10n';
import { el, explained } from '../shared/ui';
import type { FileNums, TreeNode } from './model';

/** Fill `crumbs` with `trail` (base first), `sep` between, and the zoomed folder's figures. */
export function showCrumbs(
  crumbs: HTMLElement,
  trail: readonly TreeNode[],
  sep: string,
  zoomTo: (n: TreeNode) => void,
  nums: readonly FileNums[],
  scope: string,
): void {
  crumbs.replaceChildren();
  trail.forEach((n, i) => {
    if (i > 0) crumbs.appendChild(el('span', { class: 'sep', 'aria-hidden': 'true' }, sep));
    if (i === trail.length - 1) crumbs.appendChild(el('span', { class: 'crumb current', 'aria-current': 'location' }, n.name));
    else {
      const a = el('button', { class: 'crumb', type: 'button' }, n.name);
      a.addEventListener('click', () => zoomTo(n));
      crumbs.appendChild(a);
    }
  });
  const sums = folderSums(nums, scope);
  if (sums) crumbs.appendChild(sums);
}

/** The figures of the files under `scope` (a folder's path relative to the base, with its separator), or none at the base. */
function folderSums(nums: readonly FileNums[], scope: string): HTMLElement | undefined {
  if (!scope) return undefined;
  let files = 0;
  let unknown = 0;
  let allocated = 0n;
  let exclusive = 0n;
  let shared = 0n;
  for (const n of nums) {
    if (!n.rel.startsWith(scope)) continue;
    files++;
    allocated += n.allocated;
    if (n.sharingUnknown) unknown++;
    else {
      exclusive += n.exclusive;
      shared += n.shared;
    }
  }
  const filesText = files === 1 ? l10n.t('1 file') : l10n.t('{0} files', groupDigits(BigInt(files)));
  const text =
    unknown === files && files > 0
      ? l10n.t('In this folder: {0}, {1} allocated (sharing unknown).', filesText, humanBytes(allocated))
      : unknown > 0
        ? l10n.t(
            'In this folder: {0}, {1} allocated; of the {2} whose sharing is known, {3} exclusive and {4} shared.',
            filesText,
            humanBytes(allocated),
            groupDigits(BigInt(files - unknown)),
            humanBytes(exclusive),
            humanBytes(shared),
          )
        : l10n.t(
            'In this folder: {0}, {1} allocated, {2} exclusive and {3} shared.',
            filesText,
            humanBytes(allocated),
            humanBytes(exclusive),
            humanBytes(shared),
          );
  const line = el('p', { class: 'folder-sums', 'data-files': String(files) }, text);
  const exact = [
    l10n.t('Allocated: {0}', exactBytes(allocated)),
    ...(unknown === files ? [] : [l10n.t('Exclusive: {0}', exactBytes(exclusive)), l10n.t('Shared: {0}', exactBytes(shared))]),
  ].join('\n');
  line.title = exact;
  return explained(line, exact);
}
