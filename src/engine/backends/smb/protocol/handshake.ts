// Connection setup: NEGOTIATE (SMB 2.0.2 / 2.1 / 3.0 / 3.0.2 / 3.1.1 with pre-authentication
// integrity and the encryption- and signing-capabilities contexts), SESSION_SETUP with NTLMv2
// in SPNEGO, key derivation, and TREE_CONNECT.
//
// What 3.1.1 offers, in order (the server chooses; Samba and Windows take their own order
// among what the client offers, so ours only matters to a server without a preference):
// ciphers AES-128-GCM, AES-256-GCM, AES-128-CCM, AES-256-CCM: GCM before CCM because GCM is
// one pass with hardware help (AES-NI + carry-less multiply) where CCM is two (CTR and a
// serial CBC-MAC); 128 before 256 within a mode because 128-bit AES runs 10 rounds to 14 and
// is not the weak point of a session keyed by NTLM. A server that demands 256 (Azure Files'
// maximum-security profile) still gets it. Signing AES-GMAC, then AES-CMAC: GMAC is the same
// one-pass GCM hash, CMAC a serial CBC chain.
//
// SMB 2.0.2 has neither negotiate validation nor encryption: when its server does not require
// signing, a session could be tampered with and downgraded to it unseen, so the client
// refuses before SESSION_SETUP (no credentials are sent) unless allowUnsignedLegacy is set.

import { createHash, randomBytes } from 'node:crypto';
import type { SmbConnection } from './connection';
import type { Smb3Cipher } from './crypto';
import { Malformed, SmbStatusError, decodeReply, smbError } from './errors';
import { Command } from './header';
import { authenticateMessage, negotiateMessage, parseChallenge } from './ntlm';
import { SIGNING_IDS, defaultSigning, deriveKeys, verifySignature, type SigningAlgorithm } from './signing';
import { negTokenInit, negTokenResp, parseNegTokenResp } from './spnego';
import { STATUS } from '../../../nt/codec/ntstatus';
import { Wire, payload, structure } from './wire';

export const DIALECTS = { '2.0.2': 0x0202, '2.1': 0x0210, '3.0': 0x0300, '3.0.2': 0x0302, '3.1.1': 0x0311 } as const;
export type DialectName = keyof typeof DIALECTS;

const CAP_LARGE_MTU = 0x4;
const CAP_ENCRYPTION = 0x40;
const SECURITY_SIGNING_ENABLED = 0x1;
const SECURITY_SIGNING_REQUIRED = 0x2;
const SESSION_FLAG_IS_GUEST = 0x1;
const SESSION_FLAG_IS_NULL = 0x2;
const SESSION_FLAG_ENCRYPT_DATA = 0x4;
const SHARE_FLAG_ENCRYPT_DATA = 0x8000;

/** SMB2_ENCRYPTION_CAPABILITIES cipher ids (MS-SMB2 2.2.3.1.2; docs/facts/smb2-security.md#cipher-ids). */
const CIPHER_IDS: Record<Smb3Cipher, number> = { 'aes-128-ccm': 1, 'aes-128-gcm': 2, 'aes-256-ccm': 3, 'aes-256-gcm': 4 };
const DEFAULT_CIPHERS: Smb3Cipher[] = ['aes-128-gcm', 'aes-256-gcm', 'aes-128-ccm', 'aes-256-ccm'];
const DEFAULT_SIGNING: SigningAlgorithm[] = ['aes-gmac', 'aes-cmac'];
const DEFAULT_DIALECTS: DialectName[] = ['2.0.2', '2.1', '3.0', '3.0.2', '3.1.1'];

interface NegotiateOptions {
  dialects?: DialectName[];
  /** Ciphers to offer in 3.1.1, in order of preference. */
  ciphers?: Smb3Cipher[];
  /** Signing algorithms to offer in 3.1.1 (SMB2_SIGNING_CAPABILITIES), in order of preference. */
  signing?: SigningAlgorithm[];
  /** Sign every request even when the server does not require it (default true). */
  sign?: boolean;
  /** Go on with an SMB 2.0.2 server that does not require signing (default false: refuse). */
  allowUnsignedLegacy?: boolean;
}

export interface NegotiateResult {
  dialect: number;
  maxTransactSize: number;
  maxReadSize: number;
  maxWriteSize: number;
  serverGuid: string;
  serverSigningRequired: boolean;
  capabilities: number;
  /** Connection pre-authentication hash (3.1.1), after NEGOTIATE. */
  preauth?: Buffer;
}

