// Request bodies and response parsers for the file commands (MS-SMB2 2.2.13 - 2.2.40).
// Each encoder returns the body that follows the 64-byte header; offsets written into a body
// are relative to the start of the header, hence the "64 +".
//
// The parsers check every length and offset the server supplies against the bytes received
// (wire.ts) and throw Malformed naming the field; the client turns that into EPROTO.

import { Malformed } from './errors';
import { Wire, payload, structure } from './wire';

export type FileId = Buffer; // 16 bytes: Persistent + Volatile

export const Access = {
  FILE_READ_DATA: 0x1,
  FILE_WRITE_DATA: 0x2,
  FILE_APPEND_DATA: 0x4,
  FILE_READ_EA: 0x8,
  FILE_WRITE_EA: 0x10,
  FILE_READ_ATTRIBUTES: 0x80,
  FILE_WRITE_ATTRIBUTES: 0x100,
  DELETE: 0x10000,
  READ_CONTROL: 0x20000,
  SYNCHRONIZE: 0x100000,
} as const;

export const Disposition = { SUPERSEDE: 0, OPEN: 1, CREATE: 2, OPEN_IF: 3, OVERWRITE: 4, OVERWRITE_IF: 5 } as const;

export const CreateOption = {
  DIRECTORY_FILE: 0x1,
  NON_DIRECTORY_FILE: 0x40,
  DELETE_ON_CLOSE: 0x1000,
} as const;

export const InfoType = { FILE: 1, FILESYSTEM: 2, SECURITY: 3 } as const;

/** SecurityInformation bits (MS-DTYP 2.4.7): which parts of a security descriptor QUERY_INFO / SET_INFO read or write. */
export const SecurityInformation = { OWNER: 0x1, GROUP: 0x2, DACL: 0x4 } as const;

export const FileInfoClass = {
  FileBasicInformation: 4,
  FileStandardInformation: 5,
  FileInternalInformation: 6,
  FileRenameInformation: 10,
  FileDispositionInformation: 13,
  FileAllInformation: 18,
  FileEndOfFileInformation: 20,
  FileNetworkOpenInformation: 34,
  FileIdFullDirectoryInformation: 38,
} as const;

export const FsInfoClass = {
  FileFsVolumeInformation: 1,
  FileFsSizeInformation: 3,
  FileFsAttributeInformation: 5,
  FileFsFullSizeInformation: 7,
} as const;

export const FILE_ATTRIBUTE_READONLY = 0x1;
export const FILE_ATTRIBUTE_DIRECTORY = 0x10;
export const FILE_ATTRIBUTE_SPARSE_FILE = 0x200;

export interface CreateRequest {
  name: string; // backslash-separated, relative to the share root, no leading backslash
  desiredAccess: number;
  disposition: number;
  options: number;
  attributes?: number;
  shareAccess?: number;
}

export function createBody(r: CreateRequest): Buffer {
  const name = Buffer.from(r.name, 'utf16le');
  const b = Buffer.alloc(56);
  b.writeUInt16LE(57, 0);
  b.writeUInt32LE(2, 4); // ImpersonationLevel: Impersonation
  b.writeUInt32LE(r.desiredAccess >>> 0, 24);
  b.writeUInt32LE(r.attributes ?? 0, 28);
  b.writeUInt32LE(r.shareAccess ?? 7, 32); // read | write | delete
  b.writeUInt32LE(r.disposition, 36);
  b.writeUInt32LE(r.options, 40);
  b.writeUInt16LE(64 + 56, 44);
  b.writeUInt16LE(name.length, 46);
  // The buffer is at least one byte long even for the share root (StructureSize 57).
  return Buffer.concat([b, name.length ? name : Buffer.alloc(1)]);
}

export interface CreateResponse {
  fileId: FileId;
  createAction: number;
  creationTime: bigint;
  lastAccessTime: bigint;
  lastWriteTime: bigint;
  changeTime: bigint;
  allocationSize: bigint;
  endOfFile: bigint;
  attributes: number;
}

