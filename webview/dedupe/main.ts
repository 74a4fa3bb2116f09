// The Dedupe view: identical data across a selection and what sharing it frees (issue 14).
// While the host searches or deduplicates: its progress and Cancel. Then: the totals (groups,
// duplicate bytes, of which already shared, net saving), Deduplicate (disabled with the reason
// in restricted mode or when nothing would be freed), the measured result after it ran, and the
// groups (largest net saving first) in a filterable, virtualised list. The webview names groups
// and ranges to the host only by index; the host asks for confirmation itself.
// (Just over 400 lines: the page's state and its message handling; the list, the model and
// the shared view parts are already apart.)
import '../shared/lit-nonce';
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-toolbar-button/index.js';
import '../shared/theme.css';
import '../shared/report-view.css';
import './dedupe.css';
import type { DedupeWirePlan, DedupeWireReport, HostMessage } from '../../src/protocol/messages';
import { groupDigits, humanBytes, withHumanSizes } from '../../src/protocol/format';
import { getState, onHostMessage, post, setState } from '../shared/host';
import { el } from '../shared/ui';
import { showBanner } from '../shared/banner';
import { l10n } from '../shared/l10n';
import { COLLAPSE_ABOVE, filterGroups, flatten, groupNums, relPath, sortedGroups, type GroupNums } from './model';
import { DedupeList, type Selected } from './list';
import { bannerBox, pathErrors, spinnerLine, toolbarButton } from '../shared/view-parts';

const app = document.getElementById('app')!;
app.className = 'dedupe';

const toolbar = el('div', { class: 'toolbar', role: 'toolbar', 'aria-label': l10n.t('Duplicate data') });
toolbar.append(el('h1', { class: 'title' }, l10n.t('Duplicate data')), el('span', { class: 'spacer' }));
const tb = (icon: string, label: string, id: string): HTMLElement => toolbarButton(toolbar, icon, label, id);
const btnInspect = tb('go-to-file', l10n.t('Open in the inspector'), 'btn-inspect');
const btnReveal = tb('files', l10n.t('Reveal in Explorer'), 'btn-reveal');
const btnFind = tb('refresh', l10n.t('Find again'), 'btn-find');

const { progress, progressText, btnCancel } = spinnerLine();

const { banner, bannerCode, bannerText } = bannerBox();

const totalsEl = el('dl', { class: 'totals', 'aria-label': l10n.t('Totals') });
const savingEl = el('p', { class: 'saving-line' });
const applyRow = el('div', { class: 'apply-row' });
const btnApply = el('vscode-button', { id: 'btn-dedupe' }, l10n.t('Deduplicate'));
/** Shown after Deduplicate ran (the plan is spent): the next step, where Deduplicate was. */
const btnFindAgain = el('vscode-button', { id: 'btn-find-again', hidden: '' }, l10n.t('Find again'));
const applyScope = el('span', { class: 'apply-scope' });
const applyWhy = el('p', { class: 'apply-why', role: 'note' });
const applyWhyText = el('span', { class: 'apply-why-text' });
applyWhy.append(el('span', { class: 'codicon codicon-info', 'aria-hidden': 'true' }), applyWhyText);
applyRow.append(btnFindAgain, btnApply, applyScope);
const reportEl = el('section', { class: 'report', 'aria-label': l10n.t('Result'), hidden: '' });
const detailsEl = el('div', { class: 'details' });
const filterBox = el('input', {
  type: 'search',
  class: 'filter',
  placeholder: l10n.t('Filter by path'),
  'aria-label': l10n.t('Filter by path'),
}) as HTMLInputElement;
const filterCount = el('span', { class: 'filter-count', role: 'status' });
const filterRow = el('div', { class: 'filter-row' });
filterRow.append(filterBox, filterCount);
const listHost = el('div', { class: 'rows-host' });
const empty = el('p', { class: 'empty', hidden: '' });
const results = el('div', { class: 'results', hidden: '' });
results.append(totalsEl, savingEl, applyRow, applyWhy, reportEl, detailsEl, filterRow, empty, listHost);
app.append(toolbar, progress, banner, results);

// ---- state ------------------------------------------------------------------------------------

