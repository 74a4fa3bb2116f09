// The Dedupe view's pure parts: plan and report to wire (exact above 2^53), the chosen part of a
// plan and what the confirmation names, both validators (host -> webview and webview -> host),
// and the settings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DedupePlan } from '../../src/engine';
import { applyFacts, choosePlanGroups, dedupeWirePlan, dedupeWireReport } from '../../src/views/dedupe-data';
import { applyQuestion } from '../../src/views/dedupe-confirm';
import { plainT } from '../../src/host/logic/translate';
import { parseWebviewMessage, type DedupeWirePlan } from '../../src/protocol/messages';
import { isDedupeWirePlan, isDedupeWireReport, parseHostMessage } from '../../src/protocol/host-message-check';
import { readDedupeOptions } from '../../src/host/logic/dedupe-settings';

const TOP = (1n << 64n) - 1n;
const plan: DedupePlan = {
  groups: [
    {
      length: 4096n,
      ranges: [
        { path: '/m/a', offset: (1n << 62n) + 1n },
        { path: '/m/b', offset: 0n, alreadyShared: true },
        { path: '/m/sub/c', offset: 8192n },
      ],
      netSaving: 4096n,
      candidateBytes: 2n * 4096n,
      wholeFiles: false,
      warnings: ['w'],
    },
    {
      length: 1n << 40n,
      ranges: [
        { path: '/m/b', offset: 0n },
        { path: '/m/d', offset: 0n },
      ],
      netSaving: 1n << 40n,
      netSavingMin: (1n << 40n) - 4096n, // 4 KiB shared with files that may be outside
      candidateBytes: 1n << 40n,
      wholeFiles: true,
      warnings: [],
    },
  ],
  total: { groups: 2, candidateBytes: 8192n + (1n << 40n), netSaving: 4096n + (1n << 40n), files: 9, hashedBytes: 123n },
  errors: [{ path: '/m/x', code: 'EACCES', message: 'no' }],
  notes: ['n'],
  durationMs: 1.5,
};

test('plan to wire: decimal strings, files by index, the base folder', () => {
  const w = dedupeWirePlan(plan, ['/m'], { chunk: 131072n, minSize: 4096n });
  assert.deepEqual(w.files, ['/m/a', '/m/b', '/m/sub/c', '/m/d']);
  assert.deepEqual(w.groups[0].ranges, [
    { file: 0, offset: String((1n << 62n) + 1n) },
    { file: 1, offset: '0', alreadyShared: true },
    { file: 2, offset: '8192' },
  ]);
  assert.equal(w.groups[1].ranges[0].file, 1, 'one index per path');
  assert.equal(w.base, '/m');
  assert.equal(w.total.netSaving, String(4096n + (1n << 40n)));
  assert.equal(w.groups[1].netSavingMin, String((1n << 40n) - 4096n));
  assert.equal(w.groups[0].netSavingMin, undefined);
  assert.equal(w.groups[0].candidateBytes, String(2n * 4096n), 'data bytes beyond the source, per group');
  assert.equal(w.cannotApply, undefined);
  assert.ok(isDedupeWirePlan(JSON.parse(JSON.stringify(w))));
  assert.ok(parseHostMessage({ type: 'dedupe', plan: w, canApply: false, cannotApplyReason: 'why' }));
});