/** SMB2 CREATE Response (StructureSize 89). Create contexts are not read. */
export function parseCreate(b: Buffer): CreateResponse {
  const w = structure(b, 89);
  return {
    createAction: w.u32(4, 'CreateAction'),
    creationTime: w.u64(8, 'CreationTime'),
    lastAccessTime: w.u64(16, 'LastAccessTime'),
    lastWriteTime: w.u64(24, 'LastWriteTime'),
    changeTime: w.u64(32, 'ChangeTime'),
    allocationSize: w.u64(40, 'AllocationSize'),
    endOfFile: w.u64(48, 'EndofFile'),
    attributes: w.u32(56, 'FileAttributes'),
    fileId: w.bytes(64, 16, 'FileId'),
  };
}

export function closeBody(fileId: FileId): Buffer {
  const b = Buffer.alloc(24);
  b.writeUInt16LE(24, 0);
  fileId.copy(b, 8);
  return b;
}

export function flushBody(fileId: FileId): Buffer {
  const b = Buffer.alloc(24);
  b.writeUInt16LE(24, 0);
  fileId.copy(b, 8);
  return b;
}

export function readBody(fileId: FileId, offset: bigint, length: number): Buffer {
  const b = Buffer.alloc(49);
  b.writeUInt16LE(49, 0);
  b.writeUInt8(0x50, 2); // Padding: data right after the 80-byte response header+body
  b.writeUInt32LE(length, 4);
  b.writeBigUInt64LE(offset, 8);
  fileId.copy(b, 16);
  return b;
}

/** SMB2 READ Response (StructureSize 17): the data, at most `requested` bytes. */
export function parseRead(b: Buffer, requested: number): Buffer {
  const w = structure(b, 17);
  const len = w.u32(4, 'DataLength');
  if (len > requested) throw new Malformed('DataLength', `(${len}) is more than the ${requested} byte(s) asked for`);
  return payload(b, w.u8(2, 'DataOffset'), len, 'DataOffset', 'DataLength', false);
}

export function writeBody(fileId: FileId, offset: bigint, data: Uint8Array): Buffer {
  const b = Buffer.alloc(48);
  b.writeUInt16LE(49, 0);
  b.writeUInt16LE(64 + 48, 2);
  b.writeUInt32LE(data.length, 4);
  b.writeBigUInt64LE(offset, 8);
  fileId.copy(b, 16);
  return Buffer.concat([b, data.length ? data : Buffer.alloc(1)]);
}

/** SMB2 WRITE Response (StructureSize 17): the bytes written, at most `sent`. */
export function parseWrite(b: Buffer, sent: number): number {
  const n = structure(b, 17).u32(4, 'Count');
  if (n > sent) throw new Malformed('Count', `(${n}) is more than the ${sent} byte(s) sent`);
  return n;
}

export const SMB2_0_IOCTL_IS_FSCTL = 0x1;

export function ioctlBody(fileId: FileId, ctlCode: number, input: Uint8Array | null, maxOutput: number): Buffer {
  const inp = input ?? new Uint8Array(0);
  const b = Buffer.alloc(56);
  b.writeUInt16LE(57, 0);
  b.writeUInt32LE(ctlCode >>> 0, 4);
  fileId.copy(b, 8);
  b.writeUInt32LE(inp.length ? 64 + 56 : 0, 24); // InputOffset
  b.writeUInt32LE(inp.length, 28); // InputCount
  b.writeUInt32LE(0, 32); // MaxInputResponse
  b.writeUInt32LE(0, 36); // OutputOffset
  b.writeUInt32LE(0, 40); // OutputCount
  b.writeUInt32LE(maxOutput, 44); // MaxOutputResponse
  b.writeUInt32LE(SMB2_0_IOCTL_IS_FSCTL, 48);
  return Buffer.concat([b, inp.length ? inp : Buffer.alloc(0)]);
}

