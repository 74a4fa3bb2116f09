// How a range that differed was found is a typed field of the backend's outcome
// (DedupeOutcome.differedBy), not read from its message: the report names the kernel's
// FILE_DEDUPE_RANGE_DIFFERS or the NT verify-then-clone's own byte compare whatever the
// backend's sentence says (dedupe-apply-group.ts). A stand-in backend answers; no file system.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyGroup, emptyTally, type Dedupable } from '../../src/engine/dedupe-apply-group';
import type { DedupeOutcome } from '../../src/engine/backend-ext';
import { SignalContext } from '../../src/engine/context';
import type { DedupeGroup } from '../../src/engine/dedupe-types';
import { FsctlError } from '../../src/engine/errors';

const K = 1024n;

/** A backend whose compare-and-share call answers `outcome` for every destination (no maps: every range is sent). */
function standIn(outcome: DedupeOutcome): Dedupable {
  return {
    name: 'stand-in',
    dedupeRange: (_s: string, _o: bigint, _l: bigint, dests: unknown[]) => dests.map(() => ({ ...outcome })),
    dedupeSupport: () => undefined,
    freeBytesSynced: () => 0n,
    extentMapPacked: () => {
      throw new FsctlError({ operation: 'map', code: 'EOPNOTSUPP', paths: [], message: 'no maps here (EOPNOTSUPP).' });
    },
  } as unknown as Dedupable;
}

const group = (): DedupeGroup => ({
  length: 128n * K,
  ranges: [
    { path: '/v/src', offset: 0n },
    { path: '/v/dst', offset: 256n * K },
  ],
  netSaving: 128n * K,
  candidateBytes: 128n * K,
  wholeFiles: false,
  warnings: [],
});

async function skippedMessage(outcome: DedupeOutcome): Promise<string> {
  const t = emptyTally();
  await applyGroup(standIn(outcome), group(), new SignalContext('dedupe', []), t, () => undefined);
  assert.equal(t.differed, 1);
  assert.equal(t.skipped.length, 1);
  assert.equal(t.skipped[0].reason, 'differs');
  return t.skipped[0].message;
}

test('a difference found by the backend’s own compare is named so, whatever its message says', async () => {
  // a sentence ending in another parenthesis: the old text parsing took that for the method
  const m = await skippedMessage({ status: 'differs', bytes: 0n, differedBy: 'compare', message: 'the bytes differ (E_SOMETHING).' });
  assert.equal(
    m,
    "/v/dst at 262144 (131072 bytes): the bytes differ from /v/src's (changed since the scan); left alone (compared before cloning).",
  );
  // and with no message at all
  assert.match(await skippedMessage({ status: 'differs', bytes: 0n, differedBy: 'compare' }), /left alone \(compared before cloning\)\.$/);
});

test('the kernel’s answer (or an outcome that does not say) is FILE_DEDUPE_RANGE_DIFFERS, a message in parentheses notwithstanding', async () => {
  assert.match(await skippedMessage({ status: 'differs', bytes: 0n, differedBy: 'kernel' }), /left alone \(FILE_DEDUPE_RANGE_DIFFERS\)\.$/);
  const m = await skippedMessage({ status: 'differs', bytes: 0n, message: 'something else (compared before cloning).' });
  assert.match(m, /left alone \(FILE_DEDUPE_RANGE_DIFFERS\)\.$/);
});
