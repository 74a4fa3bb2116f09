// The Dedupe view: identical data across a selection and what sharing it frees (issue 14).
// While the host searches or deduplicates: its progress (the host's own words, the same as its
// notification's) and Cancel. Then: the totals (totals.ts), Deduplicate (disabled with the
// reason: apply-state.ts), the measured result after it ran (report.ts), and the groups (largest
// net saving first) in a filterable, virtualised list (list.ts over model.ts). This file holds
// the page's state and its messages; page.ts builds the page. The webview names groups and
// ranges to the host only by index; the host asks for confirmation itself.
import '../shared/lit-nonce';
import '../shared/theme.css';
import '../shared/report-view.css';
import './dedupe.css';
import type { DedupeWirePlan, HostMessage } from '../../src/protocol/messages';
import { groupDigits } from '../../src/protocol/format';
import { getState, onHostMessage, post, setState } from '../shared/host';
import { showBanner } from '../shared/banner';
import { l10n } from '../shared/l10n';
import { setButtonEnabled } from '../shared/view-parts';
import { COLLAPSE_ABOVE, filterGroups, flatten, groupNums, rangeCount, relPath, sortedGroups, type GroupNums } from './model';
import { DedupeList, type Selected } from './list';
import { buildPage } from './page';
import { showTotals } from './totals';
import { showReport } from './report';
import { applyState } from './apply-state';
import { emptyText, groupsText } from './texts';

const page = buildPage(document.getElementById('app')!);
const { filterBox, btnApply, btnFindAgain, banner, progress, progressText } = page;
// How the person last acted here, keys or pointer: the sentence a run ends on (keepFocus) shows
// its focus frame only after keys (dedupe.css); Chromium's own guess for a focus from script
// framed it after a click too.
window.addEventListener('keydown', () => (document.body.dataset.input = 'keyboard'), true);
window.addEventListener('pointerdown', () => (document.body.dataset.input = 'pointer'), true);

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

const isCollapsed = (g: number): boolean => rangeCount(plan!.groups[g]) > COLLAPSE_ABOVE !== toggled.has(g);

/** Groups Deduplicate would apply: those shown that free something (or blocks another group counts). */
const applicable = (): number[] => shown.filter((g) => nums[g].applies);

function setButtons(): void {
  const has = list?.selected !== undefined;
  for (const b of [page.btnInspect, page.btnReveal]) setButtonEnabled(b, has);
  setButtonEnabled(page.btnFind, running === undefined); // also after a failed first search
  const groups = plan ? applicable() : [];
  let net = 0n;
  let min = 0n;
  let exact = groups.length > 0;
  for (const g of groups) {
    net += nums[g].net;
    min += nums[g].min;
    exact &&= nums[g].exact;
  }
  const spent = plan !== undefined && !page.report.hasAttribute('hidden');
  const s = applyState({
    ...{ plan, groups, net, min, exact, all: order.length, filtered: filterBox.value.trim() !== '' },
    ...{ canApply, cannotApplyReason, running: running !== undefined, spent },
  });
  btnApply.toggleAttribute('disabled', !s.enabled);
  btnApply.dataset.groups = String(groups.length);
  btnFindAgain.toggleAttribute('hidden', !spent);
  btnFindAgain.toggleAttribute('disabled', running !== undefined);
  btnApply.toggleAttribute('secondary', spent);
  page.applyScope.textContent = s.scope;
  page.applyWhyText.textContent = s.why ?? '';
  page.applyWhy.toggleAttribute('hidden', !s.why);
  if (s.why) btnApply.title = s.why;
  else btnApply.removeAttribute('title');
}

