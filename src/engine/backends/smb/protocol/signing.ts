// Message signing (MS-SMB2 3.1.4.1) and the per-dialect session keys (3.3.5.5.3 / 3.2.5.3.1).
// SMB 2.x signs with HMAC-SHA256 under the session key; SMB 3.x with AES-128-CMAC under a key
// derived by SP800-108, or, when 3.1.1 negotiated it in SMB2_SIGNING_CAPABILITIES, with
// AES-128-GMAC under the same key. 3.1.1 derives from the pre-authentication integrity hash
// instead of fixed context strings, and with L = 256 when the cipher is AES-256-CCM/GCM
// (docs/facts/smb2-security.md#key-derivation-lengths, #aes-gmac-nonce).

import { createHmac } from 'node:crypto';
import { aesCmac, aesGmac, cipherBits, smb3Kdf, type Smb3Cipher } from './crypto';
import { Command, FLAG_SERVER_TO_REDIR } from './header';

export type SigningAlgorithm = 'hmac-sha256' | 'aes-cmac' | 'aes-gmac';

/** SMB2_SIGNING_CAPABILITIES algorithm ids (MS-SMB2 2.2.3.1.7). */
export const SIGNING_IDS: Record<SigningAlgorithm, number> = { 'hmac-sha256': 0, 'aes-cmac': 1, 'aes-gmac': 2 };

/** The algorithm a dialect signs with when 3.1.1 did not negotiate one. */
export function defaultSigning(dialect: number): SigningAlgorithm {
  return dialect < 0x0300 ? 'hmac-sha256' : 'aes-cmac';
}

export interface SessionKeys {
  signingKey: Buffer;
  /** client -> server */
  encryptionKey: Buffer;
  /** server -> client */
  decryptionKey: Buffer;
}

const z = (s: string) => Buffer.from(s + '\0', 'latin1');

export function deriveKeys(dialect: number, sessionKey: Buffer, preauthHash: Buffer | undefined, cipher?: Smb3Cipher): SessionKeys {
  const key = sessionKey.subarray(0, 16);
  if (dialect < 0x0300) {
    return { signingKey: Buffer.from(key), encryptionKey: Buffer.alloc(0), decryptionKey: Buffer.alloc(0) };
  }
  if (dialect === 0x0311) {
    if (!preauthHash) throw new Error('SMB 3.1.1 key derivation needs the pre-authentication hash');
    // An AES-256 cipher derives its two 32-byte cipher keys with L = 256 from the full session
    // key (MS-SMB2 3.1.4.2, 3.2.5.3.1). The signing key stays a 128-bit key derived with
    // L = 128: that is what Samba computes (a signing key from L = 256, cut to 16 bytes, made
    // its SESSION_SETUP signature fail to verify). NTLM's session key is 16 bytes, so "full"
    // and "first 16" are the same bytes here.
    const bits = cipherBits(cipher);
    const ki = bits === 256 ? sessionKey : key;
    return {
      signingKey: smb3Kdf(ki, z('SMBSigningKey'), preauthHash),
      encryptionKey: smb3Kdf(ki, z('SMBC2SCipherKey'), preauthHash, bits),
      decryptionKey: smb3Kdf(ki, z('SMBS2CCipherKey'), preauthHash, bits),
    };
  }
  return {
    signingKey: smb3Kdf(key, z('SMB2AESCMAC'), z('SmbSign')),
    encryptionKey: smb3Kdf(key, z('SMB2AESCCM'), z('ServerIn ')),
    decryptionKey: smb3Kdf(key, z('SMB2AESCCM'), z('ServerOut')),
  };
}

/**
 * The AES-GMAC nonce (MS-SMB2 3.1.4.1): the message's MessageId (8 bytes, little-endian), then
 * a 32-bit little-endian word whose bit 0 is set for a server-to-client message and bit 1 for
 * an SMB2 CANCEL request; the other 30 bits are zero.
 */
export function gmacNonce(message: Buffer): Buffer {
  const n = Buffer.alloc(12);
  message.copy(n, 0, 24, 32);
  const role = message.readUInt32LE(16) & FLAG_SERVER_TO_REDIR ? 1 : 0;
  const cancel = message.readUInt16LE(12) === Command.CANCEL ? 2 : 0;
  n.writeUInt32LE(role | cancel, 8);
  return n;
}

/** The 16-byte signature of `message` (its signature field must already be zero). */
function computeSignature(alg: SigningAlgorithm, signingKey: Buffer, message: Buffer): Buffer {
  if (alg === 'hmac-sha256') return createHmac('sha256', signingKey).update(message).digest().subarray(0, 16);
  if (alg === 'aes-gmac') return aesGmac(signingKey, gmacNonce(message), message);
  return aesCmac(signingKey, message);
}

export function signInPlace(alg: SigningAlgorithm, signingKey: Buffer, message: Buffer): void {
  message.fill(0, 48, 64);
  computeSignature(alg, signingKey, message).copy(message, 48);
}

export function verifySignature(alg: SigningAlgorithm, signingKey: Buffer, message: Buffer): boolean {
  const got = Buffer.from(message.subarray(48, 64));
  const copy = Buffer.from(message);
  copy.fill(0, 48, 64);
  return computeSignature(alg, signingKey, copy).equals(got);
}
