// The SMB client against a hostile server on 127.0.0.1 (hostile-server.ts): a request that is
// only ever answered with STATUS_PENDING is given up on at its deadline and can be cancelled
// while it waits; malformed replies (StructureSize lies, lengths and offsets past the end,
// short bodies, truncated SPNEGO) are EPROTO errors that name the command and the field, never
// Node's ERR_OUT_OF_RANGE. No root, no Samba: about 5 s.

import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
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
  startHostileServer,
  type HostileOptions,
  type HostileServer,
} from './hostile-server';

const QAR = 0x940cf; // FSCTL_QUERY_ALLOCATED_RANGES
const qarInput = Buffer.alloc(16); // offset 0, length 0

function opts(port: number, more: Partial<SmbConnectOptions> = {}): SmbConnectOptions {
  return {
    host: '127.0.0.1',
    port,
    user: 'alice',
    password: 'pw',
    share: 'data',
    dialects: ['2.1'],
    sign: false,
    timeoutMs: 3000,
    ...more,
  };
}

async function withServer<T>(o: HostileOptions, fn: (s: HostileServer) => Promise<T>): Promise<T> {
  const s = await startHostileServer(o);
  try {
    return await fn(s);
  } finally {
    await s.stop();
  }
}

/** A protocol error: FsctlError EPROTO naming the command and the field, with no trace of a RangeError. */
function isProtocolError(command: string, field: RegExp) {
  return (e: unknown) => {
    assert.ok(e instanceof FsctlError, `not an FsctlError: ${String(e)} (${(e as Error)?.name} ${(e as { code?: string })?.code})`);
    assert.equal(e.code, 'EPROTO', e.message);
    assert.ok(e.message.includes(command), `the message should name ${command}: ${e.message}`);
    assert.match(e.message, field);
    assert.match(e.message, /127\.0\.0\.1:\d+/);
    assert.doesNotMatch(e.message, /ERR_OUT_OF_RANGE|ERR_BUFFER_OUT_OF_BOUNDS|RangeError/);
    assert.notEqual(e.syscall, 'open');
    return true;
  };
}

after(async () => {
  configureSmb({});
  setSmbPasswordProvider(undefined);
  await closeSmbConnections();
});