function sha512(...parts: Buffer[]): Buffer {
  const h = createHash('sha512');
  for (const p of parts) h.update(p);
  return h.digest();
}

function negotiateContexts(ciphers: Smb3Cipher[], signing: SigningAlgorithm[]): Buffer[] {
  const ctx = (type: number, data: Buffer) => {
    const h = Buffer.alloc(8);
    h.writeUInt16LE(type, 0);
    h.writeUInt16LE(data.length, 2);
    return Buffer.concat([h, data]);
  };
  const preauth = Buffer.alloc(6 + 32);
  preauth.writeUInt16LE(1, 0); // HashAlgorithmCount
  preauth.writeUInt16LE(32, 2); // SaltLength
  preauth.writeUInt16LE(1, 4); // SHA-512
  randomBytes(32).copy(preauth, 6);
  const enc = Buffer.alloc(2 + 2 * ciphers.length);
  enc.writeUInt16LE(ciphers.length, 0);
  ciphers.forEach((c, i) => enc.writeUInt16LE(CIPHER_IDS[c], 2 + 2 * i));
  const sig = Buffer.alloc(2 + 2 * signing.length);
  sig.writeUInt16LE(signing.length, 0);
  signing.forEach((a, i) => sig.writeUInt16LE(SIGNING_IDS[a], 2 + 2 * i));
  return [ctx(1, preauth), ctx(2, enc), ...(signing.length ? [ctx(8, sig)] : [])];
}

const pad8 = (n: number) => (8 - (n % 8)) % 8;

export async function negotiate(conn: SmbConnection, opts: NegotiateOptions): Promise<NegotiateResult> {
  const dialects: number[] = (opts.dialects ?? DEFAULT_DIALECTS).map((d) => DIALECTS[d as DialectName]);
  const ciphers = opts.ciphers ?? DEFAULT_CIPHERS;
  const has311 = dialects.includes(0x0311);
  const fixed = Buffer.alloc(36);
  fixed.writeUInt16LE(36, 0);
  fixed.writeUInt16LE(dialects.length, 2);
  fixed.writeUInt16LE(SECURITY_SIGNING_ENABLED, 4);
  fixed.writeUInt32LE(CAP_LARGE_MTU | CAP_ENCRYPTION, 8);
  randomBytes(16).copy(fixed, 12);
  const dialectBytes = Buffer.alloc(2 * dialects.length);
  dialects.forEach((d, i) => dialectBytes.writeUInt16LE(d, 2 * i));
  const parts: Buffer[] = [fixed, dialectBytes];
  if (has311) {
    let at = 64 + 36 + dialectBytes.length;
    const p = pad8(at);
    parts.push(Buffer.alloc(p));
    at += p;
    fixed.writeUInt32LE(at, 28); // NegotiateContextOffset
    const ctxs = negotiateContexts(ciphers, opts.signing ?? DEFAULT_SIGNING);
    fixed.writeUInt16LE(ctxs.length, 32);
    ctxs.forEach((c, i) => {
      parts.push(c);
      if (i < ctxs.length - 1) parts.push(Buffer.alloc(pad8(c.length)));
    });
  }
  let reqRaw = Buffer.alloc(0);
  const r = await conn.send(Command.NEGOTIATE, Buffer.concat(parts), { onRaw: (raw) => (reqRaw = Buffer.from(raw)) });
  if (r.header.status === STATUS.STATUS_NOT_SUPPORTED) {
    // Samba (server min protocol above what was offered) answers so: say which were offered and why
    const offered = (opts.dialects ?? DEFAULT_DIALECTS).join(', ');
    throw new SmbStatusError(
      r.header.status,
      'NEGOTIATE',
      [],
      conn.where,
      opts.dialects
        ? `The server on ${conn.where} accepts none of the SMB dialects offered (${offered}, as EXTENT_LENS_SMB_DIALECT asks) (STATUS_NOT_SUPPORTED); unset EXTENT_LENS_SMB_DIALECT, or include a dialect the server allows.`
        : `The server on ${conn.where} accepts none of the SMB dialects offered (${offered}) (STATUS_NOT_SUPPORTED); it may allow only SMB1, which Extent Lens does not speak: allow SMB 2 or later on the server (Samba: server min protocol).`,
    );
  }
  if (r.header.status !== STATUS.STATUS_SUCCESS) {
    throw new SmbStatusError(r.header.status, 'NEGOTIATE', [], conn.where);
  }
  const parsed = decodeReply(conn.where, 'NEGOTIATE', [], () => parseNegotiate(r.body));
  const { dialect, capabilities } = parsed;
  if (!dialects.includes(dialect)) {
    throw smbError(
      'EPROTONOSUPPORT',
      [],
      `The SMB server ${conn.where} chose dialect 0x${dialect.toString(16)}, which was not offered (EPROTONOSUPPORT); Extent Lens speaks SMB 2.0.2, 2.1, 3.0, 3.0.2 and 3.1.1.`,
    );
  }
  const res: NegotiateResult = {
    dialect,
    serverGuid: parsed.serverGuid,
    capabilities,
    maxTransactSize: parsed.maxTransactSize,
    maxReadSize: parsed.maxReadSize,
    maxWriteSize: parsed.maxWriteSize,
    serverSigningRequired: parsed.serverSigningRequired,
  };
  conn.dialect = dialect;
  conn.supportsMultiCredit = (capabilities & CAP_LARGE_MTU) !== 0;
  conn.signingAlgorithm = defaultSigning(dialect);
  if (dialect === 0x0311) {
    res.preauth = sha512(sha512(Buffer.alloc(64), reqRaw), r.raw);
    const chosen = decodeReply(conn.where, 'NEGOTIATE', [], () => negotiatedContexts(r.body));
    conn.cipher = chosen.cipher === undefined ? undefined : offered(CIPHER_IDS, ciphers, chosen.cipher, 'cipher', conn.where);
    if (chosen.signing !== undefined) {
      conn.signingAlgorithm = offered(SIGNING_IDS, opts.signing ?? DEFAULT_SIGNING, chosen.signing, 'signing algorithm', conn.where);
    }
  } else if (dialect >= 0x0300 && capabilities & CAP_ENCRYPTION) {
    conn.cipher = 'aes-128-ccm';
  }
  conn.signingRequired = res.serverSigningRequired || opts.sign !== false;
  if (dialect === 0x0202 && !res.serverSigningRequired && !opts.allowUnsignedLegacy) {
    throw smbError(
      'E_INSECURE',
      [],
      `The SMB server ${conn.where} speaks only SMB 2.0.2 and does not require signing, so the session could go unsigned and would not be encrypted (E_INSECURE); Extent Lens did not send the password. Enable SMB 2.1 or later (or mandatory signing) on the server, or allow such servers with the setting extentLens.smb.allowUnsignedLegacy (CLI: EXTENT_LENS_SMB_ALLOW_UNSIGNED_LEGACY=1).`,
      undefined,
      'SMB2 NEGOTIATE',
    );
  }
  return res;
}

