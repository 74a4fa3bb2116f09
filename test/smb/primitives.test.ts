// The SMB client's primitives against published test vectors: MD4 (RFC 1320), AES-CMAC
// (RFC 4493), NTLMv2 (MS-NLMP 4.2.4), AES-GCM (McGrew & Viega's GCM test cases 1, 13, 14),
// plus the AES-GMAC nonce layout, framing, SPNEGO and URI round trips.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { aeadDecrypt, aeadEncrypt, aesCmac, aesGmac, smb3Kdf } from '../../src/engine/backends/smb/protocol/crypto';
import { encodeHeader, Command } from '../../src/engine/backends/smb/protocol/header';
import { gmacNonce } from '../../src/engine/backends/smb/protocol/signing';
import { FrameReader, frame } from '../../src/engine/backends/smb/protocol/framing';
import { md4 } from '../../src/engine/backends/smb/protocol/md4';
import { ntlmv2Response, ntowfv2 } from '../../src/engine/backends/smb/protocol/ntlm';
import { negTokenResp, parseNegTokenResp } from '../../src/engine/backends/smb/protocol/spnego';
import { formatSmbUri, parseSmbUri, poolKey } from '../../src/engine/backends/smb/protocol/uri';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

test('MD4 matches RFC 1320', () => {
  const v: Array<[string, string]> = [
    ['', '31d6cfe0d16ae931b73c59d7e0c089c0'],
    ['a', 'bde52cb31de33e46245e05fbdbd6fb24'],
    ['abc', 'a448017aaf21d8525fc10ae87aa6729d'],
    ['message digest', 'd9130a8164549fe818874806e1c7014b'],
    ['abcdefghijklmnopqrstuvwxyz', 'd79e1c308aa5bbcdeea8ed63df412da9'],
    ['12345678901234567890123456789012345678901234567890123456789012345678901234567890', 'e33b4ddc9c38f2199c3e7b164fcc0536'],
  ];
  for (const [msg, want] of v) assert.equal(md4(Buffer.from(msg)).toString('hex'), want, msg);
});

test('AES-CMAC matches RFC 4493', () => {
  const key = hex('2b7e151628aed2a6abf7158809cf4f3c');
  const m = hex(
    '6bc1bee22e409f96e93d7e117393172a ae2d8a571e03ac9c9eb76fac45af8e51 30c81c46a35ce411e5fbc1191a0a52ef f69f2445df4f9b17ad2b417be66c3710',
  );
  assert.equal(aesCmac(key, m.subarray(0, 0)).toString('hex'), 'bb1d6929e95937287fa37d129b756746');
  assert.equal(aesCmac(key, m.subarray(0, 16)).toString('hex'), '070a16b46b4d4144f79bdd9dd04a287c');
  assert.equal(aesCmac(key, m.subarray(0, 40)).toString('hex'), 'dfa66747de9ae63030ca32611497c827');
  assert.equal(aesCmac(key, m).toString('hex'), '51f0bebf7e3b9d92fc49741779363cfe');
});

test('NTLMv2 matches MS-NLMP 4.2.4', () => {
  const ntowf = ntowfv2('Password', 'User', 'Domain');
  assert.equal(ntowf.toString('hex'), '0c868a403bfd7a93a3001ef22ef02e3f');
  const targetInfo = Buffer.concat([
    hex('0200 0c00'),
    Buffer.from('Domain', 'utf16le'),
    hex('0100 0c00'),
    Buffer.from('Server', 'utf16le'),
    hex('0000 0000'),
  ]);
  const r = ntlmv2Response(ntowf, hex('0123456789abcdef'), hex('aaaaaaaaaaaaaaaa'), Buffer.alloc(8), targetInfo);
  assert.equal(r.ntProofStr.toString('hex'), '68cd0ab851e51c96aabc927bebef6a1c');
  assert.equal(r.sessionBaseKey.toString('hex'), '8de40ccadbc14a82f15cb0ad0de95ca3');
  assert.equal(r.lmResponse.toString('hex'), '86c35097ac9cec102554764a57cccc19aaaaaaaaaaaaaaaa');
});

