// The SMB2/3 cryptographic building blocks that Node's crypto does not offer directly:
// AES-CMAC (RFC 4493; SMB 3.x signing), AES-GMAC (3.1.1 signing: GCM with no plaintext),
// the SP800-108 counter-mode KDF (SMB 3.x key derivation, MS-SMB2 3.1.4.2), and the AEAD
// wrappers for the SMB3 transform header (AES-128/256-GCM with a 12-byte nonce,
// AES-128/256-CCM with an 11-byte nonce; 16-byte tags; 32-byte keys for the 256 ciphers).

import { createCipheriv, createDecipheriv, createHmac } from 'node:crypto';

const ZERO16 = Buffer.alloc(16);

function shiftLeft1(b: Buffer): Buffer {
  const out = Buffer.alloc(16);
  for (let i = 0; i < 16; i++) {
    out[i] = ((b[i] << 1) & 0xff) | (i < 15 ? b[i + 1] >>> 7 : 0);
  }
  if (b[0] & 0x80) out[15] ^= 0x87;
  return out;
}

/** AES-128-CMAC (RFC 4493) of `msg` under a 16-byte key. */
export function aesCmac(key: Uint8Array, msg: Uint8Array): Buffer {
  const ecb = createCipheriv('aes-128-ecb', key, null);
  ecb.setAutoPadding(false);
  const l = Buffer.concat([ecb.update(ZERO16), ecb.final()]);
  const k1 = shiftLeft1(l);
  const k2 = shiftLeft1(k1);

  const n = Math.max(1, Math.ceil(msg.length / 16));
  const complete = msg.length > 0 && msg.length % 16 === 0;
  const padded = Buffer.alloc(n * 16);
  padded.set(msg);
  if (!complete) padded[msg.length] = 0x80;
  const last = padded.subarray((n - 1) * 16);
  const k = complete ? k1 : k2;
  for (let i = 0; i < 16; i++) last[i] ^= k[i];

  const cbc = createCipheriv('aes-128-cbc', key, ZERO16);
  cbc.setAutoPadding(false);
  const enc = Buffer.concat([cbc.update(padded), cbc.final()]);
  return enc.subarray(enc.length - 16);
}

/** AES-128-GMAC of `msg`: the GCM tag over `msg` as associated data with no plaintext. */
export function aesGmac(key: Uint8Array, nonce12: Uint8Array, msg: Uint8Array): Buffer {
  const c = createCipheriv('aes-128-gcm', key, nonce12, { authTagLength: 16 });
  c.setAAD(msg);
  c.final();
  return c.getAuthTag();
}

/**
 * SP800-108 KDF in counter mode with HMAC-SHA256, one iteration (HMAC-SHA256 gives 256 bits,
 * enough for either length): HMAC(Ki, [i=1]_32be || Label || 0x00 || Context || [L]_32be),
 * the first L/8 bytes. L is 128, or 256 for every key of a 3.1.1 session whose cipher is
 * AES-256-CCM/GCM (MS-SMB2 3.1.4.2).
 * `label` and `context` are passed as MS-SMB2 writes them, their own trailing NUL included
 * (so the label is followed by two zero bytes: its NUL and the SP800-108 separator).
 */
export function smb3Kdf(key: Uint8Array, label: Uint8Array, context: Uint8Array, bits: 128 | 256 = 128): Buffer {
  const one = Buffer.from([0, 0, 0, 1]);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(bits);
  return createHmac('sha256', key)
    .update(one)
    .update(label)
    .update(Buffer.from([0]))
    .update(context)
    .update(len)
    .digest()
    .subarray(0, bits / 8);
}

export type Smb3Cipher = 'aes-128-ccm' | 'aes-128-gcm' | 'aes-256-ccm' | 'aes-256-gcm';

const isGcm = (cipher: Smb3Cipher): boolean => cipher.endsWith('-gcm');

/** Key length in bits: the 256 ciphers make the KDF run with L = 256. */
export const cipherBits = (cipher: Smb3Cipher | undefined): 128 | 256 => (cipher?.startsWith('aes-256') ? 256 : 128);

/** GCM takes a 12-byte nonce, CCM an 11-byte one (the rest of the header's 16 stays zero). */
export const nonceLength = (cipher: Smb3Cipher): number => (isGcm(cipher) ? 12 : 11);

function nonceFor(cipher: Smb3Cipher, nonce16: Uint8Array): Buffer {
  return Buffer.from(nonce16.subarray(0, nonceLength(cipher)));
}

export function aeadEncrypt(
  cipher: Smb3Cipher,
  key: Uint8Array,
  nonce16: Uint8Array,
  aad: Uint8Array,
  plain: Uint8Array,
): { data: Buffer; tag: Buffer } {
  const iv = nonceFor(cipher, nonce16);
  if (isGcm(cipher)) {
    const c = createCipheriv(cipher as 'aes-128-gcm', key, iv, { authTagLength: 16 });
    c.setAAD(aad);
    const data = Buffer.concat([c.update(plain), c.final()]);
    return { data, tag: c.getAuthTag() };
  }
  const c = createCipheriv(cipher as 'aes-128-ccm', key, iv, { authTagLength: 16 });
  c.setAAD(aad, { plaintextLength: plain.length });
  const data = Buffer.concat([c.update(plain), c.final()]);
  return { data, tag: c.getAuthTag() };
}

/** Throws when the tag does not verify (a tampered or mis-keyed message). */
export function aeadDecrypt(
  cipher: Smb3Cipher,
  key: Uint8Array,
  nonce16: Uint8Array,
  aad: Uint8Array,
  data: Uint8Array,
  tag: Uint8Array,
): Buffer {
  const iv = nonceFor(cipher, nonce16);
  if (isGcm(cipher)) {
    const d = createDecipheriv(cipher as 'aes-128-gcm', key, iv, { authTagLength: 16 });
    d.setAAD(aad);
    d.setAuthTag(tag);
    return Buffer.concat([d.update(data), d.final()]);
  }
  const d = createDecipheriv(cipher as 'aes-128-ccm', key, iv, { authTagLength: 16 });
  d.setAuthTag(tag);
  d.setAAD(aad, { plaintextLength: data.length });
  return Buffer.concat([d.update(data), d.final()]);
}