let plan: DedupeWirePlan | undefined;
let nums: GroupNums[] = [];
let rel: string[] = [];
let order: number[] = [];
let shown: number[] = [];
let list: DedupeList | undefined;
let canApply = false;
let cannotApplyReason: string | undefined;
let running: 'find' | 'apply' | undefined;
/** Groups opened or closed by the person (the default: open unless it has many ranges). */
const toggled = new Set<number>();

/** What the person chose (filter, selection), kept while VS Code hides the view. */
interface ViewState {
  filter?: string;
  selected?: Selected;
}
const saved: ViewState = getState<ViewState>() ?? {};
if (typeof saved.filter === 'string') filterBox.value = saved.filter;
const saveState = (): void => setState({ filter: filterBox.value, selected: list?.selected } satisfies ViewState);

const exact = (v: bigint): string => l10n.t('{0} bytes', groupDigits(v));
/** The empty list's sentence: no duplicate data in the selection, or none that this user can share. */
const lockedInText = (sets: number): string =>
  sets === 0
    ? l10n.t('No duplicate data found in the selection.')
    : sets === 1
      ? l10n.t(
          'No duplicate data that can be shared: the 1 set of identical data found is in files this user may not change (see the notes).',
        )
      : l10n.t(
          'No duplicate data that can be shared: the {0} sets of identical data found are in files this user may not change (see the notes).',
          groupDigits(BigInt(sets)),
        );
const groupsText = (n: number): string => (n === 1 ? l10n.t('1 group') : l10n.t('{0} groups', groupDigits(BigInt(n))));
const filesText = (n: number): string => (n === 1 ? l10n.t('1 file') : l10n.t('{0} files', groupDigits(BigInt(n))));
const isCollapsed = (g: number): boolean => plan!.groups[g].ranges.length > COLLAPSE_ABOVE !== toggled.has(g);

function kv(key: string, label: string, value: string, title?: string, tip?: string): void {
  const pair = el('div', { class: 'kv', 'data-key': key, ...(tip ? { title: tip } : {}) });
  pair.append(el('dt', {}, label), el('dd', title ? { title } : {}, value));
  totalsEl.appendChild(pair);
}
/** Totals with two decimals, so duplicate bytes and net saving that differ by little still read differently. */
const human2 = (v: bigint): string => humanBytes(v, 2);
/** An estimate with a lower bound below it as "min – max", else the one value. */
const span = (min: bigint, max: bigint, show: (v: bigint) => string): string => (min < max ? `${show(min)} – ${show(max)}` : show(max));
const bytesKv = (key: string, label: string, v: bigint, tip: string): void => kv(key, label, human2(v), exact(v), tip);

function showTotals(p: DedupeWirePlan): void {
  const t = p.total;
  const candidate = BigInt(t.candidateBytes);
  const net = BigInt(t.netSaving);
  // The ranges of a group hold data at the same offsets, so each destination holds an equal share of its candidate bytes.
  const already = p.groups.reduce((sum, g) => {
    const dests = BigInt(g.ranges.length - 1);
    const shared = BigInt(g.ranges.filter((r, i) => i > 0 && r.alreadyShared).length);
    return dests > 0n ? sum + (BigInt(g.candidateBytes) * shared) / dests : sum;
  }, 0n);
  totalsEl.replaceChildren();
  kv('groups', l10n.t('Groups'), groupDigits(BigInt(t.groups)));
  kv('files', l10n.t('Files'), groupDigits(BigInt(t.files)), undefined, l10n.t('Files examined.'));
  bytesKv(
    'candidate',
    l10n.t('Duplicate bytes'),
    candidate,
    l10n.t('Data bytes in every range beyond each group’s first (holes count zero): what a tool that ignores sharing would claim.'),
  );
  bytesKv(
    'shared',
    l10n.t('Already shared'),
    already,
    l10n.t('Duplicate bytes that already share the source’s extents: they free nothing.'),
  );
  bytesKv('net', l10n.t('Net saving'), net, l10n.t('What sharing the duplicates would free (an estimate until it is measured).'));
  bytesKv('hashed', l10n.t('Hashed'), BigInt(t.hashedBytes), l10n.t('Bytes read and hashed (holes and unwritten extents are never read).'));
  const min = t.netSavingMin !== undefined ? BigInt(t.netSavingMin) : net;
  savingEl.textContent = savingLine(p, min, net, candidate, already);
  savingEl.title = p.groups.length === 0 ? '' : span(min, net, exact);

  detailsEl.replaceChildren();
  const bits = [
    l10n.t('Searched in {0} s', (p.durationMs / 1000).toFixed(2)),
    l10n.t('chunks of {0}', humanBytes(BigInt(p.chunk))),
    l10n.t('files from {0}', humanBytes(BigInt(p.minSize))),
  ];
  detailsEl.appendChild(el('p', { class: 'meta' }, bits.join(' · ')));
  for (const n of p.notes) detailsEl.appendChild(el('p', { class: 'meta note' }, withHumanSizes(n)));
  if (p.errors.length)
    detailsEl.appendChild(
      pathErrors(
        p.errors.length === 1 ? l10n.t('1 path could not be examined') : l10n.t('{0} paths could not be examined', p.errors.length),
        p.errors,
      ),
    );
}