/** The name for an id the server chose; one that was not offered (a downgrade, or nonsense) is refused. */
function offered<T extends string>(table: Record<T, number>, list: readonly T[], id: number, what: string, where: string): T {
  const name = list.find((k) => table[k] === id);
  if (name === undefined) {
    throw smbError(
      'EPROTONOSUPPORT',
      [],
      `The SMB server ${where} chose ${what} 0x${id.toString(16).padStart(4, '0')}, which was not offered (EPROTONOSUPPORT).`,
    );
  }
  return name;
}

/** The fixed part of an SMB2 NEGOTIATE Response (StructureSize 65). */
function parseNegotiate(b: Buffer) {
  const w = structure(b, 65);
  return {
    serverSigningRequired: (w.u16(2, 'SecurityMode') & SECURITY_SIGNING_REQUIRED) !== 0,
    dialect: w.u16(4, 'DialectRevision'),
    serverGuid: w.bytes(8, 16, 'ServerGuid').toString('hex'),
    capabilities: w.u32(24, 'Capabilities'),
    maxTransactSize: w.u32(28, 'MaxTransactSize'),
    maxReadSize: w.u32(32, 'MaxReadSize'),
    maxWriteSize: w.u32(36, 'MaxWriteSize'),
  };
}

/**
 * The cipher and signing algorithm the 3.1.1 server chose in its SMB2_ENCRYPTION_CAPABILITIES
 * and SMB2_SIGNING_CAPABILITIES contexts (each undefined when absent; cipher 0 means none).
 * NegotiateContextOffset/Count and each context's DataLength are checked against the message.
 */
