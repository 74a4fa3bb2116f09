// SmbTransport.close of an unfinished (delete-on-close) destination whose connection drops under
// the CLOSE itself: the server may have stopped before running the delete, so the handle says the
// file may be left (the engine's error then names it) and it is remembered for deletion on the
// next connection to the share. A trial killed smbd during a copy between two shares: the
// source's connection failed first, the destination's CLOSE was sent before its own drop was
// seen, and the 300 MiB temporary file stayed on the share, named nowhere.
// No SMB server needed: the client is a stand-in whose CLOSE fails as a dropped connection does.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SmbClient } from '../../src/engine/backends/smb/protocol/client';
import { parseSmbUri } from '../../src/engine/backends/smb/protocol/uri';
import { SmbTransport, type SmbHandle } from '../../src/engine/backends/smb/transport';

function handle(over: Partial<SmbHandle>): { h: SmbHandle; closes: () => number } {
  let closes = 0;
  const conn = { closed: false };
  const client = {
    where: '127.0.0.1:1',
    conn,
    async close() {
      closes++;
      conn.closed = true; // the socket's drop arrives while the CLOSE waits
      throw Object.assign(new Error('The connection to the SMB server 127.0.0.1:1 was dropped (ECONNRESET)'), { code: 'ECONNRESET' });
    },
  } as unknown as SmbClient;
  const path = 'smb://u@127.0.0.1:1/other/.el-0123456789ab.tmp';
  const h: SmbHandle = { path, target: parseSmbUri(path), client, fileId: Buffer.alloc(16), closed: false, ...over };
  return { h, closes: () => closes };
}

test('a delete-on-close file whose CLOSE meets the connection drop may be left: mayBeLeft says so', async () => {
  const t = new SmbTransport();
  const { h, closes } = handle({ created: true, deleteOnClose: true });
  await assert.rejects(t.close(h), /ECONNRESET/);
  assert.equal(closes(), 1);
  assert.equal(t.mayBeLeft(h), true);
});

test('a file of the person (not made by this open) is never taken for one to delete', async () => {
  const t = new SmbTransport();
  const { h } = handle({ created: false, deleteOnClose: false });
  await assert.rejects(t.close(h), /ECONNRESET/);
  assert.equal(t.mayBeLeft(h), false);
});
