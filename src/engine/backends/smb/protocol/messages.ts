// Request bodies and response parsers for the file commands (MS-SMB2 2.2.13 - 2.2.40).
// Each encoder returns the body that follows the 64-byte header; offsets written into a body
// are relative to the start of the header, hence the "64 +".

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

export const InfoType = { FILE: 1, FILESYSTEM: 2 } as const;

export const FileInfoClass = {
  FileDirectoryInformation: 1,
  FileBasicInformation: 4,
  FileStandardInformation: 5,
  FileRenameInformation: 10,
  FileDispositionInformation: 13,
  FileAllInformation: 18,
  FileEndOfFileInformation: 20,
  FileNetworkOpenInformation: 34,
} as const;

export const FsInfoClass = {
  FileFsVolumeInformation: 1,
  FileFsSizeInformation: 3,
  FileFsAttributeInformation: 5,
  FileFsFullSizeInformation: 7,
} as const;

export const FILE_ATTRIBUTE_DIRECTORY = 0x10;
export const FILE_ATTRIBUTE_NORMAL = 0x80;
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

export function parseCreate(b: Buffer): CreateResponse {
  return {
    createAction: b.readUInt32LE(4),
    creationTime: b.readBigUInt64LE(8),
    lastAccessTime: b.readBigUInt64LE(16),
    lastWriteTime: b.readBigUInt64LE(24),
    changeTime: b.readBigUInt64LE(32),
    allocationSize: b.readBigUInt64LE(40),
    endOfFile: b.readBigUInt64LE(48),
    attributes: b.readUInt32LE(56),
    fileId: Buffer.from(b.subarray(64, 80)),
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

export function parseRead(b: Buffer): Buffer {
  const off = b.readUInt8(2) - 64;
  const len = b.readUInt32LE(4);
  return Buffer.from(b.subarray(off, off + len));
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

export function parseWrite(b: Buffer): number {
  return b.readUInt32LE(4);
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

/** The output of an IOCTL response, or empty for the generic error response (StructureSize 9). */
export function parseIoctlOutput(b: Buffer): Buffer {
  if (b.length < 48 || b.readUInt16LE(0) !== 49) return Buffer.alloc(0);
  const off = b.readUInt32LE(32) - 64;
  const len = b.readUInt32LE(36);
  if (len === 0) return Buffer.alloc(0);
  return Buffer.from(b.subarray(off, off + len));
}

export function queryInfoBody(fileId: FileId, infoType: number, cls: number, maxOutput: number): Buffer {
  const b = Buffer.alloc(40);
  b.writeUInt16LE(41, 0);
  b.writeUInt8(infoType, 2);
  b.writeUInt8(cls, 3);
  b.writeUInt32LE(maxOutput, 4);
  b.writeUInt16LE(0, 8);
  fileId.copy(b, 24);
  return Buffer.concat([b, Buffer.alloc(1)]);
}

export function parseQueryInfo(b: Buffer): Buffer {
  const off = b.readUInt16LE(2) - 64;
  const len = b.readUInt32LE(4);
  return Buffer.from(b.subarray(off, off + len));
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
  b.writeUInt8(FileInfoClass.FileDirectoryInformation, 2);
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
  lastWriteTime: bigint;
}

export function parseDirectory(b: Buffer): DirEntry[] {
  const data = parseQueryInfo(b); // same OutputBufferOffset/Length layout
  const out: DirEntry[] = [];
  for (let at = 0; at < data.length;) {
    const next = data.readUInt32LE(at);
    const nameLen = data.readUInt32LE(at + 60);
    out.push({
      lastWriteTime: data.readBigUInt64LE(at + 24),
      endOfFile: data.readBigUInt64LE(at + 40),
      allocationSize: data.readBigUInt64LE(at + 48),
      attributes: data.readUInt32LE(at + 56),
      name: data.subarray(at + 64, at + 64 + nameLen).toString('utf16le'),
    });
    if (!next) break;
    at += next;
  }
  return out;
}
