// Pure encode/decode of the FILE_INFO_BY_HANDLE_CLASS buffers the win32 transport passes to
// Get/SetFileInformationByHandle (x64 layouts). Pure, so test/unit/bindings.test.ts checks them.

import type { NtBasicInfo } from '../../nt/transport';

/** FILE_BASIC_INFO: 4 x LARGE_INTEGER times @0/8/16/24, DWORD FileAttributes @32, padded to 40. */
export const FILE_BASIC_INFO_SIZE = 40;
/** FILE_STANDARD_INFO: AllocationSize @0, EndOfFile @8, NumberOfLinks @16, DeletePending @20, Directory @21; 24. */
export const FILE_STANDARD_INFO_SIZE = 24;

export function decodeBasicInfo(b: Uint8Array): NtBasicInfo {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return {
    creationTime: v.getBigInt64(0, true),
    lastAccessTime: v.getBigInt64(8, true),
    lastWriteTime: v.getBigInt64(16, true),
    changeTime: v.getBigInt64(24, true),
    fileAttributes: v.getUint32(32, true),
  };
}

export function encodeBasicInfo(i: NtBasicInfo): Uint8Array {
  const b = new Uint8Array(new ArrayBuffer(FILE_BASIC_INFO_SIZE));
  const v = new DataView(b.buffer);
  v.setBigInt64(0, i.creationTime, true);
  v.setBigInt64(8, i.lastAccessTime, true);
  v.setBigInt64(16, i.lastWriteTime, true);
  v.setBigInt64(24, i.changeTime, true);
  v.setUint32(32, i.fileAttributes >>> 0, true);
  return b;
}

interface StandardInfo {
  allocationSize: bigint;
  endOfFile: bigint;
  numberOfLinks: number;
  deletePending: boolean;
  directory: boolean;
}

export function decodeStandardInfo(b: Uint8Array): StandardInfo {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return {
    allocationSize: v.getBigInt64(0, true),
    endOfFile: v.getBigInt64(8, true),
    numberOfLinks: v.getUint32(16, true),
    deletePending: b[20] !== 0,
    directory: b[21] !== 0,
  };
}

/** FILE_ID_INFO: ULONGLONG VolumeSerialNumber @0, FILE_ID_128 FileId @8 (16 bytes); 24. */
export const FILE_ID_INFO_SIZE = 24;

/** FILE_ID_INFO's FileId as hex (most significant byte first); undefined for all zeros or all ones (no id). */
export function decodeFileIdInfo(b: Uint8Array): string | undefined {
  const id = Array.from(b.subarray(8, 24)).reverse();
  if (id.every((x) => x === 0) || id.every((x) => x === 0xff)) return undefined;
  return id
    .map((x) => x.toString(16).padStart(2, '0'))
    .join('')
    .replace(/^0+(?=.)/, '');
}

/** FILE_END_OF_FILE_INFO {LARGE_INTEGER EndOfFile}: 8 bytes. */
export function encodeEndOfFileInfo(size: bigint): Uint8Array {
  const b = new Uint8Array(new ArrayBuffer(8));
  new DataView(b.buffer).setBigInt64(0, size, true);
  return b;
}

/** FILE_DISPOSITION_INFO {BOOLEAN DeleteFile}: 1 byte. */
export function encodeDispositionInfo(del: boolean): Uint8Array {
  return Uint8Array.of(del ? 1 : 0);
}

/**
 * FILE_RENAME_INFO: union {BOOLEAN ReplaceIfExists; DWORD Flags} @0, HANDLE RootDirectory @8,
 * DWORD FileNameLength (bytes, no NUL) @16, WCHAR FileName[] @20. The size passed is
 * max(sizeof = 24, 20 + name bytes + 2 for a terminating NUL).
 */
export function encodeRenameInfo(newPath: string, replace: boolean): Uint8Array {
  const nameBytes = newPath.length * 2;
  const size = Math.max(24, 20 + nameBytes + 2);
  const b = new Uint8Array(new ArrayBuffer(size + ((8 - (size % 8)) % 8)));
  const v = new DataView(b.buffer);
  b[0] = replace ? 1 : 0;
  v.setUint32(16, nameBytes, true);
  for (let i = 0; i < newPath.length; i++) v.setUint16(20 + i * 2, newPath.charCodeAt(i), true);
  return b.subarray(0, size);
}

/** OVERLAPPED with only Offset/OffsetHigh set: a positional ReadFile/WriteFile on a synchronous handle. */
export function encodeOverlappedOffset(offset: bigint): Uint8Array {
  const b = new Uint8Array(new ArrayBuffer(32));
  const v = new DataView(b.buffer);
  v.setUint32(16, Number(offset & 0xffffffffn), true);
  v.setUint32(20, Number((offset >> 32n) & 0xffffffffn), true);
  return b;
}

/** A NUL-terminated UTF-16 buffer -> string. */
export function utf16z(b: Uint16Array, count?: number): string {
  let n = count ?? b.indexOf(0);
  if (n < 0) n = b.length;
  return new TextDecoder('utf-16le').decode(b.subarray(0, n));
}
