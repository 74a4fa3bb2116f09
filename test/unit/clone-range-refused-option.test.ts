// --atomic where the OS has no all-or-nothing clone (Linux, macOS): the engine refuses it before
// any call and says so in a field (FsctlError.refusedOption), and the CLI makes that a usage
// error (exit 2) from the field alone. It matched the message's words: a rewording would have
// turned the usage error into a failed clone (exit 1) without a test noticing.

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { createEngine, FsctlError } from '../../src/engine';
import { asUsageError } from '../../src/cli/commands/clone-range';
import { UsageError } from '../../src/cli/usage-error';

const refusal = (message: string, refusedOption?: 'atomic'): FsctlError =>
  new FsctlError({ operation: 'clone-range', code: 'E_UNSUPPORTED', paths: ['/x/a', '/x/b'], message, refusedOption });

describe('clone-range --atomic refused: the CLI reads the field, not the words', () => {
  test('reworded, the field kept: still a usage error, in the new words', () => {
    const u = asUsageError(refusal('clone-range: no all-or-nothing cloning here (E_UNSUPPORTED): clone without --atomic.', 'atomic'));
    assert.ok(u instanceof UsageError, String(u));
    assert.equal(u.message, '--atomic: no all-or-nothing cloning here (E_UNSUPPORTED): clone without --atomic.');
  });

  test("today's words without the field: a failed clone as it came, not a usage error", () => {
    const e = refusal('clone-range: an atomic (all or nothing) clone is not possible on Linux (E_UNSUPPORTED): clone without it.');
    assert.equal(asUsageError(e), e);
  });

  test('the field crosses from the worker (toJSON, fromJSON) and survives a resaid error', () => {
    const e = refusal('clone-range: any words (E_UNSUPPORTED).', 'atomic');
    assert.equal(FsctlError.fromJSON(e.toJSON()).refusedOption, 'atomic');
    assert.equal(refusal('clone-range: other (E_UNSUPPORTED).').toJSON().refusedOption, undefined);
  });

  test(
    'the engine on Linux refuses atomic with the field set, before touching either file',
    { skip: process.platform !== 'linux' },
    async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'el-refused-option-'));
      try {
        const a = path.join(dir, 'a');
        const b = path.join(dir, 'b');
        fs.writeFileSync(a, Buffer.alloc(65536, 1));
        fs.writeFileSync(b, Buffer.alloc(65536, 2));
        const engine = createEngine();
        try {
          await assert.rejects(engine.cloneRange(a, 0n, b, 0n, 65536n, { atomic: true }), (e: unknown) => {
            assert.ok(e instanceof FsctlError, String(e));
            assert.equal(e.code, 'E_UNSUPPORTED');
            assert.equal(e.refusedOption, 'atomic');
            assert.ok(asUsageError(e) instanceof UsageError);
            return true;
          });
        } finally {
          await engine.dispose();
        }
        assert.deepEqual(fs.readFileSync(b), Buffer.alloc(65536, 2));
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
