// A dedupe run whose connection drops under a range, then whose measurement of the free space is
// refused (an SMB server stopped mid-run: the reconnect meets nothing listening). A trial in VS
// Code showed only the refusal: "Nothing accepts SMB connections … (ECONNREFUSED); check the host
// and port, and that the server runs. Before that, … were shared" — the drop that stopped the
// sharing, noted with its range, was nowhere. It now comes first. A stand-in backend answers.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyDedupe } from '../../src/engine/dedupe-apply';
import { SignalContext } from '../../src/engine/context';
import type { ExtendedBackend } from '../../src/engine/backend-ext';
import { FsctlError } from '../../src/engine/errors';
import type { DedupePlan } from '../../src/engine/dedupe-types';

const MiB = 1024n * 1024n;
const drop = (p: string) =>
  new FsctlError({
    operation: 'dedupe',
    code: 'ECONNRESET',
    paths: [p],
    message: 'The connection to the SMB server nas:445 was dropped: the connection was reset (ECONNRESET) while IOCTL was in flight.',
  });
const refused = new FsctlError({
  operation: 'dedupe',
  code: 'ECONNREFUSED',
  paths: ['/v/a'],
  message: 'Nothing accepts SMB connections at nas:445 (ECONNREFUSED); check the host and port, and that the server runs.',
});

function standIn(): ExtendedBackend {
  let calls = 0;
  let measured = 0;
  return {
    name: 'stand-in',
    stat: async () => ({ kind: 'file', size: 8n * MiB, volumeId: '42' }),
    dedupeSupport: async () => undefined,
    dedupeRange: (_s: string, _o: bigint, length: bigint, dests: { path: string }[]) =>
      dests.map((d) => (++calls === 1 ? { status: 'same', bytes: length } : { status: 'ECONNRESET', bytes: 0n, message: drop(d.path).message })),
    freeBytesSynced: async () => {
      if (measured++ === 0) return 100n * MiB;
      throw refused;
    },
  } as unknown as ExtendedBackend;
}

test('the drop that stopped the sharing is said before the refused measurement, with what was shared', async () => {
  const g = (at: bigint) => ({
    length: MiB,
    ranges: [
      { path: '/v/a', offset: at },
      { path: '/v/b', offset: at },
    ],
    netSaving: MiB,
    candidateBytes: MiB,
    wholeFiles: false,
    warnings: [],
  });
  const plan: DedupePlan = {
    groups: [g(0n), g(MiB)],
    total: { groups: 2, candidateBytes: 2n * MiB, netSaving: 2n * MiB, files: 2, hashedBytes: 4n * MiB },
    errors: [],
    notes: [],
    durationMs: 1,
  };
  const b = standIn();
  await assert.rejects(applyDedupe(async () => b, plan, new SignalContext('dedupe', [])), (e: FsctlError) => {
    assert.equal(e.code, 'ECONNREFUSED');
    assert.equal(
      e.message,
      'Sharing stopped at /v/b: The connection to the SMB server nas:445 was dropped: the connection was reset (ECONNRESET) while IOCTL was in flight. ' +
        'Then measuring the free space failed: Nothing accepts SMB connections at nas:445 (ECONNREFUSED); check the host and port, and that the server runs. ' +
        'Before that, 1048576 bytes were shared in 2 calls; what was shared stays shared and every file reads as before. The space freed was not measured. Run dedupe again to share the rest.',
    );
    return true;
  });
});