describe('deadlines and cancellation', () => {
  test('a request answered only with STATUS_PENDING is given up on at maxWaitMs (ETIMEDOUT naming it)', { timeout: 10000 }, async () => {
    await withServer({ on: (req, c) => (req.command === Cmd.IOCTL ? (c.pendForever(req, 100), []) : undefined) }, async (s) => {
      const client = await SmbClient.connect(opts(s.port, { timeoutMs: 500, maxWaitMs: 1500 }));
      const t0 = Date.now();
      await assert.rejects(client.ioctl(FILE_ID, QAR, qarInput, 1024), (e: FsctlError) => {
        const took = Date.now() - t0;
        assert.equal(e.code, 'ETIMEDOUT', e.message);
        assert.ok(took >= 1400 && took < 2500, `gave up after ${took} ms, expected ~1500`);
        assert.match(e.message, /IOCTL 0x000940cf/);
        assert.match(e.message, new RegExp(`127\\.0\\.0\\.1:${s.port}`));
        assert.match(e.message, /only with STATUS_PENDING \(\d+ interim response\(s\)\)/);
        assert.match(e.message, /within 1\.\d s/);
        assert.match(e.message, /EXTENT_LENS_SMB_MAX_WAIT_MS \(now 1500 ms\)/);
        assert.equal(e.syscall, 'SMB2 IOCTL');
        return true;
      });
      assert.ok(client.conn.closed, 'a request that timed out closes the connection');
    });
  });

  test('interim responses extend the deadline: a final answer after the first timeout still arrives', { timeout: 10000 }, async () => {
    await withServer(
      {
        on: (req, c) => {
          if (req.command !== Cmd.IOCTL) return undefined;
          c.send(req, { status: St.PENDING, asyncId: 0x77n });
          setTimeout(() => c.send(req, { asyncId: 0x77n, body: ioctlBody(QAR, Buffer.alloc(16, 1)) }), 900);
          return [];
        },
      },
      async (s) => {
        const client = await SmbClient.connect(opts(s.port, { timeoutMs: 500, maxWaitMs: 3000 }));
        const r = await client.ioctl(FILE_ID, QAR, qarInput, 1024);
        assert.equal(r.status, 0);
        assert.equal(r.output.length, 16);
        await client.disconnect();
      },
    );
  });

  test('no answer at all: ETIMEDOUT at timeoutMs naming the command and the setting', { timeout: 10000 }, async () => {
    await withServer({ on: (req) => (req.command === Cmd.CREATE ? [] : undefined) }, async (s) => {
      const client = await SmbClient.connect(opts(s.port, { timeoutMs: 400, maxWaitMs: 5000 }));
      const t0 = Date.now();
      await assert.rejects(
        client.create({ name: 'f.bin', desiredAccess: 1, disposition: 1, options: 0 }, 'smb://x/f.bin'),
        (e: FsctlError) => {
          assert.ok(Date.now() - t0 < 4000, 'at timeoutMs, not at maxWaitMs (5 s)');
          assert.equal(e.code, 'ETIMEDOUT');
          // the measured wait (Date.now) may read a few ms under the 400 ms timer (libuv's loop
          // clock is not the wall clock): CI once saw 399
          assert.match(e.message, /did not answer CREATE within (39\d|4\d\d) ms/);
          assert.match(e.message, /EXTENT_LENS_SMB_TIMEOUT_MS \(now 400 ms\)/);
          return true;
        },
      );
    });
  });

  test(
    'cancel through the engine (AbortSignal) while STATUS_PENDING: E_CANCELLED at once, SMB2 CANCEL sent',
    { timeout: 10000 },
    async () => {
      await withServer({ on: (req, c) => (req.command === Cmd.IOCTL ? (c.pendForever(req, 100), []) : undefined) }, async (s) => {
        configureSmb({ dialects: ['2.1'], sign: false, timeoutMs: 5000, maxWaitMs: 20000 });
        setSmbPasswordProvider(() => 'pw');
        const engine = createEngine({});
        const ac = new AbortController();
        let abortedAt = 0;
        const cancelAfterInterim = setInterval(() => {
          if (s.requests.some((r) => r.command === Cmd.IOCTL) && !ac.signal.aborted) {
            abortedAt = Date.now();
            ac.abort();
          }
        }, 50);
        try {
          await assert.rejects(engine.ranges(`smb://alice@127.0.0.1:${s.port}/data/f.bin`, { signal: ac.signal }), (e: FsctlError) => {
            const took = Date.now() - abortedAt;
            assert.equal(e.code, 'E_CANCELLED', e.message);
            assert.ok(abortedAt > 0 && took < 500, `rejected ${took} ms after the abort`);
            return true;
          });
        } finally {
          clearInterval(cancelAfterInterim);
        }
        // The server saw an SMB2 CANCEL in the async form, naming the interim response's AsyncId,
        // and the clean-up (CLOSE of the handle) still reached it after the cancel.
        await new Promise((r) => setTimeout(r, 100));
        const cancel = s.requests.find((r) => r.command === Cmd.CANCEL);
        assert.ok(cancel, 'no SMB2 CANCEL reached the server');
        assert.equal(cancel.asyncId, 0x100n);
        assert.ok(s.requests.some((r) => r.command === Cmd.CLOSE && r.at >= cancel.at));
        await closeSmbConnections();
      });
    },
  );

  test('cancel by an AbortSignal on the request itself, before any interim answer: sync-form CANCEL', { timeout: 10000 }, async () => {
    await withServer({ on: (req) => (req.command === Cmd.IOCTL ? [] : undefined) }, async (s) => {
      const client = await SmbClient.connect(opts(s.port, { timeoutMs: 5000 }));
      const ac = new AbortController();
      setTimeout(() => ac.abort(), 200);
      const t0 = Date.now();
      await assert.rejects(client.conn.send(11, Buffer.alloc(56), { signal: ac.signal, treeId: client.treeId }), (e: FsctlError) => {
        assert.equal(e.code, 'E_CANCELLED');
        assert.ok(Date.now() - t0 < 4000, 'at the abort, not at timeoutMs (5 s)');
        return true;
      });
      await new Promise((r) => setTimeout(r, 100));
      const ioctl = s.requests.find((r) => r.command === Cmd.IOCTL)!;
      const cancel = s.requests.find((r) => r.command === Cmd.CANCEL);
      assert.ok(cancel);
      assert.equal(cancel.asyncId, undefined);
      assert.equal(cancel.messageId, ioctl.messageId);
      assert.ok(!client.conn.closed, 'a cancel keeps the connection');
      await client.disconnect();
    });
  });
});

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