/** Groups Deduplicate would apply: those shown that free something. */
const applicable = (): number[] => shown.filter((g) => nums[g].net > 0n);

function setButtons(): void {
  const has = list?.selected !== undefined;
  for (const b of [btnInspect, btnReveal]) b.toggleAttribute('disabled', !has);
  btnFind.toggleAttribute('disabled', running !== undefined); // also after a failed first search
  const groups = plan ? applicable() : [];
  let net = 0n;
  for (const g of groups) net += nums[g].net;
  const filtered = filterBox.value.trim() !== '';
  let why: string | undefined;
  // A plan with nothing to free says so first: trust or the file system would not change that.
  const nothing =
    order.length > 0
      ? l10n.t('Nothing to free: every duplicate is already shared, or sharing it would free nothing (each group says why).')
      : l10n.t('Nothing to deduplicate.');
  if (running) why = undefined;
  else if (plan && groups.length === 0 && !filtered) why = nothing;
  else if (!canApply) why = cannotApplyReason;
  else if (groups.length === 0) why = filtered ? l10n.t('Nothing to free among the groups shown.') : nothing;
  const enabled = !!plan && canApply && !running && groups.length > 0;
  btnApply.toggleAttribute('disabled', !enabled);
  btnApply.dataset.groups = String(groups.length);
  const spent = plan !== undefined && !reportEl.hasAttribute('hidden');
  btnFindAgain.toggleAttribute('hidden', !spent);
  btnFindAgain.toggleAttribute('disabled', running !== undefined);
  btnApply.toggleAttribute('secondary', spent);
  applyScope.textContent =
    !plan || spent
      ? ''
      : filtered
        ? l10n.t('{0} shown, about {1}', groupsText(groups.length), human2(net))
        : l10n.t('{0}, about {1}', groupsText(groups.length), human2(net));
  applyWhyText.textContent = why ?? '';
  applyWhy.toggleAttribute('hidden', !why);
  if (why) btnApply.title = why;
  else btnApply.removeAttribute('title');
}

/**
 * The sentence under the totals: what sharing frees. Nothing with no groups (the list's own
 * sentence says why). A range names why it is one: data whose place is unknown (SMB), then
 * compression (only where some data is compressed: btrfs, never XFS), else blocks shared with
 * files that may lie outside the selection.
 */