test('plan validator: out-of-plan file index, a lone range, an overflowing range, a negative number are refused', () => {
  const w = dedupeWirePlan(plan, ['/m'], { chunk: 131072n, minSize: 4096n });
  // carried: a compressed group, the sets of identical data that cannot be shared
  const flagged = dedupeWirePlan(
    { ...plan, groups: [{ ...plan.groups[0], compressed: true }, ...plan.groups.slice(1)], total: { ...plan.total, lockedIn: 2 } },
    ['/m'],
    { chunk: 131072n, minSize: 4096n },
  );
  assert.equal(flagged.groups[0].compressed, true);
  assert.equal(flagged.groups[1].compressed, undefined);
  assert.equal(flagged.total.lockedIn, 2);
  const bad = (f: (p: DedupeWirePlan) => void) => {
    const c = JSON.parse(JSON.stringify(w)) as DedupeWirePlan;
    f(c);
    return isDedupeWirePlan(c);
  };
  assert.equal(
    bad(() => undefined),
    true,
  );
  assert.equal(
    bad((c) => (c.groups[0].ranges[0].file = 4)),
    false,
  );
  assert.equal(
    bad((c) => (c.groups[1].ranges = [c.groups[1].ranges[0]])),
    false,
  );
  assert.equal(
    bad((c) => (c.groups[0].ranges[0].offset = String(TOP))),
    false,
  );
  assert.equal(
    bad((c) => (c.total.netSaving = '-1')),
    false,
  );
  assert.equal(
    bad((c) => (c.groups[1].netSavingMin = 'x')),
    false,
  );
  assert.equal(
    bad((c) => ((c as unknown as { sep: string }).sep = ':')),
    false,
  );
  assert.equal(
    bad((c) => delete (c.groups[0] as Partial<DedupeWirePlan['groups'][number]>).candidateBytes),
    false,
  );
  assert.equal(
    bad((c) => (c.cannotApply = [{ path: '/m/a', code: 'EOPNOTSUPP', message: 'ext4 cannot share blocks' }])),
    true,
  );
  assert.equal(
    bad((c) => ((c as unknown as { cannotApply: unknown }).cannotApply = [{ path: 1 }])),
    false,
  );
  assert.equal(
    bad((c) => (c.groups[0].compressed = true)),
    true,
  );
  assert.equal(
    bad((c) => ((c.groups[0] as unknown as { compressed: string }).compressed = 'yes')),
    false,
  );
  assert.equal(
    bad((c) => (c.total.lockedIn = 3)),
    true,
  );
  assert.equal(
    bad((c) => (c.total.lockedIn = -1)),
    false,
  );
  assert.equal(parseHostMessage({ type: 'dedupe', plan: w, canApply: 'yes' }), undefined);
  assert.equal(parseHostMessage({ type: 'dedupeProgress', phase: 'apply', files: 0, bytes: '1', total: 'x', message: '' }), undefined);
});

test('read-only ranges and a file system that cannot share: carried to the wire (files by index), checked like the rest', () => {
  const why = 'ext4 cannot share blocks (EOPNOTSUPP): use btrfs, or XFS made with reflink=1 (over SMB: a share on one of those).';
  const g = plan.groups[0];
  const w = dedupeWirePlan(
    {
      ...plan,
      groups: [
        {
          ...g,
          ranges: [{ ...g.ranges[0], readOnly: true }, ...g.ranges.slice(1)],
          readOnly: [{ path: '/m/snap/ro-copy', offset: 0n, readOnly: true }],
          cannotShare: why,
        },
        ...plan.groups.slice(1),
      ],
    },
    ['/m'],
    { chunk: 131072n, minSize: 4096n },
  );
  const ro = w.groups[0].readOnly!;
  assert.equal(w.files[ro[0].file], '/m/snap/ro-copy', 'the read-only file is in the plan’s files');
  assert.deepEqual(ro, [{ file: ro[0].file, offset: '0', readOnly: true }]);
  assert.equal(w.groups[0].ranges[0].readOnly, true);
  assert.equal(w.groups[0].ranges[1].readOnly, undefined);
  assert.equal(w.groups[0].cannotShare, why);
  assert.equal(w.groups[1].readOnly, undefined);
  assert.equal(w.groups[1].cannotShare, undefined);
  assert.ok(isDedupeWirePlan(JSON.parse(JSON.stringify(w))));
  const bad = (f: (p: DedupeWirePlan) => void) => {
    const c = JSON.parse(JSON.stringify(w)) as DedupeWirePlan;
    f(c);
    return isDedupeWirePlan(c);
  };
  assert.equal(
    bad((c) => (c.groups[0].readOnly![0].file = 99)),
    false,
  );
  assert.equal(
    bad((c) => ((c.groups[0].readOnly![0] as unknown as { readOnly: string }).readOnly = 'yes')),
    false,
  );
  assert.equal(
    bad((c) => ((c.groups[0] as unknown as { readOnly: unknown }).readOnly = 'all')),
    false,
  );
  assert.equal(
    bad((c) => ((c.groups[0] as unknown as { cannotShare: unknown }).cannotShare = 1)),
    false,
  );
});