test('AES-256-GCM (GCM test cases 13 and 14) and AES-128-GMAC (test case 1): the wrappers use the whole key and 12 nonce bytes', () => {
  const zeroNonce16 = Buffer.alloc(16);
  const t13 = aeadEncrypt('aes-256-gcm', Buffer.alloc(32), zeroNonce16, Buffer.alloc(0), Buffer.alloc(0));
  assert.equal(t13.tag.toString('hex'), '530f8afbc74536b9a963b4f1c4cb738b');
  const t14 = aeadEncrypt('aes-256-gcm', Buffer.alloc(32), zeroNonce16, Buffer.alloc(0), Buffer.alloc(16));
  assert.equal(t14.data.toString('hex'), 'cea7403d4d606b6e074ec5d3baf39d18');
  assert.equal(t14.tag.toString('hex'), 'd0d1c8a799996bf0265b98b5d48ab919');
  // GMAC is GCM with no plaintext: with nothing to authenticate it is test case 1's tag.
  assert.equal(aesGmac(Buffer.alloc(16), Buffer.alloc(12), Buffer.alloc(0)).toString('hex'), '58e2fccefa7e3061367f1d57a4e7455a');
});

test('AES-GMAC nonce: MessageId, then bit 0 for a response and bit 1 for CANCEL (MS-SMB2 3.1.4.1)', () => {
  const h = (command: number, flags: number) =>
    encodeHeader({ command, creditCharge: 1, creditRequest: 1, flags, messageId: 0x0102030405060708n, treeId: 0, sessionId: 1n });
  assert.equal(gmacNonce(h(Command.READ, 0)).toString('hex'), '080706050403020100000000');
  assert.equal(gmacNonce(h(Command.READ, 1)).toString('hex'), '080706050403020101000000');
  assert.equal(gmacNonce(h(Command.CANCEL, 0)).toString('hex'), '080706050403020102000000');
});

test('SP800-108 KDF: L = 256 gives 32 bytes and a key of its own (L is part of the input)', () => {
  const ki = Buffer.alloc(16, 5);
  const label = Buffer.from('SMBC2SCipherKey\0', 'latin1');
  const ctx = Buffer.alloc(64, 9);
  const k128 = smb3Kdf(ki, label, ctx);
  const k256 = smb3Kdf(ki, label, ctx, 256);
  assert.equal(k128.length, 16);
  assert.equal(k256.length, 32);
  assert.notDeepEqual(k256.subarray(0, 16), k128);
});

test('AES-128/256-GCM and AES-128/256-CCM round trip and reject tampering', () => {
  for (const c of ['aes-128-gcm', 'aes-128-ccm', 'aes-256-gcm', 'aes-256-ccm'] as const) {
    const key = Buffer.alloc(c.startsWith('aes-256') ? 32 : 16, 7);
    const nonce = Buffer.alloc(16, 3);
    const aad = Buffer.alloc(32, 1);
    const { data, tag } = aeadEncrypt(c, key, nonce, aad, Buffer.from('hello smb3'));
    assert.equal(aeadDecrypt(c, key, nonce, aad, data, tag).toString(), 'hello smb3');
    data[0] ^= 1;
    assert.throws(() => aeadDecrypt(c, key, nonce, aad, data, tag));
  }
});

test('NetBIOS framing splits and joins messages across reads', () => {
  const a = Buffer.alloc(70000, 1);
  const b = Buffer.from('second');
  const wire = Buffer.concat([frame(a), frame(b)]);
  const r = new FrameReader();
  const got: Buffer[] = [];
  for (let i = 0; i < wire.length; i += 999) got.push(...r.push(wire.subarray(i, i + 999)));
  assert.equal(got.length, 2);
  assert.ok(got[0].equals(a));
  assert.equal(got[1].toString(), 'second');
});

