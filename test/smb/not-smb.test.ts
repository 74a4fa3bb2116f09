// An smb:// address whose port another service answers (a web server or proxy, SSH): a trial's
// address was answered by a proxy with "HTTP/1.1 …", and Open SMB Share said "The SMB server
// 10.255.255.1:445 sent a malformed frame (EPROTO): the NetBIOS session header has packet type
// 0x48 … Retry, and if it repeats, check the server". The answer's text is named, and the port is
// what to check. No root, no Samba: a plain TCP server on 127.0.0.1.

import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { test } from 'node:test';
import { SmbClient } from '../../src/engine/backends/smb/protocol/client';
import type { FsctlError } from '../../src/engine/errors';
import { opts } from './hostile-client';

async function answering(text: string): Promise<{ server: Server; port: number }> {
  const server = createServer((sock) => {
    sock.on('error', () => undefined);
    // as a proxy or web server does to bytes it cannot read; SSH says its banner at once
    sock.once('data', () => sock.end(text));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const a = server.address();
  return { server, port: typeof a === 'object' && a ? a.port : 0 };
}

for (const [text, start, hint] of [
  ['HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n', 'HTTP', /a web server or proxy for "HTTP"/],
  ['SSH-2.0-OpenSSH_9.2\r\n', 'SSH-', /SSH for "SSH-"/],
] as const) {
  test(`a port answered with "${start}…": EPROTO naming the text and the port to check, not "Retry"`, { timeout: 10000 }, async () => {
    const { server, port } = await answering(text);
    try {
      await assert.rejects(SmbClient.connect(opts(port)), (e: FsctlError) => {
        assert.equal(e.code, 'EPROTO', e.message);
        assert.ok(e.message.startsWith(`127.0.0.1:${port} answered with the text "${start}…", not SMB (EPROTO): `), e.message);
        assert.match(e.message, hint);
        assert.match(e.message, /check the host and the port \(SMB's is 445\)\.$/);
        assert.doesNotMatch(e.message, /Retry/);
        return true;
      });
    } finally {
      server.close();
    }
  });
}
