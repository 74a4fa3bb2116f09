// The SMB client against a hostile server on 127.0.0.1 (hostile-server.ts): malformed replies
// (StructureSize lies, lengths and offsets past the end, short bodies, truncated SPNEGO, another
// command's response) are EPROTO errors that name the command and the field, never Node's
// ERR_OUT_OF_RANGE. No root, no Samba: about 2 s.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { closeSmbConnections, configureSmb, setSmbPasswordProvider } from '../../src/engine/backends/smb';
import { SmbClient, type SmbConnectOptions } from '../../src/engine/backends/smb/protocol/client';
import { createEngine } from '../../src/engine/engine';
import { FsctlError } from '../../src/engine/errors';
import {
  Cmd,
  FILE_ID,
  St,
  challengeToken,
  createBody,
  directoryEntries,
  ioctlBody,
  negotiateBody,
  outputBody,
  readBody,
  sessionSetupBody,
  type HostileOptions,
} from './hostile-server';
import { QAR, qarInput, opts, withServer, isProtocolError, resetSmbAfter } from './hostile-client';

resetSmbAfter();

describe('malformed replies are EPROTO naming the command and the field', () => {
  const connectFails = async (o: HostileOptions, command: string, field: RegExp, more: Partial<SmbConnectOptions> = {}) =>
    withServer(o, async (s) => {
      await assert.rejects(SmbClient.connect(opts(s.port, more)), isProtocolError(command, field));
    });

  test('NEGOTIATE: StructureSize 65 but a 20-byte body', async () => {
    await connectFails(
      { on: (r) => (r.command === Cmd.NEGOTIATE ? [{ body: negotiateBody(0x0210).subarray(0, 20) }] : undefined) },
      'NEGOTIATE',
      /StructureSize/,
    );
  });

  test('NEGOTIATE 3.1.1: NegotiateContextOffset past the end', async () => {
    const body = negotiateBody(0x0311);
    body.writeUInt32LE(4000, 60);
    await connectFails(
      { dialect: 0x0311, on: (r) => (r.command === Cmd.NEGOTIATE ? [{ body }] : undefined) },
      'NEGOTIATE',
      /NegotiateContextOffset/,
      {
        dialects: ['3.1.1'],
      },
    );
  });

  test('NEGOTIATE 3.1.1: NegotiateContextCount larger than the contexts sent', async () => {
    const body = negotiateBody(0x0311);
    body.writeUInt16LE(9, 6);
    await connectFails(
      { dialect: 0x0311, on: (r) => (r.command === Cmd.NEGOTIATE ? [{ body }] : undefined) },
      'NEGOTIATE',
      /NegotiateContextCount/,
      {
        dialects: ['3.1.1'],
      },
    );
  });

  test("NEGOTIATE 3.1.1: a context's DataLength past the end", async () => {
    const body = negotiateBody(0x0311).subarray(0, 90); // the cipher context keeps its count, not its cipher
    await connectFails(
      { dialect: 0x0311, on: (r) => (r.command === Cmd.NEGOTIATE ? [{ body }] : undefined) },
      'NEGOTIATE',
      /NegotiateContextList\[1\]\.DataLength/,
      { dialects: ['3.1.1'] },
    );
  });

  test('SESSION_SETUP: a 4-byte body', async () => {
    await connectFails(
      {
        on: (r) =>
          r.command === Cmd.SESSION_SETUP ? [{ status: St.MORE_PROCESSING_REQUIRED, body: Buffer.from([9, 0, 0, 0]) }] : undefined,
      },
      'SESSION_SETUP',
      /StructureSize/,
    );
  });

  test('SESSION_SETUP: SecurityBufferOffset/Length past the end', async () => {
    const body = sessionSetupBody(challengeToken());
    body.writeUInt16LE(body.length + 100, 6);
    await connectFails(
      { on: (r) => (r.command === Cmd.SESSION_SETUP ? [{ status: St.MORE_PROCESSING_REQUIRED, body }] : undefined) },
      'SESSION_SETUP',
      /SecurityBufferOffset\/SecurityBufferLength/,
    );
  });

  test('SESSION_SETUP: the final answer with a 2-byte body', async () => {
    let n = 0;
    await connectFails(
      {
        on: (r) =>
          r.command !== Cmd.SESSION_SETUP
            ? undefined
            : ++n === 1
              ? [{ status: St.MORE_PROCESSING_REQUIRED, body: sessionSetupBody(challengeToken()) }]
              : [{ body: Buffer.from([9, 0]) }],
      },
      'SESSION_SETUP',
      /StructureSize/,
    );
  });

  test('SESSION_SETUP: a truncated SPNEGO token (client level)', async () => {
    const tok = challengeToken();
    await connectFails(
      {
        on: (r) =>
          r.command === Cmd.SESSION_SETUP
            ? [{ status: St.MORE_PROCESSING_REQUIRED, body: sessionSetupBody(tok.subarray(0, tok.length - 20)) }]
            : undefined,
      },
      'SESSION_SETUP',
      /SPNEGO token's NegTokenResp is truncated/,
    );
  });

  test('a truncated SPNEGO token through the engine is EPROTO, not E_UNSUPPORTED', async () => {
    const tok = challengeToken();
    await withServer(
      {
        on: (r) =>
          r.command === Cmd.SESSION_SETUP
            ? [{ status: St.MORE_PROCESSING_REQUIRED, body: sessionSetupBody(tok.subarray(0, 5)) }]
            : undefined,
      },
      async (s) => {
        configureSmb({ dialects: ['2.1'], sign: false, timeoutMs: 3000 });
        setSmbPasswordProvider(() => 'pw');
        await assert.rejects(
          createEngine({}).ranges(`smb://alice@127.0.0.1:${s.port}/data/f.bin`),
          isProtocolError('SESSION_SETUP', /SPNEGO/),
        );
      },
    );
  });

  test('CREATE: StructureSize 89 but a 40-byte body, through the engine (was "open … failed" with ERR_OUT_OF_RANGE)', async () => {
    await withServer({ on: (r) => (r.command === Cmd.CREATE ? [{ body: createBody().subarray(0, 40) }] : undefined) }, async (s) => {
      configureSmb({ dialects: ['2.1'], sign: false, timeoutMs: 3000 });
      setSmbPasswordProvider(() => 'pw');
      await assert.rejects(createEngine({}).ranges(`smb://alice@127.0.0.1:${s.port}/data/f.bin`), (e: FsctlError) => {
        isProtocolError('CREATE', /StructureSize/)(e);
        assert.equal(e.syscall, 'SMB2 CREATE');
        assert.equal(e.operation, 'ranges');
        return true;
      });
      await closeSmbConnections();
    });
  });

  const fileOp = async (o: HostileOptions, fn: (c: SmbClient) => Promise<unknown>, command: string, field: RegExp) =>
    withServer(o, async (s) => {
      const client = await SmbClient.connect(opts(s.port));
      try {
        await assert.rejects(fn(client), isProtocolError(command, field));
      } finally {
        await client.disconnect();
      }
    });

  test('IOCTL: StructureSize 49 but a 20-byte body', async () => {
    await fileOp(
      { on: (r) => (r.command === Cmd.IOCTL ? [{ body: ioctlBody(QAR, Buffer.alloc(16)).subarray(0, 20) }] : undefined) },
      (c) => c.ioctl(FILE_ID, QAR, qarInput, 1024),
      'IOCTL 0x000940cf',
      /StructureSize/,
    );
  });

  test('IOCTL: OutputOffset/OutputCount pointing outside the message', async () => {
    const body = ioctlBody(QAR, Buffer.alloc(16, 1));
    body.writeUInt32LE(64, 36); // OutputCount 64 with only 16 bytes there
    await fileOp(
      { on: (r) => (r.command === Cmd.IOCTL ? [{ body }] : undefined) },
      (c) => c.ioctl(FILE_ID, QAR, qarInput, 1024),
      'IOCTL 0x000940cf',
      /OutputOffset\/OutputCount/,
    );
  });

  test('READ: a 3-byte body', async () => {
    await fileOp(
      { on: (r) => (r.command === Cmd.READ ? [{ body: Buffer.from([17, 0, 80]) }] : undefined) },
      (c) => c.read(FILE_ID, 0n, 100, 'smb://x/f.bin'),
      'READ',
      /StructureSize/,
    );
  });

  test('READ: DataOffset/DataLength pointing outside the message', async () => {
    const body = readBody(Buffer.alloc(10, 1));
    body.writeUInt8(250, 2);
    await fileOp(
      { on: (r) => (r.command === Cmd.READ ? [{ body }] : undefined) },
      (c) => c.read(FILE_ID, 0n, 100, 'smb://x/f.bin'),
      'READ',
      /DataOffset\/DataLength/,
    );
  });

  test('QUERY_DIRECTORY: a 6-byte body', async () => {
    await fileOp(
      { on: (r) => (r.command === Cmd.QUERY_DIRECTORY ? [{ body: Buffer.from([9, 0, 72, 0, 0, 0]) }] : undefined) },
      (c) => c.listDirectory(FILE_ID, 'smb://x/dir'),
      'QUERY_DIRECTORY',
      /StructureSize/,
    );
  });

  test("QUERY_DIRECTORY: an entry's FileNameLength past the end", async () => {
    const entries = directoryEntries(['a.bin']);
    entries.writeUInt32LE(400, 60);
    await fileOp(
      { on: (r) => (r.command === Cmd.QUERY_DIRECTORY ? [{ body: outputBody(entries) }] : undefined) },
      (c) => c.listDirectory(FILE_ID, 'smb://x/dir'),
      'QUERY_DIRECTORY',
      /FILE_ID_FULL_DIR_INFORMATION\[0\]\.FileName/,
    );
  });

  test('QUERY_INFO: OutputBufferLength past the end', async () => {
    const body = outputBody(Buffer.alloc(56));
    body.writeUInt32LE(300, 4);
    await fileOp(
      { on: (r) => (r.command === Cmd.QUERY_INFO ? [{ body }] : undefined) },
      (c) => c.queryInfo(FILE_ID, 1, 34, 'smb://x/f.bin', 4096),
      'QUERY_INFO',
      /OutputBufferOffset\/OutputBufferLength/,
    );
  });

  test('QUERY_INFO through the engine: FileNetworkOpenInformation shorter than its fields', async () => {
    await withServer(
      { on: (r) => (r.command === Cmd.QUERY_INFO && r.body[3] === 34 ? [{ body: outputBody(Buffer.alloc(20)) }] : undefined) },
      async (s) => {
        configureSmb({ dialects: ['2.1'], sign: false, timeoutMs: 3000 });
        setSmbPasswordProvider(() => 'pw');
        await assert.rejects(
          createEngine({}).ranges(`smb://alice@127.0.0.1:${s.port}/data/f.bin`),
          isProtocolError('QUERY_INFO FileNetworkOpenInformation', /FileAttributes/),
        );
        await closeSmbConnections();
      },
    );
  });

  test("a response whose Command is not the request's: EPROTO for that request", async () => {
    await fileOp(
      { on: (r) => (r.command === Cmd.CREATE ? [{ command: Cmd.CLOSE, body: Buffer.alloc(60) }] : undefined) },
      (c) => c.create({ name: 'f.bin', desiredAccess: 1, disposition: 1, options: 0 }, 'smb://x/f.bin'),
      'CREATE',
      /CLOSE response/,
    );
  });
});
