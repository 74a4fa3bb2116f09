// The CLI's one-line reports (src/cli/report.ts): what an operation did, in words a person reads.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { reportHuman } from '../../src/cli/report';

test('set-sparse over a share: the flag set, by which call, and no "0 bytes" (a flag moves none)', () => {
  const line = reportHuman(
    { operation: 'set-sparse', method: 'FSCTL_SET_SPARSE', source: 'smb://u@h/s/a.img', bytes: 0n, calls: 1, durationMs: 1.5 },
    { verb: 'set sparse flag on' },
  );
  assert.equal(line, 'set sparse flag on smb://u@h/s/a.img by FSCTL_SET_SPARSE in 1 call, 1.5 ms\n');
});

test('a copy says its bytes, method and calls; nothing done says so', () => {
  assert.match(
    reportHuman({ operation: 'copy', method: 'copy_file_range', source: 'a', destination: 'b', bytes: 4096n, calls: 2, durationMs: 3 }),
    /^copied a -> b: 4096 .* by copy_file_range in 2 calls, 3(\.0+)? ms\n$/,
  );
  assert.match(
    reportHuman({ operation: 'set-sparse', method: 'none', source: 'a', bytes: 0n, calls: 0, durationMs: 0.5 }, { verb: 'set sparse flag on' }),
    /^set sparse flag on a: nothing to do, /,
  );
});