test('an encrypted message that does not authenticate is EBADMSG (3.1.1 session, AES-128-GCM)', async () => {
  const garbage = Buffer.alloc(100, 0x42);
  const transform = Buffer.alloc(52);
  transform.writeUInt32LE(0x424d53fd, 0);
  transform.writeUInt32LE(garbage.length, 36);
  transform.writeUInt16LE(1, 42);
  transform.writeBigUInt64LE(0x0000_1122_3344_5566n, 44);
  await withServer(
    { dialect: 0x0311, on: (r) => (r.command === Cmd.CREATE ? [{ raw: Buffer.concat([transform, garbage]) }] : undefined) },
    async (s) => {
      const client = await SmbClient.connect(opts(s.port, { dialects: ['3.1.1'] }));
      assert.equal(client.conn.cipher, 'aes-128-gcm');
      await assert.rejects(
        client.create({ name: 'f.bin', desiredAccess: 1, disposition: 1, options: 0 }, 'smb://x/f.bin'),
        (e: FsctlError) => {
          assert.equal(e.code, 'EBADMSG', e.message);
          assert.match(e.message, /did not decrypt/);
          return true;
        },
      );
    },
  );
});

describe('negotiated security a server cannot impose', () => {
  /** negotiateBody(0x0311) with a third context, SMB2_SIGNING_CAPABILITIES, holding `ids`. */
  const withSigning = (ids: number[]): Buffer => {
    const body = negotiateBody(0x0311); // contexts at body offsets 64 (preauth) and 80 (cipher, 12 bytes)
    body.writeUInt16LE(3, 6);
    const sig = Buffer.alloc(8 + 2 + 2 * ids.length);
    sig.writeUInt16LE(8, 0);
    sig.writeUInt16LE(2 + 2 * ids.length, 2);
    sig.writeUInt16LE(ids.length, 8);
    ids.forEach((id, i) => sig.writeUInt16LE(id, 10 + 2 * i));
    return Buffer.concat([body, Buffer.alloc(4), sig]); // the next context starts 8-byte aligned (body offset 96)
  };

  test('a cipher that was not offered: EPROTONOSUPPORT naming it', async () => {
    const body = negotiateBody(0x0311);
    body.writeUInt16LE(9, 90); // Ciphers[0]
    await withServer({ dialect: 0x0311, on: (r) => (r.command === Cmd.NEGOTIATE ? [{ body }] : undefined) }, async (s) => {
      await assert.rejects(
        SmbClient.connect(opts(s.port, { dialects: ['3.1.1'] })),
        (e: FsctlError) => e.code === 'EPROTONOSUPPORT' && /cipher 0x0009/.test(e.message),
      );
    });
  });

  test('SMB2_SIGNING_CAPABILITIES with two algorithms: EPROTO naming SigningAlgorithmCount', async () => {
    const body = withSigning([2, 1]);
    await withServer({ dialect: 0x0311, on: (r) => (r.command === Cmd.NEGOTIATE ? [{ body }] : undefined) }, async (s) => {
      await assert.rejects(SmbClient.connect(opts(s.port, { dialects: ['3.1.1'] })), isProtocolError('NEGOTIATE', /SigningAlgorithmCount/));
    });
  });

  test('a signing algorithm that was not offered (HMAC-SHA256 in 3.1.1 when only GMAC and CMAC were): EPROTONOSUPPORT', async () => {
    const body = withSigning([0]);
    await withServer({ dialect: 0x0311, on: (r) => (r.command === Cmd.NEGOTIATE ? [{ body }] : undefined) }, async (s) => {
      await assert.rejects(
        SmbClient.connect(opts(s.port, { dialects: ['3.1.1'] })),
        (e: FsctlError) => e.code === 'EPROTONOSUPPORT' && /signing algorithm 0x0000/.test(e.message),
      );
    });
  });

  test('SMB 2.0.2 without required signing: E_INSECURE, and no SESSION_SETUP is sent', async () => {
    await withServer({ dialect: 0x0202 }, async (s) => {
      await assert.rejects(
        SmbClient.connect(opts(s.port, { dialects: ['2.0.2', '2.1'] })),
        (e: FsctlError) => e.code === 'E_INSECURE' && e.syscall === 'SMB2 NEGOTIATE',
      );
      assert.equal(s.requests.filter((r) => r.command === Cmd.SESSION_SETUP).length, 0);
    });
  });
});
