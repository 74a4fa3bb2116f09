// Just enough DER to wrap NTLMSSP in SPNEGO (RFC 4178) for SMB2 SESSION_SETUP: the
// NegTokenInit that offers NTLMSSP with its NEGOTIATE message, the NegTokenResp carrying
// AUTHENTICATE, and finding the responseToken in the server's NegTokenResp.

import { Malformed } from './errors';

const SPNEGO_OID = Buffer.from([0x06, 0x06, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x02]);
const NTLMSSP_OID = Buffer.from([0x06, 0x0a, 0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x02, 0x02, 0x0a]);

function der(tag: number, body: Uint8Array): Buffer {
  const n = body.length;
  let len: Buffer;
  if (n < 0x80) len = Buffer.from([n]);
  else if (n < 0x100) len = Buffer.from([0x81, n]);
  else if (n < 0x10000) len = Buffer.from([0x82, n >> 8, n & 0xff]);
  else len = Buffer.from([0x83, n >> 16, (n >> 8) & 0xff, n & 0xff]);
  return Buffer.concat([Buffer.from([tag]), len, body]);
}

export function negTokenInit(mechToken: Uint8Array): Buffer {
  const mechTypes = der(0xa0, der(0x30, NTLMSSP_OID));
  const token = der(0xa2, der(0x04, mechToken));
  return der(0x60, Buffer.concat([SPNEGO_OID, der(0xa0, der(0x30, Buffer.concat([mechTypes, token])))]));
}

export function negTokenResp(responseToken: Uint8Array): Buffer {
  return der(0xa1, der(0x30, der(0xa2, der(0x04, responseToken))));
}

interface Tlv {
  tag: number;
  body: Buffer;
  end: number;
}

/** One DER element at `at`; its tag, length octets and contents must lie within `b`. */
function readTlv(b: Buffer, at: number, field: string): Tlv {
  if (at + 2 > b.length)
    throw new Malformed(`the SPNEGO token's ${field}`, `is truncated: its tag and length need 2 bytes at ${at} of ${b.length}`);
  const tag = b[at];
  let len = b[at + 1];
  let p = at + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4) throw new Malformed(`the SPNEGO token's ${field}`, `has a length of ${n} octets (DER allows 1 to 4 here)`);
    if (p + n > b.length)
      throw new Malformed(`the SPNEGO token's ${field}`, `is truncated: its ${n} length octets run past the ${b.length}-byte token`);
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + b[p + i];
    p += n;
  }
  if (p + len > b.length) {
    throw new Malformed(`the SPNEGO token's ${field}`, `is truncated: it claims ${len} byte(s) at ${p}, but only ${b.length - p} follow`);
  }
  return { tag, body: b.subarray(p, p + len), end: p + len };
}

interface NegTokenRespInfo {
  negState?: number; // 0 accept-completed, 1 accept-incomplete, 2 reject
  responseToken?: Buffer;
}

/** Parse a NegTokenResp ([1] SEQUENCE { [0] negState, [1] mech, [2] token, [3] mic }). */
export function parseNegTokenResp(token: Uint8Array): NegTokenRespInfo {
  const b = Buffer.from(token);
  if (b.length === 0) return {};
  const outer = readTlv(b, 0, 'NegTokenResp');
  if (outer.tag !== 0xa1) throw new Malformed(`the SPNEGO token's tag`, `is 0x${outer.tag.toString(16)}, not 0xa1 (NegTokenResp)`);
  const seq = readTlv(outer.body, 0, 'NegTokenResp SEQUENCE');
  const out: NegTokenRespInfo = {};
  for (let at = 0; at < seq.body.length;) {
    const f = readTlv(seq.body, at, 'NegTokenResp field');
    const inner = readTlv(f.body, 0, `NegTokenResp [${f.tag & 0x1f}] field`);
    if (f.tag === 0xa0) out.negState = inner.body[0];
    if (f.tag === 0xa2) out.responseToken = Buffer.from(inner.body);
    at = f.end;
  }
  return out;
}
