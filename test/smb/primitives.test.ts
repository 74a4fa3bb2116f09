// The SMB client's primitives against published test vectors: MD4 (RFC 1320), AES-CMAC
// (RFC 4493), NTLMv2 (MS-NLMP 4.2.4), plus framing, SPNEGO and URI round trips.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { aeadDecrypt, aeadEncrypt, aesCmac } from '../../src/engine/backends/smb/protocol/crypto';
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

test('AES-128-GCM and AES-128-CCM round trip and reject tampering', () => {
  for (const c of ['aes-128-gcm', 'aes-128-ccm'] as const) {
    const key = Buffer.alloc(16, 7);
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