function savingLine(p: DedupeWirePlan, min: bigint, net: bigint, candidate: bigint, already: bigint): string {
  if (p.groups.length === 0) return '';
  const [a, b, c] = [human2(min), human2(net), human2(net - min)];
  if (min < net) {
    if (p.groups.some((g) => g.placeUnknown))
      return l10n.t(
        'Sharing these frees between {0} and {1}: where {2} of their data lies on disk is not known here (an SMB share), so it may already be shared and free nothing.',
        a,
        b,
        c,
      );
    if (p.groups.some((g) => g.compressed))
      return l10n.t(
        'Sharing these frees between {0} and {1}: {2} of their blocks are already shared with other files, which may lie outside the selection, or compressed, whose size on disk is not known.',
        a,
        b,
        c,
      );
    return l10n.t(
      'Sharing these frees between {0} and {1}: {2} of their blocks are already shared with other files, which may lie outside the selection.',
      a,
      b,
      c,
    );
  }
  // files ending in part of a block: the duplicate bytes stop at end-of-file, the block is freed whole
  if (net > candidate - already)
    return already > 0n
      ? l10n.t(
          'Sharing these frees about {0}: {1} duplicate, already shared: {2}; more than the difference, as each file’s last, partial block is freed whole.',
          b,
          human2(candidate),
          human2(already),
        )
      : l10n.t(
          'Sharing these frees about {0}, more than the {1} duplicate: each file’s last, partial block is freed whole.',
          b,
          human2(candidate),
        );
  if (already > 0n)
    return l10n.t('Sharing these frees about {0}: {1} duplicate, already shared: {2}.', b, human2(candidate), human2(already));
  // sized on disk (btrfs as root): less than the duplicate bytes, and not because anything is shared
  if (p.groups.some((g) => g.compressed) && net < candidate)
    return l10n.t('Sharing these frees about {0}: {1} duplicate, compressed on disk.', b, human2(candidate));
  return l10n.t('Sharing these frees about {0}.', b);
}

function showReport(r: DedupeWireReport | undefined): void {
  reportEl.replaceChildren();
  reportEl.toggleAttribute('hidden', !r);
  // the search's totals stay for reference, dimmed: the result below is what happened
  totalsEl.classList.toggle('spent', !!r);
  if (r) totalsEl.title = l10n.t('What the search found before deduplicating: Find again to see what is left.');
  else totalsEl.removeAttribute('title');
  if (!r) return setButtons();
  const freed = BigInt(r.freed);
  const estimated = BigInt(r.estimated);
  const estimatedMin = r.estimatedMin !== undefined ? BigInt(r.estimatedMin) : estimated;
  // The line under the totals spoke of what sharing would free; now it has been measured.
  const c = r.cancelled;
  savingEl.textContent = c
    ? l10n.t(
        'Deduplicating was cancelled after {0} of {1}: it freed {2} (measured). Every file still reads as before; what was shared stays shared (the group in progress in part), the groups not reached are unchanged, and Find again shows what is left.',
        groupDigits(BigInt(c.groupsDone)),
        groupsText(c.groups),
        human2(freed),
      )
    : freed < 0n
      ? l10n.t(
          'Deduplicating freed nothing: the file system uses {0} more than before (measured: its own metadata, or other writers); the search estimated about {1}.',
          human2(-freed),
          human2(estimated),
        )
      : estimatedMin < estimated
        ? l10n.t(
            'Deduplicating freed {0} (measured); the search estimated between {1} and {2}.',
            human2(freed),
            human2(estimatedMin),
            human2(estimated),
          )
        : l10n.t('Deduplicating freed {0} (measured); the search estimated about {1}.', human2(freed), human2(estimated));
  savingEl.title = exact(freed);
  reportEl.appendChild(el('h2', {}, c ? l10n.t('Result (cancelled)') : l10n.t('Result')));
  const dl = el('dl', { class: 'totals report-totals' });
  const item = (key: string, label: string, value: string, title?: string): void => {
    const pair = el('div', { class: 'kv', 'data-key': key });
    pair.append(el('dt', {}, label), el('dd', title ? { title } : {}, value));
    dl.appendChild(pair);
  };
  item('freed', l10n.t('Freed (measured)'), human2(freed), exact(freed));
  item('estimated', l10n.t('Estimated'), span(estimatedMin, estimated, human2), span(estimatedMin, estimated, exact));
  // counts a sharing thread could not hand back after a cancel are lower bounds
  const most = (v: string): string => (c?.countsAtLeast ? l10n.t('at least {0}', v) : v);
  item('deduped', l10n.t('Shared by the file system'), most(human2(BigInt(r.deduped))), exact(BigInt(r.deduped)));
  if (BigInt(r.alreadyShared) > 0n)
    item('already', l10n.t('Already shared before'), human2(BigInt(r.alreadyShared)), exact(BigInt(r.alreadyShared)));
  item('differed', l10n.t('Ranges that differed'), groupDigits(BigInt(r.differed)));
  item('skipped', l10n.t('Skipped'), groupDigits(BigInt(r.skipped.length)));
  item('calls', l10n.t('Calls'), most(groupDigits(BigInt(r.calls))));
  reportEl.appendChild(dl);
  if (r.remeasured)
    reportEl.appendChild(
      el(
        'p',
        { class: 'meta remeasured' },
        r.remeasured.pending
          ? l10n.t(
              'Measuring the freed space again for a minute: this file system counts it when it commits (btrfs behind Samba: every 30 s). Last measured {0} s after the run.',
              r.remeasured.afterS,
            )
          : l10n.t('Freed space measured again {0} s after the run (this file system counts it when it commits).', r.remeasured.afterS),
      ),
    );
  reportEl.appendChild(
    el(
      'p',
      { class: 'meta' },
      [r.method, l10n.t('{0} in {1}', groupsText(r.groups), filesText(r.files)), l10n.t('{0} s', (r.durationMs / 1000).toFixed(2))].join(
        ' · ',
      ),
    ),
  );
  // the one note on what freed means (the engine's notes do not repeat it)
  if (freed !== estimated)
    reportEl.appendChild(
      el(
        'p',
        { class: 'meta note' },
        l10n.t(
          'Freed is measured from the file system’s free space before and after; other activity on the volume and extents still held by files outside the selection make it differ from the estimate.',
        ),
      ),
    );
  for (const n of r.notes) reportEl.appendChild(el('p', { class: 'meta note' }, withHumanSizes(n)));
  reportEl.appendChild(
    el('p', { class: 'meta' }, l10n.t('The groups below are from the search before deduplicating: Find again to see what is left.')),
  );
  setButtons(); // the plan is spent: Find again comes first
  if (r.skipped.length) {
    const det = el('details', { class: 'errors skipped', open: '' });
    det.appendChild(
      el(
        'summary',
        {},
        r.skipped.length === 1 ? l10n.t('1 range left alone') : l10n.t('{0} ranges left alone', groupDigits(BigInt(r.skipped.length))),
      ),
    );
    const ul = el('ul');
    for (const k of r.skipped.slice(0, 1000)) {
      const what = k.reason === 'differs' ? l10n.t('changed since the search') : k.reason;
      ul.appendChild(
        el(
          'li',
          { title: `${k.path} @ ${groupDigits(BigInt(k.offset))} + ${groupDigits(BigInt(k.length))}` },
          `${relPath(plan!, k.path)} @ ${humanBytes(BigInt(k.offset))}: ${what}${k.message ? ` \u2014 ${k.message}` : ''}`,
        ),
      );
    }
    det.appendChild(ul);
    reportEl.appendChild(det);
  }
}

