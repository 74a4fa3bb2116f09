// The dedupe table's warnings (src/cli/commands/dedupe.ts): at most 20 lines, then a count, so a
// writer busy during the scan (a warning on every group) does not bury the totals; and the
// saving's lower bound on the total line.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dedupeHuman, skippedLines } from '../../src/cli/commands/dedupe-human';
import { classifyProblems } from '../../src/cli/path-problems';
import type { DedupeGroup, DedupePlan, DedupeReport } from '../../src/engine';

const group = (i: number): DedupeGroup => ({
  length: 4096n,
  ranges: [
    { path: `/m/a${i}`, offset: 0n },
    { path: `/m/b${i}`, offset: 0n },
  ],
  netSaving: 0n,
  netSavingMin: 0n,
  candidateBytes: 4096n,
  wholeFiles: true,
  warnings: [`4096 bytes lie in extents that would be shared only in part (group ${i})`],
});

test('at most 20 warning lines, then how many more; the lower bound said when below the saving', () => {
  const groups = Array.from({ length: 25 }, (_, i) => group(i));
  const plan: DedupePlan = {
    groups,
    total: { groups: 25, candidateBytes: 25n * 4096n, netSaving: 8n << 20n, netSavingMin: 7n << 20n, files: 50, hashedBytes: 0n },
    errors: [],
    notes: [],
    durationMs: 1,
  };
  const out = dedupeHuman(plan, classifyProblems(['/m'], []));
  const warnings = out.split('\n').filter((l) => l.startsWith('warning: '));
  assert.equal(warnings.length, 21);
  assert.match(warnings[19], /^warning: group 20: /);
  assert.equal(warnings[20], 'warning: 5 more warnings on the groups above (--json lists them all)');
  assert.match(out, /net saving 8388608 \(8 MiB\), at least 7340032 \(7 MiB\) \(see the warnings\)/);
  // compressed data: the reason is a note, not a warning
  const quiet = { ...plan, groups: [{ ...group(0), warnings: [], compressed: true }] };
  assert.match(dedupeHuman(quiet, classifyProblems(['/m'], [])), /at least 7340032 \(7 MiB\) \(see the notes\)/);
  const both = { ...plan, groups: [group(0), { ...group(1), compressed: true }] };
  assert.match(dedupeHuman(both, classifyProblems(['/m'], [])), /at least 7340032 \(7 MiB\) \(see the warnings and notes\)/);
});

test("a group's net saving: one figure where exact, its bounds where not (as the total line)", () => {
  const g = (netSaving: bigint, netSavingMin?: bigint): DedupeGroup => ({ ...group(0), warnings: [], netSaving, netSavingMin });
  const plan = (groups: DedupeGroup[]): DedupePlan => ({
    groups,
    total: { groups: groups.length, candidateBytes: 4096n, netSaving: 0n, files: 2, hashedBytes: 0n },
    errors: [],
    notes: [],
    durationMs: 1,
  });
  const firstRow = (x: DedupeGroup) => dedupeHuman(plan([x]), classifyProblems(['/m'], [])).split('\n')[1];
  assert.match(firstRow(g(8388608n, 8388608n)), /^\s+1\s+8388608\s+4096\s+0\s+source \(file\)/);
  assert.match(firstRow(g(8388608n)), /^\s+1\s+8388608\s/, 'no lower bound: exact');
  assert.match(firstRow(g(8388608n, 0n)), /^\s+1\s+up to 8388608\s/);
  assert.match(firstRow(g(8388608n, 4096n)), /^\s+1\s+4096 to 8388608\s/);
});

test('a group of many ranges shows its first 19 and how many more (--json lists them)', () => {
  const ranges = Array.from({ length: 64 }, (_, k) => ({ path: '/m/zeros', offset: BigInt(k) * 131072n }));
  const g: DedupeGroup = { ...group(0), warnings: [], ranges, wholeFiles: false };
  const plan: DedupePlan = {
    groups: [g],
    total: { groups: 1, candidateBytes: 0n, netSaving: 0n, files: 1, hashedBytes: 0n },
    errors: [],
    notes: [],
    durationMs: 1,
  };
  const lines = dedupeHuman(plan, classifyProblems(['/m'], [])).split('\n');
  assert.equal(lines.filter((l) => l.endsWith('/m/zeros')).length, 19);
  assert.match(lines[20], /^\s+… and 45 more ranges \(--json lists them\)$/);
});

