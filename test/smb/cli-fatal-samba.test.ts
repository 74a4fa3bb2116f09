// `extent-lens space` and `dedupe` when no path could be examined at all over SMB, against a
// real Samba: a wrong password (STATUS_LOGON_FAILURE), a share the server does not have
// (STATUS_BAD_NETWORK_NAME) and a port nothing listens on (ECONNREFUSED). Only the error is
// printed (no empty report), exit 1; with --json the document is still valid JSON holding it.

import assert from 'node:assert/strict';
import { chownSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { SMB_PASSWORD, freePort, sambaSkipReason, startSamba, type SambaServer } from '../support/samba';
import { cli, ensureBuilt } from '../cli/run-cli';
import { smbUid } from './helpers';

const skip = sambaSkipReason();

describe('space and dedupe: a fatal SMB error prints only the error, exit 1', { skip, timeout: 120_000 }, () => {
  let smb: SambaServer;
  let dir: string;

  before(async () => {
    ensureBuilt();
    dir = mkdtempSync(join(tmpdir(), 'el-cli-fatal-'));
    writeFileSync(join(dir, 'f'), Buffer.alloc(8192, 1));
    for (const p of [dir, join(dir, 'f')]) chownSync(p, smbUid(), 0);
    smb = await startSamba({ shares: [{ name: 's', path: dir }] });
  });
  after(async () => {
    await smb?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const env = (password: string): NodeJS.ProcessEnv => ({ ...process.env, EXTENT_LENS_SMB_PASSWORD: password });

  for (const command of ['space', 'dedupe'] as const) {
    test(`${command}: wrong password, missing share, connection refused`, async () => {
      const refused = `smb://el-smbtest@127.0.0.1:${await freePort()}/s`;
      const cases: Array<[string, string, string, RegExp]> = [
        ['wrong password', smb.uri('s'), 'not-the-password', /STATUS_LOGON_FAILURE/],
        ['missing share', smb.uri('nosuch'), SMB_PASSWORD, /STATUS_BAD_NETWORK_NAME/],
        ['connection refused', refused, SMB_PASSWORD, /ECONNREFUSED/],
      ];
      for (const [what, uri, password, code] of cases) {
        const r = cli([command, uri], { env: env(password) });
        assert.equal(r.code, 1, `${what}: ${r.stderr}${r.stdout}`);
        assert.equal(r.stdout, '', `${what}: no empty report`);
        assert.match(r.stderr, code, what);
        assert.equal(r.stderr.trim().split('\n').length, 1, `${what}: one line: ${r.stderr}`);
        const j = cli([command, uri, '--json'], { env: env(password) });
        assert.equal(j.code, 1, what);
        const doc = JSON.parse(j.stdout);
        assert.equal(doc.errors.length, 1, what);
        assert.match(doc.errors[0].code, code, what);
        assert.equal(doc.errors[0].failed, true, what);
      }
      // the share itself is fine: 0, and the report
      const ok = cli([command, smb.uri('s')], { env: env(SMB_PASSWORD) });
      assert.equal(ok.code, 0, ok.stderr);
      assert.match(ok.stdout, /^total: /m);
    });
  }
});