function refreshList(): void {
  if (!plan || !list) return;
  shown = filterGroups(plan, rel, order, filterBox.value);
  list.setRows(
    flatten(plan, shown, isCollapsed),
    order, // numbered by their place among all groups, so a filter keeps each group's number
  );
  filterCount.textContent = filterBox.value.trim()
    ? l10n.t('{0} of {1}', groupDigits(BigInt(shown.length)), groupsText(order.length))
    : groupsText(order.length);
  empty.toggleAttribute('hidden', shown.length > 0);
  const errs = plan.errors;
  empty.textContent =
    order.length > 0
      ? l10n.t('No group has a path containing "{0}".', filterBox.value.trim())
      : errs.length === 0
        ? lockedInText(plan.total.lockedIn ?? 0)
        : // say what was not examined first, and claim nothing about it
          (errs.length === 1
            ? l10n.t('1 path could not be examined: {0}: {1}', errs[0].code, errs[0].message)
            : l10n.t(
                '{0} paths could not be examined; the first: {1}: {2}',
                groupDigits(BigInt(errs.length)),
                errs[0].code,
                errs[0].message,
              )) +
          ' ' +
          (plan.total.files === 0
            ? l10n.t('Nothing else was examined.')
            : plan.total.lockedIn
              ? lockedInText(plan.total.lockedIn)
              : l10n.t('No duplicate data found in the {0} examined.', filesText(plan.total.files)));
  empty.classList.toggle('has-errors', order.length === 0 && errs.length > 0);
  setButtons();
}

