// The SMB 3.x TRANSFORM_HEADER (MS-SMB2 2.2.41): a 52-byte header before the encrypted
// message. The AEAD's associated data is the header from Nonce to the end (32 bytes); the
// tag goes in Signature. GCM (128 or 256) uses the first 12 nonce bytes, CCM the first 11.

import { randomBytes } from 'node:crypto';
import { aeadDecrypt, aeadEncrypt, nonceLength, type Smb3Cipher } from './crypto';
import { Malformed } from './errors';
import { TRANSFORM_MAGIC } from './header';

const TRANSFORM_SIZE = 52;

export function encryptMessage(cipher: Smb3Cipher, key: Buffer, sessionId: bigint, message: Buffer): Buffer {
  const h = Buffer.alloc(TRANSFORM_SIZE);
  h.writeUInt32LE(TRANSFORM_MAGIC, 0);
  const nonce = Buffer.alloc(16);
  randomBytes(nonceLength(cipher)).copy(nonce);
  nonce.copy(h, 20);
  h.writeUInt32LE(message.length, 36);
  h.writeUInt16LE(1, 42); // Flags: encrypted (3.1.1; the cipher is the negotiated one) / EncryptionAlgorithm AES-128-CCM (3.0.x): both 1
  h.writeBigUInt64LE(sessionId, 44);
  const { data, tag } = aeadEncrypt(cipher, key, nonce, h.subarray(20), message);
  tag.copy(h, 4);
  return Buffer.concat([h, data]);
}

export function decryptMessage(cipher: Smb3Cipher, key: Buffer, msg: Buffer): Buffer {
  if (msg.length < TRANSFORM_SIZE)
    throw new Malformed('the SMB2 TRANSFORM_HEADER', `needs ${TRANSFORM_SIZE} bytes, but the message has ${msg.length}`);
  const size = msg.readUInt32LE(36);
  const data = msg.subarray(TRANSFORM_SIZE);
  if (data.length !== size)
    throw new Malformed('TRANSFORM_HEADER OriginalMessageSize', `(${size}) is not the ${data.length} encrypted bytes that follow`);
  return aeadDecrypt(cipher, key, msg.subarray(20, 36), msg.subarray(20, TRANSFORM_SIZE), data, msg.subarray(4, 20));
}