test('no group: nothing found, or nothing this user can share, and only in what was examined when paths failed', () => {
  const empty: DedupePlan = {
    groups: [],
    total: { groups: 0, candidateBytes: 0n, netSaving: 0n, files: 4, hashedBytes: 0n },
    errors: [],
    notes: [],
    durationMs: 1,
  };
  const first = (p: DedupePlan) => dedupeHuman(p, classifyProblems(['/m'], [])).split('\n')[0];
  assert.equal(first(empty), 'no duplicate data found');
  const failed = { ...empty, errors: [{ path: '/m/x', code: 'EACCES', message: 'open /m/x: permission denied (EACCES).' }] };
  assert.equal(first(failed), 'no duplicate data found in the 4 files examined');
  assert.equal(
    first({ ...empty, total: { ...empty.total, lockedIn: 2 } }),
    'no duplicate data that can be shared here: the 2 sets of identical data found are in files this user may not change (see the note below)',
  );
  assert.equal(
    first({ ...failed, total: { ...failed.total, lockedIn: 1 } }),
    'no duplicate data that can be shared in the 4 files examined: the 1 set of identical data found is in files this user may not change (see the note below)',
  );
});

test('skipped ranges on stderr: one line per message, with how many ranges when more than one', () => {
  const skipped = (path: string, offset: bigint, message: string) => ({ path, offset, length: 4096n, reason: 'EPERM', message });
  const refused = 'dedupe: ioctl(FIDEDUPERANGE) failed on /m/a -> /m/b: the file is immutable (EPERM).';
  const report: DedupeReport = {
    method: 'FIDEDUPERANGE',
    deduped: 0n,
    alreadyShared: 0n,
    differed: 0,
    skipped: [skipped('/m/b', 0n, refused), skipped('/m/b', 4096n, refused), skipped('/m/c', 0n, 'dedupe: /m/c is gone (ENOENT).')],
    calls: 2,
    freed: 0n,
    estimated: 8192n,
    notes: [],
    durationMs: 1,
  };
  assert.deepEqual(skippedLines(report), [
    'extent-lens dedupe: ioctl(FIDEDUPERANGE) failed on /m/a -> /m/b: the file is immutable (EPERM). (2 ranges)\n',
    'extent-lens dedupe: /m/c is gone (ENOENT).\n',
  ]);
  // the apply line: the estimate was the whole plan's, and says what of it was left alone
  const plan1: DedupePlan = {
    groups: [group(0)],
    total: { groups: 1, candidateBytes: 8192n, netSaving: 8192n, netSavingMin: 8192n, files: 3, hashedBytes: 0n },
    errors: [],
    notes: [],
    durationMs: 1,
  };
  assert.match(
    dedupeHuman(plan1, classifyProblems(['/m'], []), report),
    /freed 0 bytes measured \(estimated 8192 \(8 KiB\) for the whole plan, of which 3 ranges were left alone: 12288 \(12 KiB\) long in all, holes included\)/,
  );
  // cancelled part way, nothing skipped: the estimate beside the freed figure is still the whole plan's
  const cut: DedupeReport = { ...report, skipped: [], freed: 4096n, cancelled: { groupsDone: 1, groups: 2, countsAtLeast: false } };
  assert.match(
    dedupeHuman(plan1, classifyProblems(['/m'], []), cut),
    /freed 4096 \(4 KiB\) measured \(estimated 8192 \(8 KiB\) for the whole plan\)$/m,
  );
  // a changed tree: hundreds of ranges, each its own message; 20 lines, then one for the rest
  const many = {
    ...report,
    skipped: Array.from({ length: 232 }, (_, i) => skipped('/m/d', BigInt(i) * 4096n, `/m/d at ${i * 4096}: differs.`)),
  };
  const lines = skippedLines(many);
  assert.equal(lines.length, 21);
  assert.equal(lines[19], 'extent-lens dedupe: /m/d at 77824: differs.\n');
  assert.equal(lines[20], 'extent-lens dedupe: and 212 more skipped ranges (--json lists each in "skipped")\n');
});