function refreshList(): void {
  if (!plan || !list) return;
  shown = filterGroups(plan, rel, order, filterBox.value);
  list.setRows(
    flatten(plan, shown, isCollapsed),
    order, // numbered by their place among all groups, so a filter keeps each group's number
  );
  page.filterCount.textContent = filterBox.value.trim()
    ? l10n.t('{0} of {1}', groupDigits(BigInt(shown.length)), groupsText(order.length))
    : groupsText(order.length);
  page.empty.toggleAttribute('hidden', shown.length > 0);
  page.empty.textContent = emptyText(plan, order.length, filterBox.value);
  page.empty.classList.toggle('has-errors', order.length === 0 && plan.errors.length > 0);
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
  page.listHost.replaceChildren();
  // (shown before the list is made: its rows are measured at the width they are drawn at)
  page.results.removeAttribute('hidden');
  list = new DedupeList(page.listHost, p, nums, rel, isCollapsed, {
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
    s.range < (p.groups[s.group] ? rangeCount(p.groups[s.group]) : 0);
  list.selected = valid(prevSelected) ? prevSelected : undefined;
  showTotals(page, p);
  refreshList();
  if (prevScroll) list.scrollTop = prevScroll; // a trust change or a report keeps the place in the list
}

/**
 * Keep the keyboard's place across a run: the button pressed (Deduplicate, Find again) turns off
 * as it starts, which drops the focus to the page, so it goes to Cancel; when the run ends and
 * Cancel hides, to the sentence that says what happened (Tab goes on to Find again). Only where
 * the page holds no other focus (never taken from where the person went). Deduplicate's modal
 * confirmation has the keyboard as the run starts and the host gives the view the focus back
 * after it (code-server: the page had none, so Cancel was out of reach): owed until then.
 */
let focusOwed = false;
function keepFocus(was: typeof running, now: typeof running): void {
  if (was === now) return;
  if (!document.hasFocus()) {
    focusOwed = true;
    return;
  }
  focusOwed = false;
  const a = document.activeElement;
  const lost = !a || a === document.body || (a as HTMLElement).hasAttribute('disabled') || (a as HTMLElement).hidden;
  if (!was && now && (lost || a === btnApply || a === btnFindAgain || a === page.btnFind)) page.btnCancel.focus();
  else if (was && !now && (lost || a === page.btnCancel)) page.saving.focus();
}
window.addEventListener('focus', () => {
  if (!focusOwed) return;
  focusOwed = false;
  const a = document.activeElement;
  if (a && a !== document.body && !(a as HTMLElement).hasAttribute('disabled')) return;
  (running ? page.btnCancel : page.saving).focus();
});

function setRunning(r: 'find' | 'apply' | undefined): void {
  const was = running;
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
  keepFocus(was, r);
}

// ---- input ------------------------------------------------------------------------------------

filterBox.addEventListener('input', () => {
  refreshList();
  saveState();
});
page.btnInspect.addEventListener('click', () => list?.selected && post({ type: 'dedupeOpen', ...list.selected }));
page.btnReveal.addEventListener('click', () => list?.selected && post({ type: 'dedupeReveal', ...list.selected }));
page.btnFind.addEventListener('click', () => !running && post({ type: 'dedupeFind' }));
btnFindAgain.addEventListener('click', () => !running && post({ type: 'dedupeFind' }));
page.btnCancel.addEventListener('click', () => post({ type: 'dedupeCancel' }));
btnApply.addEventListener('click', () => {
  if (btnApply.hasAttribute('disabled') || !plan) return;
  const groups = applicable();
  if (groups.length) post({ type: 'dedupeApply', groups });
});

function onMessage(m: HostMessage): void {
  switch (m.type) {
    case 'dedupeProgress':
      banner.setAttribute('hidden', '');
      // the host's sentence, the one its notification shows for the same update
      progressText.textContent = m.message || (m.phase === 'find' ? l10n.t('Finding duplicates…') : l10n.t('Deduplicating…'));
      progressText.title = m.message;
      setRunning(m.phase);
      break;
    case 'dedupe':
      canApply = m.canApply;
      cannotApplyReason = m.cannotApplyReason;
      showPlan(m.plan);
      showReport(page, m.report, m.plan);
      // the host says whether it runs something (the progress messages say how far it got)
      setRunning(m.running);
      break;
    case 'error':
      showBanner(banner, page.bannerCode, page.bannerText, m);
      setRunning(undefined);
      break;
    default:
      break;
  }
}
onHostMessage(onMessage);
setRunning(undefined);
post({ type: 'ready' });
