// The SMB2 client itself against a real Samba: each dialect with signing (HMAC-SHA256 for 2.1,
// AES-CMAC for 3.x, pre-authentication integrity for 3.1.1), encryption on a share that
// requires it (AES-128-GCM and AES-128-CCM), mandatory server signing, the file commands
// checked against the server's folder, and the named errors: bad password, missing share,
// missing file, dropped connection, timeout.

import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { FsctlError } from '../../src/engine/errors';
import { SmbClient, type SmbConnectOptions } from '../../src/engine/backends/smb/protocol/client';
import * as M from '../../src/engine/backends/smb/protocol/messages';
import { closeSmbConnections, configureSmb } from '../../src/engine/backends/smb/protocol/pool';
import { smbTransport } from '../../src/engine/backends/smb/transport';
import { SMB_PASSWORD, SMB_USER, sambaSkipReason, startSamba, type SambaServer } from '../support/samba';
import { smbUid } from './helpers';

const skip = sambaSkipReason();

describe('SMB2 client against Samba', { skip, timeout: 120000 }, () => {
  let smb: SambaServer;
  let strict: SambaServer;
  let root: string;

  before(async () => {
    root = execFileSync('mktemp', ['-d', '/tmp/el-smb-share-XXXX']).toString().trim();
    for (const d of ['plain', 'enc']) {
      mkdirSync(join(root, d));
      chownSync(join(root, d), smbUid(), 0);
    }
    execFileSync('chmod', ['755', root]);
    smb = await startSamba({
      shares: [
        { name: 'plain', path: join(root, 'plain') },
        { name: 'enc', path: join(root, 'enc'), options: { 'smb encrypt': 'required' } },
      ],
    });
    strict = await startSamba({
      shares: [{ name: 'enc', path: join(root, 'enc'), options: { 'smb encrypt': 'required' } }],
      global: { 'server signing': 'mandatory', 'server smb3 encryption algorithms': 'AES-128-CCM', 'server smb encrypt': 'required' },
    });
  });

  after(async () => {
    await closeSmbConnections();
    configureSmb({});
    await smb?.stop();
    await strict?.stop();
    if (root) spawnSync('rm', ['-rf', root]);
  });

  const opts = (s: SambaServer, share: string, extra: Partial<SmbConnectOptions> = {}): SmbConnectOptions => ({
    host: '127.0.0.1',
    port: s.port,
    user: SMB_USER,
    password: SMB_PASSWORD,
    share,
    timeoutMs: 10000,
    ...extra,
  });

  /** Write, read back, query, extend, rename, list and delete one file; check each on the server. */
  async function exercise(c: SmbClient, dir: string, name: string): Promise<void> {
    const data = Buffer.alloc(300000);
    for (let i = 0; i < data.length; i++) data[i] = (i * 7) & 0xff;
    const f = await c.create(
      { name, desiredAccess: 0x13019f, disposition: M.Disposition.CREATE, options: M.CreateOption.NON_DIRECTORY_FILE },
      name,
    );
    await c.write(f.fileId, 0n, data, name);
    await c.flush(f.fileId, name);
    assert.ok(readFileSync(join(dir, name)).equals(data), 'server file holds what was written');
    assert.ok((await c.read(f.fileId, 0n, data.length + 100, name)).equals(data), 'read back');
    assert.equal((await c.read(f.fileId, BigInt(data.length), 10, name)).length, 0, 'read at EOF is empty');
    const eof = Buffer.alloc(8);
    eof.writeBigUInt64LE(1n << 20n);
    await c.setInfo(f.fileId, M.InfoType.FILE, M.FileInfoClass.FileEndOfFileInformation, eof, name);
    assert.equal(statSync(join(dir, name)).size, 1 << 20);
    const std = await c.queryInfo(f.fileId, M.InfoType.FILE, M.FileInfoClass.FileStandardInformation, name);
    assert.equal(std.readBigUInt64LE(8), 1n << 20n, 'FileStandardInformation.EndOfFile');
    const renamed = `${name}.renamed`;
    const to = Buffer.from(renamed, 'utf16le');
    const ren = Buffer.alloc(20);
    ren.writeUInt32LE(to.length, 16);
    await c.setInfo(f.fileId, M.InfoType.FILE, M.FileInfoClass.FileRenameInformation, Buffer.concat([ren, to]), name);
    await c.close(f.fileId, name);
    assert.ok(existsSync(join(dir, renamed)) && !existsSync(join(dir, name)));

    const d = await c.create(
      { name: '', desiredAccess: 0x100081, disposition: M.Disposition.OPEN, options: M.CreateOption.DIRECTORY_FILE },
      'root',
    );
    const names = (await c.listDirectory(d.fileId, 'root')).map((e) => e.name);
    await c.close(d.fileId, 'root');
    assert.ok(names.includes(renamed), names.join(','));

    const g = await c.create({ name: renamed, desiredAccess: 0x10080, disposition: M.Disposition.OPEN, options: 0 }, renamed);
    await c.setInfo(g.fileId, M.InfoType.FILE, M.FileInfoClass.FileDispositionInformation, Buffer.from([1]), renamed);
    await c.close(g.fileId, renamed);
    assert.equal(existsSync(join(dir, renamed)), false, 'deleted on close');
  }

  for (const [dialect, name] of [
    ['2.1', 'SMB 2.1'],
    ['3.0', 'SMB 3.0'],
    ['3.0.2', 'SMB 3.0.2'],
    ['3.1.1', 'SMB 3.1.1'],
  ] as const) {
    test(`${name}: negotiate, NTLMv2 session, signed requests, file commands`, async () => {
      const c = await SmbClient.connect(opts(smb, 'plain', { dialects: [dialect] }));
      try {
        assert.equal(c.dialectName, name);
        assert.equal(c.conn.signingRequired, true, 'the client signs every request');
        assert.ok(c.conn.keys?.signingKey.length === 16);
        assert.equal(c.encrypt, false);
        await exercise(c, join(root, 'plain'), `file-${dialect}.bin`);
      } finally {
        await c.disconnect();
      }
    });
  }

  for (const [dialect, ciphers, want] of [
    ['3.1.1', ['aes-128-gcm', 'aes-128-ccm'], 'aes-128-gcm'],
    ['3.1.1', ['aes-128-ccm'], 'aes-128-ccm'],
    ['3.0.2', undefined, 'aes-128-ccm'],
  ] as const) {
    test(`encrypted share over ${dialect} with ${want}`, async () => {
      const c = await SmbClient.connect(opts(smb, 'enc', { dialects: [dialect], ciphers: ciphers ? [...ciphers] : undefined }));
      try {
        assert.equal(c.encrypt, true, 'the share asks for encryption (SMB2_SHAREFLAG_ENCRYPT_DATA)');
        assert.equal(c.conn.cipher, want);
        // Samba refuses unencrypted requests on this share, so success proves they were encrypted.
        await exercise(c, join(root, 'enc'), `enc-${dialect}-${want}.bin`);
      } finally {
        await c.disconnect();
      }
    });
  }

  test('an encrypted share over SMB 2.1 fails with a named error', async () => {
    await assert.rejects(
      SmbClient.connect(opts(smb, 'enc', { dialects: ['2.1'] })),
      (e: FsctlError) => e.code === 'STATUS_ACCESS_DENIED' && /encryption/.test(e.message),
    );
    await assert.rejects(
      SmbClient.connect(opts(strict, 'enc', { dialects: ['2.1'] })),
      (e: FsctlError) => e.code === 'STATUS_ACCESS_DENIED' && /encryption/.test(e.message),
    );
  });

  test('a server that allows none of the pinned dialects: STATUS_NOT_SUPPORTED naming them and EXTENT_LENS_SMB_DIALECT', async () => {
    // The trial: EXTENT_LENS_SMB_DIALECT=2.0.2 against "server min protocol = SMB2_10" said only
    // "The server answered SMB2 NEGOTIATE … with STATUS_NOT_SUPPORTED."
    const smb3 = await startSamba({ shares: [{ name: 'plain', path: join(root, 'plain') }], global: { 'server min protocol': 'SMB3_11' } });
    try {
      await assert.rejects(SmbClient.connect(opts(smb3, 'plain', { dialects: ['2.0.2', '2.1'] })), (e: FsctlError) => {
        assert.equal(e.code, 'STATUS_NOT_SUPPORTED');
        assert.match(
          e.message,
          /^The server on 127\.0\.0\.1:\d+ accepts none of the SMB dialects offered \(2\.0\.2, 2\.1, as EXTENT_LENS_SMB_DIALECT asks\) \(STATUS_NOT_SUPPORTED\); unset EXTENT_LENS_SMB_DIALECT, or include a dialect the server allows\.$/,
        );
        return true;
      });
      // every dialect offered (the default): it picks 3.1.1
      const c = await SmbClient.connect(opts(smb3, 'plain'));
      assert.equal(c.conn.dialect, 0x0311);
      await c.disconnect();
    } finally {
      await smb3.stop();
    }
  });

  test('server signing = mandatory and only AES-128-CCM offered by the server', async () => {
    const c = await SmbClient.connect(opts(strict, 'enc', { dialects: ['3.1.1'], sign: false }));
    try {
      assert.equal(c.negotiated.serverSigningRequired, true);
      assert.equal(c.conn.signingRequired, true, 'signing because the server requires it');
      assert.equal(c.conn.cipher, 'aes-128-ccm');
      await exercise(c, join(root, 'enc'), 'strict.bin');
    } finally {
      await c.disconnect();
    }
    // 3.0.2 against the same server: the whole session is encrypted (SessionFlags ENCRYPT_DATA),
    // from TREE_CONNECT on, with CCM (the 3.0.x cipher).
    const c2 = await SmbClient.connect(opts(strict, 'enc', { dialects: ['3.0.2'], sign: false }));
    assert.equal(c2.conn.signingRequired, true);
    assert.equal(c2.conn.encryptSession, true);
    assert.equal(c2.conn.cipher, 'aes-128-ccm');
    await c2.disconnect();
  });

  test('password provider: used when set; without any password a named error', async () => {
    const { setSmbPasswordProvider } = await import('../../src/engine/backends/smb/protocol/pool');
    const saved = process.env.EXTENT_LENS_SMB_PASSWORD;
    delete process.env.EXTENT_LENS_SMB_PASSWORD;
    writeFileSync(join(root, 'plain', 'pp.txt'), 'x');
    const uri = `smb://${SMB_USER}@127.0.0.1:${smb.port}/plain/pp.txt`;
    try {
      await closeSmbConnections();
      await assert.rejects(
        smbTransport().exists(uri),
        (e: FsctlError) => e.code === 'E_BAD_INPUT' && /EXTENT_LENS_SMB_PASSWORD/.test(e.message),
      );
      const asked: string[] = [];
      setSmbPasswordProvider((t) => {
        asked.push(`${t.user}@${t.host}:${t.port}/${t.share}`);
        return SMB_PASSWORD;
      });
      assert.equal(await smbTransport().exists(uri), true);
      assert.deepEqual(asked, [`${SMB_USER}@127.0.0.1:${smb.port}/plain`]);
    } finally {
      setSmbPasswordProvider(undefined);
      if (saved !== undefined) process.env.EXTENT_LENS_SMB_PASSWORD = saved;
      await closeSmbConnections();
    }
  });

  test('bad password: STATUS_LOGON_FAILURE with a sentence', async () => {
    await assert.rejects(SmbClient.connect(opts(smb, 'plain', { password: 'wrong' })), (e: FsctlError) => {
      assert.equal(e.code, 'STATUS_LOGON_FAILURE');
      assert.match(e.message, /password/);
      return true;
    });
  });

  test('missing share: STATUS_BAD_NETWORK_NAME', async () => {
    await assert.rejects(
      SmbClient.connect(opts(smb, 'nosuchshare')),
      (e: FsctlError) =>
        e.code === 'STATUS_BAD_NETWORK_NAME' &&
        /^The server 127\.0\.0\.1:\d+ has no share named "nosuchshare" \(STATUS_BAD_NETWORK_NAME\)/.test(e.message),
    );
  });

  test('missing file and folder: STATUS_OBJECT_NAME_NOT_FOUND / STATUS_OBJECT_PATH_NOT_FOUND', async () => {
    const c = await SmbClient.connect(opts(smb, 'plain'));
    try {
      assert.equal(c.dialectName, 'SMB 3.1.1', 'offering every dialect, Samba picks the newest');
      await assert.rejects(
        c.create({ name: 'nope.bin', desiredAccess: 0x120089, disposition: M.Disposition.OPEN, options: 0 }, 'nope.bin'),
        (e: FsctlError) => e.code === 'STATUS_OBJECT_NAME_NOT_FOUND',
      );
      await assert.rejects(
        c.create({ name: 'no\\dir\\x', desiredAccess: 0x120089, disposition: M.Disposition.OPEN, options: 0 }, 'x'),
        (e: FsctlError) => e.code === 'STATUS_OBJECT_PATH_NOT_FOUND',
      );
    } finally {
      await c.disconnect();
    }
  });

  test('nothing listens: ECONNREFUSED with a sentence', async () => {
    const s = createServer();
    const port = await new Promise<number>((r) => s.listen(0, '127.0.0.1', () => r((s.address() as { port: number }).port)));
    await new Promise((r) => s.close(r));
    await assert.rejects(
      SmbClient.connect({ ...opts(smb, 'plain'), port }),
      (e: FsctlError) => e.code === 'ECONNREFUSED' && /port/.test(e.message),
    );
  });

  /** A TCP relay to Samba that the test can cut or stall. */
  async function relay(target: number): Promise<{ port: number; cut(): void; stall(): void; tamper(): void; close(): Promise<void> }> {
    const pairs: Array<[Socket, Socket]> = [];
    let stalled = false;
    let tampering = false;
    const server: Server = createServer((client) => {
      const up = connect({ host: '127.0.0.1', port: target });
      pairs.push([client, up]);
      client.on('data', (d) => {
        if (!stalled) up.write(d);
      });
      up.on('data', (d: Buffer) => {
        if (tampering) d[d.length - 1] ^= 0x01; // one bit of the response body
        client.write(d);
      });
      client.on('error', () => up.destroy());
      up.on('error', () => client.destroy());
      client.on('close', () => up.destroy());
      up.on('close', () => client.destroy());
    });
    const port = await new Promise<number>((r) => server.listen(0, '127.0.0.1', () => r((server.address() as { port: number }).port)));
    return {
      port,
      cut: () => pairs.forEach(([a, b]) => (a.destroy(), b.destroy())),
      stall: () => (stalled = true),
      tamper: () => (tampering = true),
      close: () => new Promise((r) => server.close(() => r(undefined))),
    };
  }

  test('dropped connection: ECONNRESET with a sentence, and the pool reconnects', async () => {
    const r = await relay(smb.port);
    const saved = process.env.EXTENT_LENS_SMB_PASSWORD;
    process.env.EXTENT_LENS_SMB_PASSWORD = SMB_PASSWORD;
    writeFileSync(join(root, 'plain', 'keep.txt'), 'x');
    try {
      const t = smbTransport();
      const uri = `smb://${SMB_USER}@127.0.0.1:${r.port}/plain/keep.txt`;
      const h = await t.open(uri, { access: 'read', disposition: 'open' });
      r.cut();
      await assert.rejects(t.queryInfo(h), (e: FsctlError) => e.code === 'ECONNRESET' && /dropped/.test(e.message));
      await t.close(h); // closing a handle of a dead connection is quiet
      assert.equal(await t.exists(uri), true, 'a new connection was made');
    } finally {
      process.env.EXTENT_LENS_SMB_PASSWORD = saved;
      await closeSmbConnections();
      r.cut();
      await r.close();
    }
  });

  test('a server that stops answering: ETIMEDOUT after the timeout', async () => {
    const r = await relay(smb.port);
    try {
      const c = await SmbClient.connect({ ...opts(smb, 'plain'), port: r.port, timeoutMs: 800 });
      r.stall();
      const t0 = Date.now();
      await assert.rejects(
        c.create({ name: 'keep.txt', desiredAccess: 0x120089, disposition: M.Disposition.OPEN, options: 0 }, 'keep.txt'),
        (e: FsctlError) => e.code === 'ETIMEDOUT' && /did not answer/.test(e.message),
      );
      assert.ok(Date.now() - t0 < 5000);
      assert.equal(c.conn.closed, true);
    } finally {
      r.cut();
      await r.close();
    }
  });

  test('a response changed on the way: EBADMSG (the signature is checked)', async () => {
    const r = await relay(smb.port);
    try {
      const c = await SmbClient.connect({ ...opts(smb, 'plain'), port: r.port, dialects: ['3.1.1'] });
      r.tamper();
      await assert.rejects(
        c.create({ name: '', desiredAccess: 0x100081, disposition: M.Disposition.OPEN, options: M.CreateOption.DIRECTORY_FILE }, 'root'),
        (e: FsctlError) => e.code === 'EBADMSG' && /signed with the wrong key/.test(e.message),
      );
      await c.disconnect();
    } finally {
      r.cut();
      await r.close();
    }
  });

  test(
    'impacket (an independent client) reads what this client wrote',
    { skip: spawnSync('/usr/bin/python3', ['-c', 'import impacket']).status !== 0 ? 'python3-impacket is not installed' : undefined },
    async () => {
      const c = await SmbClient.connect(opts(smb, 'plain', { dialects: ['3.1.1'] }));
      const text = 'written by extent-lens ' + Date.now();
      try {
        const f = await c.create(
          { name: 'cross.txt', desiredAccess: 0x13019f, disposition: M.Disposition.OVERWRITE_IF, options: 0x40 },
          'cross.txt',
        );
        await c.write(f.fileId, 0n, Buffer.from(text), 'cross.txt');
        await c.close(f.fileId, 'cross.txt');
      } finally {
        await c.disconnect();
      }
      const py = `
import io, sys
from impacket.smbconnection import SMBConnection
c = SMBConnection('127.0.0.1', '127.0.0.1', sess_port=${smb.port})
c.login('${SMB_USER}', '${SMB_PASSWORD}')
b = io.BytesIO()
c.getFile('plain', 'cross.txt', b.write)
sys.stdout.write(b.getvalue().decode())
`;
      assert.equal(execFileSync('/usr/bin/python3', ['-c', py], { timeout: 20000 }).toString(), text);
    },
  );
});
