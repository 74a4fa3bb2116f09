// The sentences an SMB refusal is shown with: a status a person can act on names what to do.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SmbStatusError } from '../../src/engine/backends/smb/protocol/errors';
import { STATUS } from '../../src/engine/nt/codec/ntstatus';

test('STATUS_MEDIA_WRITE_PROTECTED says the server side is read-only (a btrfs snapshot), not just the bare status', () => {
  const where = 'smb://u@h/data/.snapshots/1/snapshot/new.bin';
  const e = new SmbStatusError(STATUS.STATUS_MEDIA_WRITE_PROTECTED, 'CREATE', [where], where);
  assert.equal(e.code, 'STATUS_MEDIA_WRITE_PROTECTED');
  assert.match(e.message, /STATUS_MEDIA_WRITE_PROTECTED/);
  assert.match(e.message, /read-only/);
  assert.match(e.message, /snapshot/);
  assert.doesNotMatch(e.message, /^The server answered SMB2 CREATE/);
});

test('a status only the codec names (STATUS_NO_MEMORY: a restarted Samba answered TREE_CONNECT so) is named, not shown in hex, and says to try again', () => {
  const where = '//127.0.0.1:445/data';
  const e = new SmbStatusError(0xc0000017, 'TREE_CONNECT', [where], where);
  assert.equal(e.code, 'STATUS_NO_MEMORY');
  assert.doesNotMatch(e.message, /STATUS_0x/);
  assert.match(e.message, /could not find the memory or resources it needs for \/\/127\.0\.0\.1:445\/data \(STATUS_NO_MEMORY\); .*try again/);
  // a status in neither table keeps its hex
  assert.equal(new SmbStatusError(0xc0ffee01, 'CREATE', [where], where).code, 'STATUS_0xC0FFEE01');
});
