// Win32 error codes (GetLastError after DeviceIoControl & co.) <-> names, the sentence a person
// can act on for the ones that matter, and how each maps onto the transport outcome kinds that
// the FSCTL algorithms branch on (src/engine/nt/transport.ts).

import type { FsctlOutcomeKind } from '../transport';

interface Win32ErrorInfo {
  name: string;
  /** What it means here and what to do; lowercase start, no trailing period (callers compose). */
  sentence?: string;
}

export const WIN32_ERRORS: Readonly<Record<number, Win32ErrorInfo>> = {
  0: { name: 'ERROR_SUCCESS' },
  1: {
    name: 'ERROR_INVALID_FUNCTION',
    sentence:
      'the file system does not implement this control code; block cloning needs ReFS or a Dev Drive, and allocated-range queries need NTFS or ReFS',
  },
  2: { name: 'ERROR_FILE_NOT_FOUND', sentence: 'the file does not exist; check the path' },
  3: { name: 'ERROR_PATH_NOT_FOUND', sentence: 'a folder in the path does not exist; check the path' },
  5: {
    name: 'ERROR_ACCESS_DENIED',
    sentence:
      'access is denied; you need read access to the source and write access to the destination folder, and the file must not be read-only',
  },
  6: { name: 'ERROR_INVALID_HANDLE', sentence: 'the handle is not valid; this is a bug in Extent Lens, please report it' },
  8: { name: 'ERROR_NOT_ENOUGH_MEMORY', sentence: 'the system ran out of memory; close other programs and try again' },
  17: { name: 'ERROR_NOT_SAME_DEVICE', sentence: 'source and destination are on different volumes; block cloning needs one volume' },
  19: { name: 'ERROR_WRITE_PROTECT', sentence: 'the volume is write-protected; choose a writable destination' },
  21: { name: 'ERROR_NOT_READY', sentence: 'the device is not ready; check that the volume is mounted' },
  32: { name: 'ERROR_SHARING_VIOLATION', sentence: 'another program has the file open without sharing; close it and try again' },
  33: { name: 'ERROR_LOCK_VIOLATION', sentence: 'another program has locked part of the file; close it and try again' },
  38: { name: 'ERROR_HANDLE_EOF', sentence: 'the request starts past the end of the file' },
  50: {
    name: 'ERROR_NOT_SUPPORTED',
    sentence:
      'the file system or server does not support this request (for block cloning: overlapping ranges, a sparse source with a non-sparse destination, or a range beyond the allocation also give this code)',
  },
  53: { name: 'ERROR_BAD_NETPATH', sentence: 'the network path was not found; check the server name' },
  64: { name: 'ERROR_NETNAME_DELETED', sentence: 'the network connection dropped; reconnect and try again' },
  67: { name: 'ERROR_BAD_NET_NAME', sentence: 'the share does not exist on the server; check the share name' },
  80: { name: 'ERROR_FILE_EXISTS', sentence: 'the destination already exists; choose another name or allow overwrite' },
  87: {
    name: 'ERROR_INVALID_PARAMETER',
    sentence:
      'the request was refused as invalid; for block cloning this means a misaligned offset or length (use cluster multiples), source and destination on different volumes, or a bad handle',
  },
  112: {
    name: 'ERROR_DISK_FULL',
    sentence:
      'the volume is full; free space on it (after a clone, which reserves no space, writes to the shared data need room of their own too)',
  },
  122: { name: 'ERROR_INSUFFICIENT_BUFFER', sentence: 'the output buffer was too small for even one entry' },
  123: { name: 'ERROR_INVALID_NAME', sentence: 'the file name is not valid on Windows; remove characters such as < > : " | ? *' },
  145: { name: 'ERROR_DIR_NOT_EMPTY', sentence: 'the folder is not empty' },
  183: { name: 'ERROR_ALREADY_EXISTS', sentence: 'the destination already exists; choose another name or allow overwrite' },
  234: { name: 'ERROR_MORE_DATA', sentence: 'more entries are available than fit in the buffer' },
  267: { name: 'ERROR_DIRECTORY', sentence: 'the path is a folder, not a file; choose a file' },
  347: {
    name: 'ERROR_BLOCK_TOO_MANY_REFERENCES',
    sentence:
      'a block of the source is already shared by the maximum 8175 references; make a real copy of the source first (or clone from an earlier copy) and clone from that',
  },
  995: { name: 'ERROR_OPERATION_ABORTED', sentence: 'the operation was cancelled' },
  997: { name: 'ERROR_IO_PENDING', sentence: 'the operation is still in progress' },
  1117: { name: 'ERROR_IO_DEVICE', sentence: 'the device reported an I/O error; check the disk' },
  1168: { name: 'ERROR_NOT_FOUND', sentence: 'the requested element was not found' },
  1224: { name: 'ERROR_USER_MAPPED_FILE', sentence: 'the file is mapped into memory by a program; close it and try again' },
  1314: { name: 'ERROR_PRIVILEGE_NOT_HELD', sentence: 'a privilege you do not hold is needed; run as an administrator' },
  1326: { name: 'ERROR_LOGON_FAILURE', sentence: 'the user name or password is wrong' },
  1784: {
    name: 'ERROR_INVALID_USER_BUFFER',
    sentence: 'the buffer was not usable (alignment); this is a bug in Extent Lens, please report it',
  },
};

const BY_NAME = new Map<string, number>(Object.entries(WIN32_ERRORS).map(([code, i]) => [i.name, Number(code)]));

/** 'ERROR_MORE_DATA' for 234; 'ERROR_<n>' for codes not in the table. */
export function win32ErrorName(code: number): string {
  return WIN32_ERRORS[code]?.name ?? `ERROR_${code}`;
}

export function win32ErrorCode(name: string): number | undefined {
  return BY_NAME.get(name);
}

/** The actionable sentence for `code`, or a generic one naming the code. */
export function win32ErrorSentence(code: number): string {
  return WIN32_ERRORS[code]?.sentence ?? `Windows reported ${win32ErrorName(code)} (${code}); look the code up in the Win32 error list`;
}

/**
 * How an FSCTL failure reads to the algorithms. Wine and Windows answer an unimplemented FSCTL
 * with ERROR_NOT_SUPPORTED or ERROR_INVALID_FUNCTION: both are "unsupported" (docs/facts/windows-fsctl.md#error-codes).
 */
export function win32OutcomeKind(code: number): FsctlOutcomeKind {
  switch (code) {
    case 0:
      return 'ok';
    case 234:
      return 'more-data';
    case 122:
      return 'buffer-too-small';
    case 87:
      return 'invalid-parameter';
    case 1:
    case 50:
      return 'not-supported';
    default:
      return 'error';
  }
}
