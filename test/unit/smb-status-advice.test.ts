// The sentences an SMB refusal is shown with: a status a person can act on names what to do.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SmbStatusError } from '../../src/engine/backends/smb/protocol/errors';
import { STATUS } from '../../src/engine/backends/smb/protocol/status';

test('STATUS_MEDIA_WRITE_PROTECTED says the server side is read-only (a btrfs snapshot), not just the bare status', () => {
  const where = 'smb://u@h/data/.snapshots/1/snapshot/new.bin';
  const e = new SmbStatusError(STATUS.STATUS_MEDIA_WRITE_PROTECTED, 'CREATE', [where], where);
  assert.equal(e.code, 'STATUS_MEDIA_WRITE_PROTECTED');
  assert.match(e.message, /STATUS_MEDIA_WRITE_PROTECTED/);
  assert.match(e.message, /read-only/);
  assert.match(e.message, /snapshot/);
  assert.doesNotMatch(e.message, /^The server answered SMB2 CREATE/);
});
