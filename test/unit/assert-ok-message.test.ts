// test/support/assert-ok-message.mjs: a failing bare assert.ok in a tsx-run test fails at once
// with the value named, where node 20's own message (read from the source at the compiled
// code's column) took minutes. The fixture runs in a node of its own, as scripts/test.sh runs
// every test file; the 60 s limit only stops a hang (it fails in well under a second).

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { test } from 'node:test';

const root = path.resolve(__dirname, '..', '..');

test('a failing assert.ok with no message fails at once and names the value', () => {
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', '--import', './test/support/assert-ok-message.mjs', 'test/unit/fixtures/bare-assert-ok.ts'],
    // (not as a subtest of this run: a node of its own)
    { cwd: root, encoding: 'utf8', timeout: 60_000, env: { ...process.env, NODE_TEST_CONTEXT: undefined } },
  );
  assert.equal(r.signal, null, 'it did not hang');
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /assert\.ok got false, a falsy value/);
  assert.match(r.stdout, /bare-assert-ok\.ts:911:/, 'the stack names the line');
});