/**
 * The output of an IOCTL response (StructureSize 49), at most `maxOutput` bytes; empty for the
 * generic error response (StructureSize 9), which failures other than the ones that carry
 * output use.
 */
export function parseIoctlOutput(b: Buffer, maxOutput: number): Buffer {
  if (b.length >= 2 && b.readUInt16LE(0) === 9) return Buffer.alloc(0);
  const w = structure(b, 49);
  const len = w.u32(36, 'OutputCount');
  if (len > maxOutput) throw new Malformed('OutputCount', `(${len}) is more than the MaxOutputResponse of ${maxOutput} asked for`);
  return payload(b, w.u32(32, 'OutputOffset'), len, 'OutputOffset', 'OutputCount');
}

/** SMB2 QUERY_INFO Request; `additional`: AdditionalInformation (the SecurityInformation parts for InfoType.SECURITY). */
export function queryInfoBody(fileId: FileId, infoType: number, cls: number, maxOutput: number, additional = 0): Buffer {
  const b = Buffer.alloc(40);
  b.writeUInt16LE(41, 0);
  b.writeUInt8(infoType, 2);
  b.writeUInt8(cls, 3);
  b.writeUInt32LE(maxOutput, 4);
  b.writeUInt16LE(0, 8);
  b.writeUInt32LE(additional, 16);
  fileId.copy(b, 24);
  return Buffer.concat([b, Buffer.alloc(1)]);
}

/** SMB2 QUERY_INFO Response (StructureSize 9): the output buffer, at most `maxOutput` bytes. */
export function parseQueryInfo(b: Buffer, maxOutput: number): Buffer {
  const w = structure(b, 9);
  const len = w.u32(4, 'OutputBufferLength');
  if (len > maxOutput) throw new Malformed('OutputBufferLength', `(${len}) is more than the ${maxOutput} byte(s) asked for`);
  return payload(b, w.u16(2, 'OutputBufferOffset'), len, 'OutputBufferOffset', 'OutputBufferLength');
}

export function setInfoBody(fileId: FileId, infoType: number, cls: number, data: Buffer): Buffer {
  const b = Buffer.alloc(32);
  b.writeUInt16LE(33, 0);
  b.writeUInt8(infoType, 2);
  b.writeUInt8(cls, 3);
  b.writeUInt32LE(data.length, 4);
  b.writeUInt16LE(64 + 32, 8);
  fileId.copy(b, 16);
  return Buffer.concat([b, data]);
}

export function queryDirectoryBody(fileId: FileId, pattern: string, restart: boolean, maxOutput: number): Buffer {
  const name = Buffer.from(pattern, 'utf16le');
  const b = Buffer.alloc(32);
  b.writeUInt16LE(33, 0);
  b.writeUInt8(FileInfoClass.FileIdFullDirectoryInformation, 2);
  b.writeUInt8(restart ? 1 : 0, 3);
  fileId.copy(b, 8);
  b.writeUInt16LE(64 + 32, 24);
  b.writeUInt16LE(name.length, 26);
  b.writeUInt32LE(maxOutput, 28);
  return Buffer.concat([b, name]);
}

export interface DirEntry {
  name: string;
  endOfFile: bigint;
  allocationSize: bigint;
  attributes: number;
  creationTime: bigint;
  lastWriteTime: bigint;
  /**
   * The server's number for the file (MS-FSCC 2.4.23 FileId: NTFS's file reference, the inode
   * on Samba): equal for two names of one file (a hard link; a symbolic link the server follows).
   * 0 where the server has none to give.
   */
  fileId: bigint;
}

/**
 * SMB2 QUERY_DIRECTORY Response (StructureSize 9) holding FILE_ID_FULL_DIR_INFORMATION entries
 * (MS-FSCC 2.4.23: FILE_DIRECTORY_INFORMATION's fields, then EaSize, Reserved, FileId, FileName).
 */