function negotiatedContexts(b: Buffer): { cipher?: number; signing?: number } {
  const w = new Wire(b);
  const count = w.u16(6, 'NegotiateContextCount');
  const offset = w.u32(60, 'NegotiateContextOffset');
  let cipher: number | undefined;
  let signing: number | undefined;
  if (count === 0) return {};
  let at = offset - 64;
  if (at < 64 || at >= b.length) {
    throw new Malformed('NegotiateContextOffset', `(${offset}) does not point into the ${64 + b.length}-byte message after the fixed part`);
  }
  for (let i = 0; i < count; i++) {
    const name = `NegotiateContextList[${i}]`;
    if (at + 8 > b.length) {
      throw new Malformed('NegotiateContextCount', `(${count}) is more than the message holds: context ${i} would start past its end`);
    }
    const type = w.u16(at, `${name}.ContextType`);
    const len = w.u16(at + 2, `${name}.DataLength`);
    const data = new Wire(w.bytes(at + 8, len, `${name}.DataLength`), `${name} data`);
    if (type === 2) {
      const n = data.u16(0, 'SMB2_ENCRYPTION_CAPABILITIES.CipherCount');
      if (n !== 1) throw new Malformed('SMB2_ENCRYPTION_CAPABILITIES.CipherCount', `is ${n}; a server chooses exactly one cipher`);
      cipher = data.u16(2, 'SMB2_ENCRYPTION_CAPABILITIES.Ciphers[0]') || undefined;
    } else if (type === 8) {
      const n = data.u16(0, 'SMB2_SIGNING_CAPABILITIES.SigningAlgorithmCount');
      if (n !== 1)
        throw new Malformed('SMB2_SIGNING_CAPABILITIES.SigningAlgorithmCount', `is ${n}; a server chooses exactly one algorithm`);
      signing = data.u16(2, 'SMB2_SIGNING_CAPABILITIES.SigningAlgorithms[0]');
    }
    at += 8 + len + pad8(len);
  }
  return { cipher, signing };
}

/** SMB2 SESSION_SETUP Response (StructureSize 9): SessionFlags and the security buffer. */
function parseSessionSetup(b: Buffer): { flags: number; token: Buffer } {
  const w = structure(b, 9);
  const flags = w.u16(2, 'SessionFlags');
  const token = payload(
    b,
    w.u16(4, 'SecurityBufferOffset'),
    w.u16(6, 'SecurityBufferLength'),
    'SecurityBufferOffset',
    'SecurityBufferLength',
  );
  return { flags, token };
}

interface Credentials {
  user: string;
  password: string;
  domain: string;
}

interface SessionResult {
  guest: boolean;
  encryptData: boolean;
}

function sessionSetupBody(token: Buffer): Buffer {
  const b = Buffer.alloc(24);
  b.writeUInt16LE(25, 0);
  b.writeUInt8(0, 2); // Flags
  b.writeUInt8(SECURITY_SIGNING_ENABLED, 3);
  b.writeUInt32LE(0, 4); // Capabilities
  b.writeUInt16LE(64 + 24, 12);
  b.writeUInt16LE(token.length, 14);
  return Buffer.concat([b, token]);
}