test('NetBIOS framing, reading straight into the message: target() is the rest of a large message, never more', () => {
  const big = Buffer.alloc(300000);
  for (let i = 0; i < big.length; i++) big[i] = i & 0xff;
  const wire = Buffer.concat([frame(Buffer.from('first')), frame(big), frame(Buffer.from('after'))]);
  const r = new FrameReader();
  const got: Buffer[] = [];
  let direct = 0;
  for (let at = 0; at < wire.length;) {
    const t = r.target();
    if (t.length >= 65536 && t.length <= big.length) direct++;
    const n = Math.min(t.length, 50000, wire.length - at); // a socket read returns what has arrived
    wire.copy(t, 0, at, at + n);
    got.push(...r.arrived(t, n));
    at += n;
  }
  assert.deepEqual(
    got.map((m) => m.length),
    [5, big.length, 5],
  );
  assert.ok(got[1].equals(big));
  assert.equal(got[2].toString(), 'after');
  assert.ok(direct >= 4, `${direct} reads went straight into the message`);
});

test('SPNEGO NegTokenResp round trip (long form lengths)', () => {
  const tok = Buffer.alloc(300, 9);
  assert.ok(parseNegTokenResp(negTokenResp(tok)).responseToken?.equals(tok));
});

test('smb:// URIs parse, key the pool and format back', () => {
  const t = parseSmbUri('smb://CORP;alice@files.example:4450/Data/dir%20a/f.bin');
  assert.deepEqual(t, { domain: 'CORP', user: 'alice', host: 'files.example', port: 4450, share: 'Data', path: 'dir a/f.bin' });
  assert.equal(poolKey(t), 'CORP;alice@files.example:4450/data');
  assert.equal(formatSmbUri(t), 'smb://CORP;alice@files.example:4450/Data/dir%20a/f.bin');
  assert.equal(parseSmbUri('smb://bob@[::1]/s').host, '::1');
  assert.equal(parseSmbUri('smb://bob@h/s').port, 445);
  assert.throws(() => parseSmbUri('smb://h/share/x'), /E_BAD_INPUT/);
  assert.throws(() => parseSmbUri('smb://u@h'), /names no share/);
  assert.throws(() => parseSmbUri('smb://u@h/s/../x'), /not allowed/);
});

test('an IPv6 host is written in brackets in what people read: [::1]:4455, not ::1:4455', async () => {
  // Found by hand: 'extent-lens space smb://u@[::1]:4455/data' said "Nothing accepts SMB
  // connections at ::1:4455", which reads as host ::1:4455 or port 1:4455.
  const { SmbConnection } = await import('../../src/engine/backends/smb/protocol/connection');
  const { hostPort } = await import('../../src/engine/backends/smb/protocol/uri');
  const { openShareFailure } = await import('../../src/host/logic/smb-errors');
  const { plainT } = await import('../../src/host/logic/translate');
  assert.equal(hostPort('::1', 4455), '[::1]:4455');
  assert.equal(hostPort('fe80::1%eth0', 445), '[fe80::1%eth0]:445');
  assert.equal(hostPort('127.0.0.1', 445), '127.0.0.1:445');
  const a = { domain: '', user: 'u', host: '::1', port: 4455, share: 'data', folder: '' };
  assert.match(openShareFailure('STATUS_LOGON_FAILURE', '', a, plainT).sentence, /^\[::1\]:4455 refused the password for u /);
  // a port nothing listens on at ::1 (where this machine has IPv6 loopback)
  const { createServer } = await import('node:net');
  const port = await new Promise<number>((resolve, reject) => {
    const s = createServer().once('error', reject);
    s.listen(0, '::1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  }).catch(() => 0);
  if (port === 0) return; // no IPv6 loopback here
  await assert.rejects(SmbConnection.open('::1', port, 5000), (e: Error) => {
    assert.match(e.message, new RegExp(`^Nothing accepts SMB connections at \\[::1\\]:${port} \\(ECONNREFUSED\\)`));
    return true;
  });
});
