// The 64-byte SMB2 header (MS-SMB2 2.2.1) and the command numbers. Sync form only for
// requests; responses may be async (STATUS_PENDING interim answers carry an AsyncId).

import { Malformed } from './errors';

export const SMB2_MAGIC = 0x424d53fe; // 0xFE 'S' 'M' 'B' read as uint32 LE
export const TRANSFORM_MAGIC = 0x424d53fd; // 0xFD 'S' 'M' 'B'
export const HEADER_SIZE = 64;

export enum Command {
  NEGOTIATE = 0,
  SESSION_SETUP = 1,
  LOGOFF = 2,
  TREE_CONNECT = 3,
  TREE_DISCONNECT = 4,
  CREATE = 5,
  CLOSE = 6,
  FLUSH = 7,
  READ = 8,
  WRITE = 9,
  IOCTL = 11,
  CANCEL = 12,
  ECHO = 13,
  QUERY_DIRECTORY = 14,
  CHANGE_NOTIFY = 15,
  QUERY_INFO = 16,
  SET_INFO = 17,
}

export const FLAG_SERVER_TO_REDIR = 0x1;
export const FLAG_ASYNC = 0x2;
export const FLAG_SIGNED = 0x8;

export interface Smb2Header {
  creditCharge: number;
  status: number;
  command: number;
  credits: number;
  flags: number;
  nextCommand: number;
  messageId: bigint;
  asyncId: bigint;
  treeId: number;
  sessionId: bigint;
  signature: Buffer;
}

export function encodeHeader(h: {
  command: number;
  creditCharge: number;
  creditRequest: number;
  flags: number;
  messageId: bigint;
  treeId: number;
  sessionId: bigint;
}): Buffer {
  const b = Buffer.alloc(HEADER_SIZE);
  b.writeUInt32LE(SMB2_MAGIC, 0);
  b.writeUInt16LE(HEADER_SIZE, 4);
  b.writeUInt16LE(h.creditCharge, 6);
  b.writeUInt16LE(h.command, 12);
  b.writeUInt16LE(h.creditRequest, 14);
  b.writeUInt32LE(h.flags, 16);
  b.writeBigUInt64LE(h.messageId, 24);
  b.writeUInt32LE(0xfeff, 32); // ProcessId: any value; Windows clients use 0xFEFF
  b.writeUInt32LE(h.treeId, 36);
  b.writeBigUInt64LE(h.sessionId, 40);
  return b;
}

export function decodeHeader(b: Buffer): Smb2Header {
  if (b.length < HEADER_SIZE) throw new Malformed('the SMB2 header', `needs ${HEADER_SIZE} bytes, but the message has ${b.length}`);
  if (b.readUInt32LE(0) !== SMB2_MAGIC) throw new Malformed('ProtocolId', `is 0x${b.readUInt32LE(0).toString(16)}, not 0xFE 'SMB'`);
  const flags = b.readUInt32LE(16);
  const async = (flags & FLAG_ASYNC) !== 0;
  return {
    creditCharge: b.readUInt16LE(6),
    status: b.readUInt32LE(8),
    command: b.readUInt16LE(12),
    credits: b.readUInt16LE(14),
    flags,
    nextCommand: b.readUInt32LE(20),
    messageId: b.readBigUInt64LE(24),
    asyncId: async ? b.readBigUInt64LE(32) : 0n,
    treeId: async ? 0 : b.readUInt32LE(36),
    sessionId: b.readBigUInt64LE(40),
    signature: Buffer.from(b.subarray(48, 64)),
  };
}

export function commandName(c: number): string {
  return Command[c] ?? `COMMAND_${c}`;
}
