// SMB security against a real Samba, with tshark as the independent witness of what was
// negotiated: AES-256-GCM and AES-256-CCM encryption (32-byte keys from the KDF with L = 256)
// on a server that requires encryption and signing and offers only that cipher and AES-128-GMAC
// signing; AES-GMAC signing on every message of an unencrypted session; and an SMB 2.0.2-only
// server without signing, refused before any credentials are sent (E_INSECURE) unless
// allowUnsignedLegacy (the extension's extentLens.smb.allowUnsignedLegacy, the CLI's
// EXTENT_LENS_SMB_ALLOW_UNSIGNED_LEGACY) allows it.

import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { FsctlError } from '../../src/engine/errors';
import { SmbClient, type SmbConnectOptions } from '../../src/engine/backends/smb/protocol/client';
import * as M from '../../src/engine/backends/smb/protocol/messages';
import { closeSmbConnections, configureSmb } from '../../src/engine/backends/smb/protocol/pool';
import { smbTransport } from '../../src/engine/backends/smb/transport';
import { SMB_PASSWORD, SMB_USER, sambaSkipReason, startSamba, type SambaServer } from '../support/samba';
import { cli, ensureBuilt } from '../cli/run-cli';
import { smbUid } from './helpers';
import { command, isResponse, ntStatus, readSmb2, startCapture, tsharkSkipReason } from './tshark';

const skip = sambaSkipReason() ?? tsharkSkipReason();