test('the chosen groups: totals over them; bad indexes refused; what the confirmation names', async () => {
  assert.equal(await choosePlanGroups(plan, [2]), undefined);
  assert.equal(await choosePlanGroups(plan, [0, 0]), undefined);
  assert.equal(await choosePlanGroups(plan, [-1]), undefined);
  const c = (await choosePlanGroups(plan, [1, 0]))!;
  assert.deepEqual(c.groups, plan.groups, 'in the plan’s order');
  const one = (await choosePlanGroups(plan, [1]))!;
  assert.deepEqual(one.total, {
    groups: 1,
    candidateBytes: 1n << 40n,
    netSaving: 1n << 40n,
    netSavingMin: (1n << 40n) - 4096n,
    files: 2,
    hashedBytes: 123n,
  });
  assert.equal((await choosePlanGroups(plan, [0]))!.total.netSavingMin, 4096n, 'a group without the bound: its saving');
  const facts = applyFacts(c);
  assert.deepEqual(
    facts,
    { bytes: 4096n + (1n << 40n), minBytes: 1n << 40n, files: 4, groups: 2, ranges: 2 },
    'b is already shared: no range to share',
  );
  // the confirmation asks about the range, never the top alone (a trial saw "200 MiB" asked and 100 MiB freed)
  const q = applyQuestion(facts, plainT);
  assert.equal(q.message, 'Deduplicate 4 files to free about 1 TiB?', 'bounds that round alike: one figure in the title');
  assert.match(
    q.detail,
    /^2 identical ranges in 2 groups will share one copy of their data, which should free between 1,099,511,627,776 bytes \(1 TiB\) and 1,099,511,631,872 bytes \(1 TiB\) \(the estimate: whether some/,
  );
  assert.equal(applyQuestion({ ...facts, minBytes: 0n, bytes: 4n << 20n }, plainT).message, 'Deduplicate 4 files to free 0 B – 4 MiB?');
  // rounded as the detail rounds it (a trial: "Deduplicate 10.1 MiB" over "about … (10.13 MiB)")
  const odd = applyQuestion({ ...facts, minBytes: 10616832n, bytes: 10616832n }, plainT);
  assert.equal(odd.message, 'Deduplicate 4 files to free 10.13 MiB?');
  assert.match(odd.detail, /should free 10,616,832 bytes \(10\.13 MiB\)/);
  // one figure, no bounds: not "about" (the result then says "the search estimated" that figure)
  const exact = applyQuestion({ ...facts, minBytes: facts.bytes }, plainT);
  assert.equal(exact.message, 'Deduplicate 4 files to free 1 TiB?');
  assert.match(exact.detail, /which should free 1,099,511,631,872 bytes \(1 TiB\) \(the estimate; the result is measured\)/);
  assert.equal(applyQuestion({ ...facts, files: 1, minBytes: facts.bytes }, plainT).message, 'Deduplicate 1 file to free 1 TiB?');
});

test('the confirmation counts the files that change: a range already sharing the source’s extents, or freeing nothing, is not one', async () => {
  // a trial: d1 the source, d1-clone its clone already, d2 and d3 to share: "Deduplicate 4 files" where 2 ranges changed 3
  const MiB6 = 6n << 20n;
  const g = (paths: string[], extra: Partial<DedupePlan['groups'][0]['ranges'][0]>[] = []) => ({
    length: MiB6,
    ranges: paths.map((path, i) => ({ path, offset: 0n, ...extra[i] })),
    netSaving: 2n * MiB6,
    netSavingMin: 2n * MiB6,
    candidateBytes: 3n * MiB6,
    wholeFiles: true,
    warnings: [],
  });
  const fresh = g(['/f/d1', '/f/d1-clone', '/f/d2', '/f/d3'], [{}, { alreadyShared: true }]);
  // (as the host asks: the chosen groups, their totals summed by the engine)
  const p = (await choosePlanGroups({ ...plan, groups: [fresh] }, [0]))!;
  assert.deepEqual(applyFacts(p), { bytes: 2n * MiB6, minBytes: 2n * MiB6, files: 3, groups: 1, ranges: 2 });
  assert.equal(applyQuestion(applyFacts(p), plainT).message, 'Deduplicate 3 files to free 12 MiB?');
  // a group whose every other range frees nothing changes no file, its source neither
  const idle = g(['/f/x', '/f/y'], [{}, { freesNothing: true }]);
  assert.equal(applyFacts({ ...plan, groups: [fresh, idle] }).files, 3);
});

test('report to wire', () => {
  const r = dedupeWireReport(
    {
      deduped: 1n << 60n,
      alreadyShared: 0n,
      differed: 2,
      skipped: [{ path: '/m/a', offset: 1n, length: 2n, reason: 'differs', message: 'm' }],
      calls: 3,
      freed: 5n,
      estimated: 6n,
      method: 'FIDEDUPERANGE',
      notes: [],
      durationMs: 7,
    },
    { groups: 1, files: 2 },
  );
  assert.equal(r.deduped, String(1n << 60n));
  assert.deepEqual(r.skipped, [{ path: '/m/a', offset: '1', length: '2', reason: 'differs', message: 'm' }]);
  assert.ok(isDedupeWireReport(JSON.parse(JSON.stringify(r))));
  assert.equal(isDedupeWireReport({ ...r, freed: 5 }), false);
  // a cancelled run's report: how far it got
  const c = { ...r, cancelled: { groupsDone: 1, groups: 3, countsAtLeast: true } };
  assert.ok(isDedupeWireReport(JSON.parse(JSON.stringify(c))));
  assert.equal(
    isDedupeWireReport({ ...c, cancelled: { groupsDone: 4, groups: 3, countsAtLeast: true } }),
    false,
    'more done than there were',
  );
  assert.equal(isDedupeWireReport({ ...c, cancelled: { groupsDone: 1, groups: 3, countsAtLeast: 'no' } }), false);
  assert.equal(isDedupeWireReport({ ...c, cancelled: true }), false);
});

test('webview -> host: groups and ranges by index only', () => {
  assert.deepEqual(parseWebviewMessage({ type: 'dedupeApply', groups: [3, 1] }), { type: 'dedupeApply', groups: [3, 1] });
  assert.equal(parseWebviewMessage({ type: 'dedupeApply', groups: [] }), undefined);
  assert.equal(parseWebviewMessage({ type: 'dedupeApply', groups: [1, 1] }), undefined);
  assert.equal(parseWebviewMessage({ type: 'dedupeApply', groups: [1.5] }), undefined);
  assert.equal(parseWebviewMessage({ type: 'dedupeApply', groups: ['1'] }), undefined);
  assert.deepEqual(parseWebviewMessage({ type: 'dedupeOpen', group: 0, range: 2, path: '/etc/passwd' }), {
    type: 'dedupeOpen',
    group: 0,
    range: 2,
  });
  assert.equal(parseWebviewMessage({ type: 'dedupeReveal', group: -1, range: 0 }), undefined);
  assert.deepEqual(parseWebviewMessage({ type: 'dedupeFind', extra: 1 }), { type: 'dedupeFind' });
  assert.deepEqual(parseWebviewMessage({ type: 'dedupeCancel' }), { type: 'dedupeCancel' });
});

test('settings: defaults, the byte-size grammar, plain numbers; wrong values named', () => {
  assert.deepEqual(readDedupeOptions(undefined, undefined), { chunk: 131072n, minSize: 4096n });
  assert.deepEqual(readDedupeOptions('1M', '0x1000'), { chunk: 1048576n, minSize: 4096n });
  assert.deepEqual(readDedupeOptions(65536, 0), { chunk: 65536n, minSize: 0n });
  const e = readDedupeOptions('big', undefined);
  assert.ok('error' in e && e.setting === 'extentLens.dedupe.chunkSize');
  const z = readDedupeOptions(0, undefined);
  assert.ok('error' in z && /at least 4 KiB/.test(z.error));
  const small = readDedupeOptions('2K', undefined);
  assert.ok('error' in small && /at least 4 KiB/.test(small.error));
  const m = readDedupeOptions(undefined, -5);
  assert.ok('error' in m && m.setting === 'extentLens.dedupe.minSize');
  assert.ok('error' in readDedupeOptions(undefined, 1.5));
});