function select(s: Selected | undefined): void {
  if (!list) return;
  list.selected = s;
  list.render();
  document.body.dataset.selected = s ? `${s.group}/${s.range}` : '';
  setButtons();
  saveState();
}

function showPlan(p: DedupeWirePlan): void {
  const samePlan = plan !== undefined && plan.groups.length === p.groups.length && plan.files.length === p.files.length;
  plan = p;
  nums = groupNums(p);
  rel = p.files.map((f) => relPath(p, f));
  order = sortedGroups(nums);
  const prevSelected = list?.selected ?? saved.selected;
  const prevScroll = samePlan ? (list?.scrollTop ?? 0) : 0;
  if (!samePlan) toggled.clear();
  listHost.replaceChildren();
  list = new DedupeList(listHost, p, nums, rel, isCollapsed, {
    onToggle: (g) => {
      if (toggled.has(g)) toggled.delete(g);
      else toggled.add(g);
      refreshList();
    },
    onSelect: (s) => select(s),
    onOpen: (s) => post({ type: 'dedupeOpen', group: s.group, range: s.range }),
  });
  const valid = (s: Selected | undefined): s is Selected =>
    !!s &&
    Number.isInteger(s.group) &&
    Number.isInteger(s.range) &&
    s.group < p.groups.length &&
    s.range < (p.groups[s.group]?.ranges.length ?? 0);
  list.selected = valid(prevSelected) ? prevSelected : undefined;
  results.removeAttribute('hidden');
  showTotals(p);
  refreshList();
  if (prevScroll) list.scrollTop = prevScroll; // a trust change or a report keeps the place in the list
}

function setRunning(r: 'find' | 'apply' | undefined): void {
  running = r;
  progress.toggleAttribute('hidden', !r);
  document.body.dataset.state =
    r === 'find'
      ? 'finding'
      : r === 'apply'
        ? 'applying'
        : !banner.hasAttribute('hidden')
          ? banner.classList.contains('neutral')
            ? 'cancelled'
            : 'error'
          : plan
            ? 'done'
            : 'idle';
  setButtons();
}

// ---- input ------------------------------------------------------------------------------------

filterBox.addEventListener('input', () => {
  refreshList();
  saveState();
});
btnInspect.addEventListener('click', () => list?.selected && post({ type: 'dedupeOpen', ...list.selected }));
btnReveal.addEventListener('click', () => list?.selected && post({ type: 'dedupeReveal', ...list.selected }));
btnFind.addEventListener('click', () => !running && post({ type: 'dedupeFind' }));
btnFindAgain.addEventListener('click', () => !running && post({ type: 'dedupeFind' }));
btnCancel.addEventListener('click', () => post({ type: 'dedupeCancel' }));
btnApply.addEventListener('click', () => {
  if (btnApply.hasAttribute('disabled') || !plan) return;
  const groups = applicable();
  if (groups.length) post({ type: 'dedupeApply', groups });
});

function onMessage(m: HostMessage): void {
  switch (m.type) {
    case 'dedupeProgress': {
      banner.setAttribute('hidden', '');
      const done = humanBytes(BigInt(m.bytes));
      progressText.textContent =
        m.phase === 'find'
          ? l10n.t('Finding duplicates: {0} files, {1} hashed', groupDigits(BigInt(m.files)), done)
          : m.total !== undefined
            ? l10n.t('Deduplicating: {0} of {1}', done, humanBytes(BigInt(m.total)))
            : BigInt(m.bytes) === 0n
              ? l10n.t('Deduplicating: checking the files first…') // before the first group: "0 B" said nothing
              : l10n.t('Deduplicating: {0}', done);
      progressText.title = m.message;
      setRunning(m.phase);
      break;
    }
    case 'dedupe':
      canApply = m.canApply;
      cannotApplyReason = m.cannotApplyReason;
      showPlan(m.plan);
      showReport(m.report);
      // the host says whether it runs something (the progress messages say how far it got)
      setRunning(m.running);
      break;
    case 'error':
      showBanner(banner, bannerCode, bannerText, m);
      setRunning(undefined);
      break;
    default:
      break;
  }
}
onHostMessage(onMessage);
setRunning(undefined);
post({ type: 'ready' });