export async function sessionSetup(conn: SmbConnection, neg: NegotiateResult, cred: Credentials): Promise<SessionResult> {
  let preauth = neg.preauth;
  const hashIn = (raw: Buffer) => {
    if (preauth) preauth = sha512(preauth, raw);
  };
  const where = `${cred.domain ? cred.domain + '\\' : ''}${cred.user}@${conn.where}`;

  const r1 = await conn.send(Command.SESSION_SETUP, sessionSetupBody(negTokenInit(negotiateMessage())), { onRaw: hashIn });
  if (r1.header.status !== STATUS.STATUS_MORE_PROCESSING_REQUIRED) {
    throw new SmbStatusError(r1.header.status, 'SESSION_SETUP', [], where);
  }
  hashIn(r1.raw);
  conn.sessionId = r1.header.sessionId;
  const challengeBytes = decodeReply(
    conn.where,
    'SESSION_SETUP',
    [],
    () => parseNegTokenResp(parseSessionSetup(r1.body).token).responseToken,
  );
  if (!challengeBytes) {
    throw smbError(
      'EPROTO',
      [],
      `The SMB server ${conn.where} did not offer NTLM authentication (EPROTO); Extent Lens authenticates with NTLMv2 only.`,
    );
  }
  const challenge = decodeReply(conn.where, 'SESSION_SETUP', [], () => parseChallenge(challengeBytes));
  const auth = authenticateMessage(challenge, cred.user, cred.password, cred.domain);

  const r2 = await conn.send(Command.SESSION_SETUP, sessionSetupBody(negTokenResp(auth.message)), { onRaw: hashIn });
  if (r2.header.status !== STATUS.STATUS_SUCCESS) {
    conn.sessionId = 0n;
    throw new SmbStatusError(r2.header.status, 'SESSION_SETUP', [], where, encryptionHint(conn, r2.header.status, where));
  }
  const { flags } = decodeReply(conn.where, 'SESSION_SETUP', [], () => parseSessionSetup(r2.body));
  if (flags & (SESSION_FLAG_IS_GUEST | SESSION_FLAG_IS_NULL)) {
    // A guest session has no keys: nothing could be signed, and the user is not who was asked.
    throw new SmbStatusError(
      STATUS.STATUS_LOGON_FAILURE,
      'SESSION_SETUP',
      [],
      where,
      `The server ${conn.where} logged ${cred.user} on as a guest (STATUS_LOGON_FAILURE): the user is unknown or the password is wrong; check both.`,
    );
  }
  const keys = deriveKeys(conn.dialect, auth.sessionKey, preauth, conn.cipher);
  // The server signs the final SESSION_SETUP response (3.x): checking it proves the keys agree.
  if (r2.header.flags & 0x8 && !verifySignature(conn.signingAlgorithm, keys.signingKey, r2.raw)) {
    throw smbError(
      'EBADMSG',
      [],
      `The session keys for ${where} do not agree with the server's (EBADMSG): its SESSION_SETUP signature did not verify.`,
    );
  }
  conn.keys = keys;
  conn.encryptSession = (flags & SESSION_FLAG_ENCRYPT_DATA) !== 0;
  if (conn.encryptSession && !conn.cipher) {
    throw smbError(
      'EPROTONOSUPPORT',
      [],
      `The server ${conn.where} requires encryption but no common cipher was negotiated (EPROTONOSUPPORT).`,
    );
  }
  return { guest: false, encryptData: conn.encryptSession };
}

/** Samba and Windows answer STATUS_ACCESS_DENIED when encryption is required but the dialect has none. */
function encryptionHint(conn: SmbConnection, status: number, where: string): string | undefined {
  if (status !== STATUS.STATUS_ACCESS_DENIED || conn.dialect >= 0x0300) return undefined;
  return `The server denied access to ${where} over SMB ${conn.dialect === 0x0210 ? '2.1' : '2.x'} (STATUS_ACCESS_DENIED); if the share requires encryption, allow SMB 3.x (unset EXTENT_LENS_SMB_DIALECT, or include 3.1.1 in it), otherwise check the share's permissions for this user.`;
}

interface TreeResult {
  treeId: number;
  encrypt: boolean;
  shareType: number;
  maximalAccess: number;
}

export async function treeConnect(conn: SmbConnection, share: string): Promise<TreeResult> {
  const path = Buffer.from(`\\\\${conn.host}\\${share}`, 'utf16le');
  const b = Buffer.alloc(8);
  b.writeUInt16LE(9, 0);
  b.writeUInt16LE(64 + 8, 4);
  b.writeUInt16LE(path.length, 6);
  const r = await conn.send(Command.TREE_CONNECT, Buffer.concat([b, path]));
  if (r.header.status !== STATUS.STATUS_SUCCESS) {
    throw new SmbStatusError(
      r.header.status,
      'TREE_CONNECT',
      [],
      `//${conn.where}/${share}`,
      encryptionHint(conn, r.header.status, `//${conn.where}/${share}`),
    );
  }
  const t = decodeReply(conn.where, 'TREE_CONNECT', [], () => {
    const w = structure(r.body, 16);
    return { shareType: w.u8(2, 'ShareType'), shareFlags: w.u32(4, 'ShareFlags'), maximalAccess: w.u32(12, 'MaximalAccess') };
  });
  const encrypt = (t.shareFlags & SHARE_FLAG_ENCRYPT_DATA) !== 0;
  if (encrypt && !conn.cipher) {
    throw smbError(
      'EPROTONOSUPPORT',
      [],
      `The share //${conn.where}/${share} requires encryption, which needs SMB 3.x with a common cipher (EPROTONOSUPPORT).`,
    );
  }
  return { treeId: r.header.treeId, encrypt, shareType: t.shareType, maximalAccess: t.maximalAccess };
}