describe('SMB security against Samba (tshark confirms the negotiation)', { skip, timeout: 180000 }, () => {
  let root: string;
  let pcaps: string;
  const servers: SambaServer[] = [];

  before(() => {
    root = execFileSync('mktemp', ['-d', '/tmp/el-smb-sec-XXXX']).toString().trim();
    execFileSync('chmod', ['755', root]);
    pcaps = mkdtempSync(join(tmpdir(), 'el-smb-sec-cap-'));
  });

  after(async () => {
    await closeSmbConnections();
    configureSmb({});
    for (const s of servers) await s.stop();
    if (root) spawnSync('rm', ['-rf', root]);
    if (pcaps) rmSync(pcaps, { recursive: true, force: true });
  });

  async function server(name: string, global: Record<string, string>): Promise<{ smb: SambaServer; dir: string }> {
    const dir = join(root, name);
    mkdirSync(dir);
    chownSync(dir, smbUid(), 0);
    const smb = await startSamba({ shares: [{ name: 'data', path: dir }], global });
    servers.push(smb);
    return { smb, dir };
  }

  const opts = (s: SambaServer, extra: Partial<SmbConnectOptions> = {}): SmbConnectOptions => ({
    host: '127.0.0.1',
    port: s.port,
    user: SMB_USER,
    password: SMB_PASSWORD,
    share: 'data',
    timeoutMs: 10000,
    ...extra,
  });

  /** Write a file, check it on the server's disk, read it back. */
  async function roundTrip(c: SmbClient, dir: string, name: string): Promise<void> {
    const data = Buffer.alloc(200000);
    for (let i = 0; i < data.length; i++) data[i] = (i * 13 + name.length) & 0xff;
    const f = await c.create(
      { name, desiredAccess: 0x13019f, disposition: M.Disposition.CREATE, options: M.CreateOption.NON_DIRECTORY_FILE },
      name,
    );
    try {
      await c.write(f.fileId, 0n, data, name);
      await c.flush(f.fileId, name);
      assert.ok(readFileSync(join(dir, name)).equals(data), 'the server file holds what was written');
      assert.ok((await c.read(f.fileId, 0n, data.length, name)).equals(data), 'read back');
    } finally {
      await c.close(f.fileId, name);
    }
  }

  /** Run `fn` while tshark captures the server's port; returns every SMB2 PDU it decoded. */
  async function captured(s: SambaServer, label: string, fn: () => Promise<void>) {
    const cap = await startCapture(s.port, join(pcaps, `${label}.pcapng`));
    try {
      await fn();
    } finally {
      await cap.stop();
    }
    return { pcap: cap.file, pdus: readSmb2(cap.file, s.port, 'smb2') };
  }

  /** TCP segments that start a TRANSFORM message (0xFD 'SMB'), and the Command of each that starts a plain one (0xFE 'SMB'). */
  function protocolIds(pcap: string, port: number): { transform: number; plain: number[] } {
    const out = execFileSync(
      'tshark',
      ['-r', pcap, '-d', `tcp.port==${port},nbss`, '-Y', 'tcp.len > 4', '-T', 'fields', '-e', 'tcp.payload'],
      { maxBuffer: 512 << 20 },
    )
      .toString()
      .split('\n')
      .filter(Boolean);
    let transform = 0;
    const plain: number[] = [];
    for (const hex of out) {
      // NetBIOS session header (4 bytes), then the protocol id; an SMB2 header's Command at its byte 12.
      const id = hex.slice(8, 16);
      if (id === 'fd534d42') transform++;
      else if (id === 'fe534d42') plain.push(Buffer.from(hex.slice(8 + 24, 8 + 28), 'hex').readUInt16LE(0));
    }
    return { transform, plain };
  }

  for (const [cipher, sambaName, id] of [
    ['aes-256-gcm', 'AES-256-GCM', 4],
    ['aes-256-ccm', 'AES-256-CCM', 3],
  ] as const) {
    test(`${sambaName} required by the server, AES-128-GMAC signing: negotiated, 32-byte keys, data round-trips encrypted`, async () => {
      const { smb, dir } = await server(cipher, {
        'server smb encrypt': 'required',
        'server signing': 'mandatory',
        'server smb3 encryption algorithms': sambaName,
        'server smb3 signing algorithms': 'AES-128-GMAC',
      });
      let c: SmbClient | undefined;
      const { pcap, pdus } = await captured(smb, cipher, async () => {
        c = await SmbClient.connect(opts(smb));
        try {
          await roundTrip(c, dir, `${cipher}.bin`);
        } finally {
          await c.disconnect();
        }
      });
      assert.equal(c!.dialectName, 'SMB 3.1.1');
      assert.equal(c!.conn.cipher, cipher);
      assert.equal(c!.conn.signingAlgorithm, 'aes-gmac');
      assert.equal(c!.conn.keys?.encryptionKey.length, 32, 'AES-256 key from the KDF with L = 256');
      assert.equal(c!.conn.keys?.decryptionKey.length, 32);
      assert.equal(c!.encrypt, true);
      // What tshark decoded from the server's NEGOTIATE response: the cipher and signing ids.
      const negResp = pdus.find((p) => command(p) === 0 && isResponse(p));
      assert.ok(negResp, 'NEGOTIATE response captured');
      assert.equal(Number(negResp.f['smb2.negotiate_context.cipher_id']), id, `CipherId 0x000${id}`);
      assert.equal(Number(negResp.f['smb2.negotiate_context.signing_id']), 2, 'SigningAlgorithmId 0x0002 (AES-GMAC)');
      // Our offer, as tshark read it: GCM and CCM in both key sizes, GMAC before CMAC.
      const negReq = readSmb2(pcap, smb.port, 'smb2.cmd == 0 && smb2.flags.response == 0')[0];
      assert.ok(negReq.raw.length > 0);
      const offered = execFileSync('tshark', [
        '-r',
        pcap,
        '-d',
        `tcp.port==${smb.port},nbss`,
        '-Y',
        'smb2.cmd == 0 && smb2.flags.response == 0',
        '-T',
        'fields',
        '-e',
        'smb2.negotiate_context.cipher_id',
        '-e',
        'smb2.negotiate_context.signing_id',
      ])
        .toString()
        .trim()
        .split('\t');
      assert.deepEqual(
        offered[0].split(',').map(Number),
        [2, 4, 1, 3],
        'ciphers offered: AES-128-GCM, AES-256-GCM, AES-128-CCM, AES-256-CCM',
      );
      assert.deepEqual(offered[1].split(',').map(Number), [2, 1], 'signing offered: AES-GMAC, AES-CMAC');
      // After the session is set up everything travels in TRANSFORM messages: only the
      // NEGOTIATE and SESSION_SETUP exchanges are plain.
      const ids = protocolIds(pcap, smb.port);
      assert.deepEqual([...new Set(ids.plain)].filter((c) => c > 1), [], `plain SMB2 commands: ${ids.plain.join(', ')}`);
      assert.ok(ids.transform >= 10, `encrypted frames: ${ids.transform}`);
    });
  }

  test('AES-GMAC signs every message of an unencrypted 3.1.1 session (server signing mandatory)', async () => {
    const { smb, dir } = await server('gmac', { 'server signing': 'mandatory', 'server smb3 signing algorithms': 'AES-128-GMAC' });
    let c: SmbClient | undefined;
    const { pdus } = await captured(smb, 'gmac', async () => {
      c = await SmbClient.connect(opts(smb));
      try {
        await roundTrip(c, dir, 'gmac.bin');
      } finally {
        await c.disconnect();
      }
    });
    assert.equal(c!.conn.signingAlgorithm, 'aes-gmac');
    assert.equal(c!.encrypt, false);
    // Every request and response after SESSION_SETUP carries SMB2_FLAGS_SIGNED; the client
    // verified each response's GMAC (a wrong one fails with EBADMSG), Samba each request's.
    // Interim STATUS_PENDING answers go unsigned (the client does not check them; Samba sends one for a
    // FLUSH that goes async); only final responses are.
    const after = pdus.filter((p) => command(p) > 1 && !(isResponse(p) && ntStatus(p) === 0x103));
    assert.ok(after.length >= 10, `${after.length} PDUs after SESSION_SETUP`);
    const unsigned = after.filter((p) => !(p.raw.readUInt32LE(16) & 0x8));
    assert.equal(unsigned.length, 0, `unsigned: ${unsigned.map((p) => `${command(p)}${isResponse(p) ? 'r' : ''}`).join(', ')}`);
  });

  test('an SMB 2.0.2-only server that requires signing: accepted without the setting, every message signed (HMAC-SHA256)', async () => {
    const { smb, dir } = await server('legacy-signed', { 'server min protocol': 'SMB2_02', 'server max protocol': 'SMB2_02', 'server signing': 'mandatory' });
    const c = await SmbClient.connect(opts(smb));
    try {
      assert.equal(c.dialectName, 'SMB 2.0.2');
      assert.equal(c.negotiated.serverSigningRequired, true);
      assert.equal(c.conn.signingAlgorithm, 'hmac-sha256');
      // Samba refuses unsigned requests here, and the client refuses unsigned answers.
      await roundTrip(c, dir, 'legacy-signed.bin');
    } finally {
      await c.disconnect();
    }
  });

  test('an SMB 2.0.2-only server without signing: refused before SESSION_SETUP (E_INSECURE); allowed with the setting', async () => {
    const { smb, dir } = await server('legacy', {
      'server min protocol': 'SMB2_02',
      'server max protocol': 'SMB2_02',
      'server signing': 'disabled',
    });
    const { pdus } = await captured(smb, 'legacy', async () => {
      await assert.rejects(
        SmbClient.connect(opts(smb)),
        (e: FsctlError) =>
          e.code === 'E_INSECURE' &&
          /2\.0\.2/.test(e.message) &&
          /extentLens\.smb\.allowUnsignedLegacy/.test(e.message) &&
          /did not send the password/.test(e.message),
      );
    });
    assert.equal(Number(pdus.find((p) => command(p) === 0 && isResponse(p))?.f['smb2.dialect']), 0x0202, 'the server chose SMB 2.0.2');
    assert.equal(pdus.filter((p) => command(p) === 1).length, 0, 'no SESSION_SETUP (no credentials) on the wire');

    // Through the pool, as the CLI and extension reach it: the same refusal, then the env var
    // (CLI) allows it.
    const saved = { pw: process.env.EXTENT_LENS_SMB_PASSWORD, legacy: process.env.EXTENT_LENS_SMB_ALLOW_UNSIGNED_LEGACY };
    process.env.EXTENT_LENS_SMB_PASSWORD = SMB_PASSWORD;
    try {
      delete process.env.EXTENT_LENS_SMB_ALLOW_UNSIGNED_LEGACY;
      await assert.rejects(smbTransport().exists(smb.uri('data', 'x')), (e: FsctlError) => e.code === 'E_INSECURE');
      process.env.EXTENT_LENS_SMB_ALLOW_UNSIGNED_LEGACY = '1';
      assert.equal(await smbTransport().exists(smb.uri('data', 'nothing-here')), false);
    } finally {
      await closeSmbConnections();
      for (const [k, v] of [
        ['EXTENT_LENS_SMB_PASSWORD', saved.pw],
        ['EXTENT_LENS_SMB_ALLOW_UNSIGNED_LEGACY', saved.legacy],
      ] as const) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }

    // The built CLI: the refusal is one sentence on stderr and exit 1; the variable allows it.
    ensureBuilt();
    const env = { ...process.env, EXTENT_LENS_SMB_PASSWORD: SMB_PASSWORD, EXTENT_LENS_SMB_ALLOW_UNSIGNED_LEGACY: '' };
    const refused = cli(['volume', smb.uri('data')], { env });
    assert.equal(refused.code, 1, refused.stderr);
    assert.match(refused.stderr, /E_INSECURE/);
    assert.match(refused.stderr, /EXTENT_LENS_SMB_ALLOW_UNSIGNED_LEGACY=1/);
    const allowed = cli(['volume', smb.uri('data'), '--json'], { env: { ...env, EXTENT_LENS_SMB_ALLOW_UNSIGNED_LEGACY: '1' } });
    assert.equal(allowed.code, 0, allowed.stderr);

    const c = await SmbClient.connect(opts(smb, { allowUnsignedLegacy: true }));
    try {
      assert.equal(c.dialectName, 'SMB 2.0.2');
      await roundTrip(c, dir, 'legacy.bin');
    } finally {
      await c.disconnect();
    }
  });
});
