// NTLMSSP (MS-NLMP) with NTLMv2 responses: the NEGOTIATE message, parsing the server's
// CHALLENGE, and the AUTHENTICATE message with the session base key it implies.
//
// No KEY_EXCH: the exported session key is then the key-exchange key (= the NTLMv2 session
// base key), which SMB signing and key derivation use. That avoids RC4 (also in OpenSSL 3's
// legacy provider) and no MIC is sent, so SPNEGO needs no mechListMIC either.

import { createHmac, randomBytes } from 'node:crypto';
import { Malformed } from './errors';
import { md4 } from './md4';

const SIGNATURE = Buffer.from('NTLMSSP\0', 'latin1');

const NTLMSSP_NEGOTIATE_UNICODE = 0x00000001;
const NTLMSSP_REQUEST_TARGET = 0x00000004;
const NTLMSSP_NEGOTIATE_SIGN = 0x00000010;
const NTLMSSP_NEGOTIATE_NTLM = 0x00000200;
const NTLMSSP_NEGOTIATE_ALWAYS_SIGN = 0x00008000;
const NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY = 0x00080000;
const NTLMSSP_NEGOTIATE_TARGET_INFO = 0x00800000;
const NTLMSSP_NEGOTIATE_128 = 0x20000000;
const NTLMSSP_NEGOTIATE_56 = 0x80000000;

const CLIENT_FLAGS =
  (NTLMSSP_NEGOTIATE_UNICODE |
    NTLMSSP_REQUEST_TARGET |
    NTLMSSP_NEGOTIATE_SIGN |
    NTLMSSP_NEGOTIATE_NTLM |
    NTLMSSP_NEGOTIATE_ALWAYS_SIGN |
    NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY |
    NTLMSSP_NEGOTIATE_TARGET_INFO |
    NTLMSSP_NEGOTIATE_128 |
    NTLMSSP_NEGOTIATE_56) >>>
  0;

const utf16 = (s: string) => Buffer.from(s, 'utf16le');
const hmacMd5 = (key: Uint8Array, ...parts: Uint8Array[]) => {
  const h = createHmac('md5', key);
  for (const p of parts) h.update(p);
  return h.digest();
};

/** NTOWFv2 = HMAC-MD5(MD4(UTF-16LE(password)), UTF-16LE(UPPER(user) + domain)). */
export function ntowfv2(password: string, user: string, domain: string): Buffer {
  return hmacMd5(md4(utf16(password)), utf16(user.toUpperCase() + domain));
}

export function negotiateMessage(): Buffer {
  const b = Buffer.alloc(32);
  SIGNATURE.copy(b, 0);
  b.writeUInt32LE(1, 8);
  b.writeUInt32LE(CLIENT_FLAGS, 12);
  // Domain and workstation fields empty (len 0, offset 32).
  b.writeUInt32LE(32, 20);
  b.writeUInt32LE(32, 28);
  return b;
}

interface NtlmChallenge {
  flags: number;
  serverChallenge: Buffer;
  targetName: string;
  targetInfo: Buffer;
}

export function parseChallenge(msg: Uint8Array): NtlmChallenge {
  const b = Buffer.from(msg);
  if (b.length < 48 || !b.subarray(0, 8).equals(SIGNATURE) || b.readUInt32LE(8) !== 2) {
    throw new Malformed(
      'the NTLMSSP token',
      `is not a CHALLENGE message (${b.length} bytes; it needs 48, the NTLMSSP signature and MessageType 2)`,
    );
  }
  const field = (at: number, name: string) => {
    const len = b.readUInt16LE(at);
    const off = b.readUInt32LE(at + 4);
    if (len > 0 && off + len > b.length) {
      throw new Malformed(`CHALLENGE ${name}Fields`, `(offset ${off}, length ${len}) point past the ${b.length}-byte message`);
    }
    return b.subarray(off, off + len);
  };
  return {
    targetName: field(12, 'TargetName').toString('utf16le'),
    flags: b.readUInt32LE(20),
    serverChallenge: Buffer.from(b.subarray(24, 32)),
    targetInfo: Buffer.from(field(40, 'TargetInfo')),
  };
}

/** The NTLMv2 response pieces (MS-NLMP 3.3.2), exposed for the spec's test vector. */
export function ntlmv2Response(
  ntowf: Buffer,
  serverChallenge: Buffer,
  clientChallenge: Buffer,
  timestamp: Buffer,
  targetInfo: Buffer,
): { ntProofStr: Buffer; ntResponse: Buffer; lmResponse: Buffer; sessionBaseKey: Buffer } {
  const temp = Buffer.concat([
    Buffer.from([1, 1, 0, 0, 0, 0, 0, 0]),
    timestamp,
    clientChallenge,
    Buffer.alloc(4),
    targetInfo,
    Buffer.alloc(4),
  ]);
  const ntProofStr = hmacMd5(ntowf, serverChallenge, temp);
  const lmResponse = Buffer.concat([hmacMd5(ntowf, serverChallenge, clientChallenge), clientChallenge]);
  return {
    ntProofStr,
    ntResponse: Buffer.concat([ntProofStr, temp]),
    lmResponse,
    sessionBaseKey: hmacMd5(ntowf, ntProofStr),
  };
}

/** Current time as a FILETIME (100 ns since 1601), little endian. */
function filetimeNow(): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE((BigInt(Date.now()) + 11644473600000n) * 10000n);
  return b;
}

/** The timestamp the server put in its target info (MsvAvTimestamp = 7), when it did. */
function avTimestamp(targetInfo: Buffer): Buffer | undefined {
  for (let at = 0; at + 4 <= targetInfo.length;) {
    const id = targetInfo.readUInt16LE(at);
    const len = targetInfo.readUInt16LE(at + 2);
    if (id === 0) break;
    if (at + 4 + len > targetInfo.length)
      throw new Malformed(`CHALLENGE TargetInfo AvPair ${id}`, `(AvLen ${len}) runs past the target info`);
    if (id === 7 && len === 8) return Buffer.from(targetInfo.subarray(at + 4, at + 12));
    at += 4 + len;
  }
  return undefined;
}

export function authenticateMessage(
  challenge: NtlmChallenge,
  user: string,
  password: string,
  domain: string,
  workstation = 'EXTENTLENS',
): { message: Buffer; sessionKey: Buffer } {
  const ntowf = ntowfv2(password, user, domain);
  const serverTime = avTimestamp(challenge.targetInfo);
  const r = ntlmv2Response(ntowf, challenge.serverChallenge, randomBytes(8), serverTime ?? filetimeNow(), challenge.targetInfo);
  // With a server timestamp, MS-NLMP says the LM response is 24 zero bytes.
  const lm = serverTime ? Buffer.alloc(24) : r.lmResponse;
  const payload = [lm, r.ntResponse, utf16(domain), utf16(user), utf16(workstation), Buffer.alloc(0)];
  const header = Buffer.alloc(64);
  SIGNATURE.copy(header, 0);
  header.writeUInt32LE(3, 8);
  let off = 64;
  payload.forEach((p, i) => {
    const at = 12 + i * 8;
    header.writeUInt16LE(p.length, at);
    header.writeUInt16LE(p.length, at + 2);
    header.writeUInt32LE(off, at + 4);
    off += p.length;
  });
  header.writeUInt32LE((CLIENT_FLAGS & challenge.flags) >>> 0 || CLIENT_FLAGS, 60);
  return { message: Buffer.concat([header, ...payload]), sessionKey: r.sessionBaseKey };
}
