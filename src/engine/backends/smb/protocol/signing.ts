// Message signing (MS-SMB2 3.1.4.1) and the per-dialect session keys (3.3.5.5.3 / 3.2.5.3.1).
// SMB 2.x signs with HMAC-SHA256 under the session key; SMB 3.x with AES-128-CMAC under a key
// derived by SP800-108. 3.1.1 derives from the pre-authentication integrity hash instead of
// fixed context strings.

import { createHmac } from 'node:crypto';
import { aesCmac, smb3Kdf } from './crypto';

export interface SessionKeys {
  signingKey: Buffer;
  /** client -> server */
  encryptionKey: Buffer;
  /** server -> client */
  decryptionKey: Buffer;
}

const z = (s: string) => Buffer.from(s + '\0', 'latin1');

export function deriveKeys(dialect: number, sessionKey: Buffer, preauthHash: Buffer | undefined): SessionKeys {
  const key = sessionKey.subarray(0, 16);
  if (dialect < 0x0300) {
    return { signingKey: Buffer.from(key), encryptionKey: Buffer.alloc(0), decryptionKey: Buffer.alloc(0) };
  }
  if (dialect === 0x0311) {
    if (!preauthHash) throw new Error('SMB 3.1.1 key derivation needs the pre-authentication hash');
    return {
      signingKey: smb3Kdf(key, z('SMBSigningKey'), preauthHash),
      encryptionKey: smb3Kdf(key, z('SMBC2SCipherKey'), preauthHash),
      decryptionKey: smb3Kdf(key, z('SMBS2CCipherKey'), preauthHash),
    };
  }
  return {
    signingKey: smb3Kdf(key, z('SMB2AESCMAC'), z('SmbSign')),
    encryptionKey: smb3Kdf(key, z('SMB2AESCCM'), z('ServerIn ')),
    decryptionKey: smb3Kdf(key, z('SMB2AESCCM'), z('ServerOut')),
  };
}

/** The 16-byte signature of `message` (its signature field must already be zero). */
export function computeSignature(dialect: number, signingKey: Buffer, message: Buffer): Buffer {
  if (dialect < 0x0300) return createHmac('sha256', signingKey).update(message).digest().subarray(0, 16);
  return aesCmac(signingKey, message);
}

export function signInPlace(dialect: number, signingKey: Buffer, message: Buffer): void {
  message.fill(0, 48, 64);
  computeSignature(dialect, signingKey, message).copy(message, 48);
}

export function verifySignature(dialect: number, signingKey: Buffer, message: Buffer): boolean {
  const got = Buffer.from(message.subarray(48, 64));
  const copy = Buffer.from(message);
  copy.fill(0, 48, 64);
  return computeSignature(dialect, signingKey, copy).equals(got);
}