export function parseDirectory(b: Buffer, maxOutput: number): DirEntry[] {
  const data = new Wire(parseQueryInfo(b, maxOutput), 'output buffer'); // same OutputBufferOffset/Length layout
  const out: DirEntry[] = [];
  for (let at = 0; at < data.length;) {
    const what = `FILE_ID_FULL_DIR_INFORMATION[${out.length}]`;
    const next = data.u32(at, `${what}.NextEntryOffset`);
    const nameLen = data.u32(at + 60, `${what}.FileNameLength`);
    const name = data.bytes(at + 80, nameLen, `${what}.FileName`);
    out.push({
      creationTime: data.u64(at + 8, 'CreationTime'),
      lastWriteTime: data.u64(at + 24, 'LastWriteTime'),
      endOfFile: data.u64(at + 40, 'EndOfFile'),
      allocationSize: data.u64(at + 48, 'AllocationSize'),
      attributes: data.u32(at + 56, 'FileAttributes'),
      fileId: data.u64(at + 72, 'FileId'),
      name: name.toString('utf16le'),
    });
    if (!next) break;
    if (next < 80 + nameLen) {
      throw new Malformed(`${what}.NextEntryOffset`, `(${next}) points inside the entry`);
    }
    at += next;
  }
  return out;
}

/** CompletionFilter bits of CHANGE_NOTIFY (MS-SMB2 2.2.35): what counts as a change. */
export const NotifyFilter = {
  FILE_NAME: 0x1,
  DIR_NAME: 0x2,
  ATTRIBUTES: 0x4,
  SIZE: 0x8,
  LAST_WRITE: 0x10,
  CREATION: 0x40,
} as const;

/** FILE_NOTIFY_INFORMATION.Action (MS-FSCC 2.7.1). */
export const NotifyAction = {
  ADDED: 1,
  REMOVED: 2,
  MODIFIED: 3,
  RENAMED_OLD_NAME: 4,
  RENAMED_NEW_NAME: 5,
} as const;

/** SMB2 CHANGE_NOTIFY Request (StructureSize 32); `tree` sets SMB2_WATCH_TREE (the whole subtree). */
export function changeNotifyBody(fileId: FileId, tree: boolean, filter: number, maxOutput: number): Buffer {
  const b = Buffer.alloc(32);
  b.writeUInt16LE(32, 0);
  b.writeUInt16LE(tree ? 0x0001 : 0, 2);
  b.writeUInt32LE(maxOutput, 4);
  fileId.copy(b, 8);
  b.writeUInt32LE(filter >>> 0, 24);
  return b;
}

export interface NotifyEntry {
  action: number;
  /** Relative to the watched folder, backslash-separated as the server sends it. */
  name: string;
}

/** SMB2 CHANGE_NOTIFY Response (StructureSize 9) holding FILE_NOTIFY_INFORMATION entries. */
export function parseChangeNotify(b: Buffer, maxOutput: number): NotifyEntry[] {
  const data = new Wire(parseQueryInfo(b, maxOutput), 'output buffer'); // same OutputBufferOffset/Length layout
  const out: NotifyEntry[] = [];
  for (let at = 0; at < data.length;) {
    const next = data.u32(at, `FILE_NOTIFY_INFORMATION[${out.length}].NextEntryOffset`);
    const nameLen = data.u32(at + 8, `FILE_NOTIFY_INFORMATION[${out.length}].FileNameLength`);
    const name = data.bytes(at + 12, nameLen, `FILE_NOTIFY_INFORMATION[${out.length}].FileName`);
    out.push({ action: data.u32(at + 4, 'Action'), name: name.toString('utf16le') });
    if (!next) break;
    if (next < 12 + nameLen) {
      throw new Malformed(`FILE_NOTIFY_INFORMATION[${out.length - 1}].NextEntryOffset`, `(${next}) points inside the entry`);
    }
    at += next;
  }
  return out;
}