test('--apply with nothing to apply: no method named, no "freed … measured", no note on how freed is measured', async () => {
  // Found by hand: 'dedupe --apply smb://…/ro' (no duplicates on a share) printed
  // "applied (FIDEDUPERANGE): shared 0 bytes in 0 calls, …; freed 0 bytes measured": the Linux
  // call named for an SMB share, and a measurement that was never made.
  const { createEngine } = await import('../../src/engine');
  const engine = createEngine();
  const empty: DedupePlan = {
    groups: [],
    total: { groups: 0, candidateBytes: 0n, netSaving: 0n, netSavingMin: 0n, files: 0, hashedBytes: 0n },
    errors: [],
    notes: [],
    durationMs: 1,
  };
  try {
    const report = await engine.dedupe(empty);
    assert.equal(report.method, 'none');
    assert.equal(report.calls, 0);
    const out = dedupeHuman(empty, classifyProblems(['smb://u@h/s'], []), report);
    assert.match(out, /^nothing to apply: no duplicate data was found; nothing was changed$/m);
    assert.doesNotMatch(out, /applied \(|FIDEDUPERANGE|measured|freed is the change/);
    // identical data only in files this user may not change (a read-only mount): found, not "none found"
    const locked = { ...empty, total: { ...empty.total, files: 2, lockedIn: 1 } };
    const lockedOut = dedupeHuman(locked, classifyProblems(['/m'], []), await engine.dedupe(locked));
    assert.match(lockedOut, /^nothing to apply: the identical data found is only in files this user may not change; nothing was changed$/m);
    assert.doesNotMatch(lockedOut, /no duplicate data was found/);
  } finally {
    await engine.dispose();
  }
});

test('the command to measure again later is quoted once, so it can be copied: a path with a space in single quotes inside double ones', () => {
  // Found by hand: "'extent-lens volume 'smb://…/data/dup 3 ü.bin'' shows it now": quotes in quotes.
  const plan: DedupePlan = {
    groups: [group(0)],
    total: { groups: 1, candidateBytes: 4096n, netSaving: 4096n, netSavingMin: 0n, files: 2, hashedBytes: 8192n },
    errors: [],
    notes: [],
    durationMs: 1,
  };
  const report = (path: string): DedupeReport => ({
    method: 'FSCTL_DUPLICATE_EXTENTS_TO_FILE (verified)',
    deduped: 4096n,
    alreadyShared: 0n,
    differed: 0,
    skipped: [],
    calls: 1,
    freed: 0n,
    estimated: 4096n,
    notes: [],
    durationMs: 1,
    remeasure: { settled: 0n, volumes: [{ path, freeBefore: 1000n }] },
  });
  const spaced = dedupeHuman(plan, classifyProblems(['smb://u@h/s'], []), report('smb://u@h/s/dup 3 ü.bin'));
  assert.match(spaced, /; "extent-lens volume 'smb:\/\/u@h\/s\/dup 3 ü\.bin'" shows it now/);
  const plain = dedupeHuman(plan, classifyProblems(['smb://u@h/s'], []), report('smb://u@h/s/a.bin'));
  assert.match(plain, /; 'extent-lens volume smb:\/\/u@h\/s\/a\.bin' shows it now/);
});

test('the total line says how much of the duplicate data is already shared (a reflinked backup chain: all of it)', () => {
  // two days of a chain made with cp --reflink: every copy already at the source's blocks
  const chain: DedupeGroup = {
    ...group(0),
    warnings: [],
    ranges: [
      { path: '/b/day1/vm.img', offset: 0n },
      { path: '/b/day2/vm.img', offset: 0n, alreadyShared: true },
    ],
    candidateBytes: 1n << 20n,
    alreadySharedBytes: 1n << 20n,
  };
  const plan: DedupePlan = {
    groups: [chain],
    total: { groups: 1, candidateBytes: 1n << 20n, netSaving: 0n, netSavingMin: 0n, files: 2, hashedBytes: 1n << 20n },
    errors: [],
    notes: [],
    durationMs: 1,
  };
  assert.match(
    dedupeHuman(plan, classifyProblems(['/b'], [])),
    /^total: 1 group \(2 files examined\), duplicate 1048576 \(1 MiB\), of which already shared 1048576 \(1 MiB\), net saving 0 bytes /m,
  );
  // nothing already shared: the line as before
  const copies = { ...plan, groups: [{ ...chain, alreadySharedBytes: 0n, netSaving: 1n << 20n }] };
  assert.match(dedupeHuman(copies, classifyProblems(['/b'], [])), /^total: 1 group \(2 files examined\), duplicate 1048576 \(1 MiB\), net saving 0 bytes /m);
});

test('groups whose copies all share the source’s blocks already: one line after the table, not a row each (a trial: 947 groups, 2,035 lines)', () => {
  const settled = (i: number): DedupeGroup => ({
    ...group(i),
    warnings: [],
    ranges: [
      { path: `/b/day1/f${i}`, offset: 0n },
      { path: `/b/day2/f${i}`, offset: 0n, alreadyShared: true },
    ],
    alreadySharedBytes: 4096n,
  });
  const worth: DedupeGroup = { ...group(99), warnings: [], netSaving: 4096n, netSavingMin: 4096n, alreadySharedBytes: 0n };
  const plan: DedupePlan = {
    groups: [worth, ...Array.from({ length: 30 }, (_, i) => settled(i))],
    total: { groups: 31, candidateBytes: 31n * 4096n, netSaving: 4096n, netSavingMin: 4096n, files: 62, hashedBytes: 0n },
    errors: [],
    notes: [],
    durationMs: 1,
  };
  const out = dedupeHuman(plan, classifyProblems(['/b'], []));
  assert.doesNotMatch(out, /day2\/f/, 'no row of a settled group');
  assert.match(out, /\/m\/b99/);
  assert.match(
    out,
    /^and 30 groups of identical data whose copies already share the source's blocks \(clones, reflinked copies: 122880 \(120 KiB\)\): nothing to gain, not listed \(--json lists them\)$/m,
  );
  // only such groups: the line alone, never "no duplicate data found"
  const only = { ...plan, groups: plan.groups.slice(1), total: { ...plan.total, groups: 30, netSaving: 0n, netSavingMin: 0n } };
  const alone = dedupeHuman(only, classifyProblems(['/b'], []));
  assert.match(alone, /^30 groups of identical data whose copies already share/m);
  assert.doesNotMatch(alone, /no duplicate data found|^group /m);
});
