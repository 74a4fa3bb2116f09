// The notification after Deduplicate (src/views/dedupe-notice.ts): the ranges left alone, changed
// since the search or refused, each count said in a whole sentence of its own.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DedupeReport } from '../../src/engine';
import { appliedNotice } from '../../src/views/dedupe-notice';
import { plainT } from '../../src/host/logic/translate';

const MiB = 1n << 20n;
const base: DedupeReport = {
  deduped: 0n,
  alreadyShared: 0n,
  differed: 0,
  skipped: [],
  calls: 1,
  freed: 0n,
  estimated: 2n * MiB,
  estimatedMin: 2n * MiB,
  method: 'FIDEDUPERANGE',
  notes: [],
  durationMs: 30,
};
const refusal = { path: '/x/b', offset: 0n, length: 2n * MiB, reason: 'EOPNOTSUPP', message: 'dedupe: no FIDEDUPERANGE here' };
const change = { path: '/f/d3', offset: 0n, length: 6n * MiB, reason: 'differs', message: 'changed since the scan' };

test('every range refused (XFS without reflink): said so, in words, not "0 range(s) had changed and 1 were refused"', () => {
  const s = appliedNotice({ ...base, skipped: [refusal] }, plainT);
  assert.equal(
    s,
    'Nothing was deduplicated, and nothing was freed; every file reads as before. 1 range was refused (the Dedupe view says why).',
  );
  assert.doesNotMatch(s, /\(s\)|had changed/);
  const two = appliedNotice({ ...base, differed: 2, skipped: [refusal, change, { ...change, reason: 'E_CHANGED' }] }, plainT);
  assert.equal(
    two,
    'Nothing was deduplicated, and nothing was freed; every file reads as before. 2 ranges had changed since the search and were left alone. 1 range was refused (the Dedupe view says why).',
  );
});

test('some shared, one range changed since the search: the notification says so after the figures', () => {
  const r = { ...base, deduped: 6n * MiB, alreadyShared: 6n * MiB, freed: 6n * MiB, estimated: 12n * MiB, estimatedMin: 12n * MiB };
  assert.equal(
    appliedNotice({ ...r, differed: 1, skipped: [change] }, plainT),
    'Deduplicated 6 MiB: 6 MiB freed (measured), 12 MiB estimated. Another 6 MiB was already shared and needed nothing. 1 range had changed since the search and was left alone.',
  );
  assert.equal(
    appliedNotice({ ...r, alreadyShared: 0n, skipped: [refusal, refusal, refusal] }, plainT),
    'Deduplicated 6 MiB: 6 MiB freed (measured), 12 MiB estimated. 3 ranges were refused (the Dedupe view says why).',
  );
  // nothing left alone: no sentence about it
  assert.equal(appliedNotice({ ...r, alreadyShared: 0n }, plainT), 'Deduplicated 6 MiB: 6 MiB freed (measured), 12 MiB estimated.');
});

test('a run cancelled in its only group: "0 of 1 group finished", not "0 of 1 groups"', () => {
  const r = {
    ...base,
    deduped: 48n * MiB,
    freed: 48n * MiB,
    estimated: 768n * MiB,
    cancelled: { groupsDone: 0, groups: 1, countsAtLeast: false },
  };
  assert.equal(
    appliedNotice(r, plainT),
    'Deduplicating was cancelled with 0 of 1 group finished (one under way may be shared in part): 48 MiB shared, 48 MiB freed (measured). Every file still reads as before; Find again shows what is left to share.',
  );
  assert.match(appliedNotice({ ...r, cancelled: { ...r.cancelled, groupsDone: 1, groups: 2 } }, plainT), /with 1 of 2 groups finished/);
});
