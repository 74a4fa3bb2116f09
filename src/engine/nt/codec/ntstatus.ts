// NTSTATUS codes (SMB2 responses; the status behind every Win32 error) <-> names, the Win32
// equivalent, the actionable sentence, and the transport outcome kind. The SMB2 transport uses
// `ntStatusOutcomeKind` so the FSCTL algorithms see Samba and Windows the same way.

import type { FsctlOutcomeKind } from '../transport';
import { win32ErrorSentence } from './win32-errors';

interface NtStatusInfo {
  name: string;
  /** Win32 error this status maps to (RtlNtStatusToDosError), where it matters. */
  win32?: number;
  sentence?: string;
}

export const NT_STATUS: Readonly<Record<number, NtStatusInfo>> = {
  0x00000000: { name: 'STATUS_SUCCESS', win32: 0 },
  0x00000103: { name: 'STATUS_PENDING', win32: 997 },
  0x80000005: { name: 'STATUS_BUFFER_OVERFLOW', win32: 234 },
  0x80000006: { name: 'STATUS_NO_MORE_FILES', sentence: 'no more entries' },
  0xc0000001: { name: 'STATUS_UNSUCCESSFUL', sentence: 'the server reported a generic failure; check the server log' },
  0xc0000002: { name: 'STATUS_NOT_IMPLEMENTED', win32: 1 },
  0xc0000003: { name: 'STATUS_INVALID_INFO_CLASS', win32: 87, sentence: 'the server does not know this information class' },
  0xc0000004: {
    name: 'STATUS_INFO_LENGTH_MISMATCH',
    win32: 24,
    sentence: 'the server refused the buffer length; this is a bug in Extent Lens, please report it',
  },
  0xc0000008: { name: 'STATUS_INVALID_HANDLE', win32: 6 },
  0xc000000d: { name: 'STATUS_INVALID_PARAMETER', win32: 87 },
  0xc000000f: { name: 'STATUS_NO_SUCH_FILE', win32: 2 },
  0xc0000010: { name: 'STATUS_INVALID_DEVICE_REQUEST', win32: 1 },
  0xc0000011: { name: 'STATUS_END_OF_FILE', win32: 38 },
  0xc0000016: { name: 'STATUS_MORE_PROCESSING_REQUIRED', sentence: 'authentication needs another round trip' },
  0xc0000017: { name: 'STATUS_NO_MEMORY', win32: 8 },
  0xc000001f: { name: 'STATUS_INVALID_VIEW_SIZE', sentence: 'a chunk reaches past the end of the source file; copy only up to its size' },
  0xc0000022: { name: 'STATUS_ACCESS_DENIED', win32: 5 },
  0xc0000023: { name: 'STATUS_BUFFER_TOO_SMALL', win32: 122 },
  0xc0000024: {
    name: 'STATUS_OBJECT_TYPE_MISMATCH',
    sentence: 'the handle is the wrong kind of object; this is a bug in Extent Lens, please report it',
  },
  0xc0000033: { name: 'STATUS_OBJECT_NAME_INVALID', win32: 123 },
  0xc0000034: {
    name: 'STATUS_OBJECT_NAME_NOT_FOUND',
    win32: 2,
    sentence: 'the file does not exist (for a server-side copy: the resume key no longer names an open source); check the path',
  },
  0xc0000035: { name: 'STATUS_OBJECT_NAME_COLLISION', win32: 183 },
  0xc000003a: { name: 'STATUS_OBJECT_PATH_NOT_FOUND', win32: 3 },
  0xc0000043: { name: 'STATUS_SHARING_VIOLATION', win32: 32 },
  0xc0000054: { name: 'STATUS_FILE_LOCK_CONFLICT', win32: 33 },
  0xc0000056: { name: 'STATUS_DELETE_PENDING', sentence: 'the file is being deleted; wait for other programs to close it' },
  0xc0000061: { name: 'STATUS_PRIVILEGE_NOT_HELD', win32: 1314 },
  0xc000006a: { name: 'STATUS_WRONG_PASSWORD', win32: 1326 },
  0xc000006d: {
    name: 'STATUS_LOGON_FAILURE',
    win32: 1326,
    sentence: 'the user name or password is wrong; check EXTENT_LENS_SMB_PASSWORD and the user in the smb:// URI',
  },
  0xc000006e: {
    name: 'STATUS_ACCOUNT_RESTRICTION',
    sentence: 'the account may not log on this way (for example a blank password); ask the server administrator',
  },
  0xc0000071: { name: 'STATUS_PASSWORD_EXPIRED', sentence: 'the password has expired; change it and try again' },
  0xc0000072: { name: 'STATUS_ACCOUNT_DISABLED', sentence: 'the account is disabled; ask the server administrator' },
  0xc000007f: { name: 'STATUS_DISK_FULL', win32: 112 },
  0xc000009a: {
    name: 'STATUS_INSUFFICIENT_RESOURCES',
    sentence: 'the server ran out of resources; try again later or with smaller requests',
  },
  0xc00000a2: { name: 'STATUS_MEDIA_WRITE_PROTECTED', win32: 19 },
  0xc00000b5: { name: 'STATUS_IO_TIMEOUT', sentence: 'the server did not answer in time; check the network and try again' },
  0xc00000ba: { name: 'STATUS_FILE_IS_A_DIRECTORY', win32: 267 },
  0xc00000bb: { name: 'STATUS_NOT_SUPPORTED', win32: 50 },
  0xc00000c9: { name: 'STATUS_NETWORK_NAME_DELETED', win32: 64 },
  0xc00000ca: {
    name: 'STATUS_NETWORK_ACCESS_DENIED',
    win32: 5,
    sentence: 'the share does not allow this access; check the share permissions (read only = no, valid users)',
  },
  0xc00000cc: { name: 'STATUS_BAD_NETWORK_NAME', win32: 67 },
  0xc00000d4: { name: 'STATUS_NOT_SAME_DEVICE', win32: 17 },
  0xc00000e5: { name: 'STATUS_INTERNAL_ERROR', sentence: 'the server hit an internal error; check the server log' },
  0xc0000101: { name: 'STATUS_DIRECTORY_NOT_EMPTY', win32: 145 },
  0xc0000103: { name: 'STATUS_NOT_A_DIRECTORY', sentence: 'a part of the path is a file, not a folder; check the path' },
  0xc000011f: { name: 'STATUS_TOO_MANY_OPENED_FILES', sentence: 'too many files are open; close some and try again' },
  0xc0000120: { name: 'STATUS_CANCELLED', win32: 995 },
  0xc0000128: { name: 'STATUS_FILE_CLOSED', sentence: 'the handle was closed underneath the request; try again' },
  0xc0000185: { name: 'STATUS_IO_DEVICE_ERROR', win32: 1117 },
  0xc0000203: { name: 'STATUS_USER_SESSION_DELETED', sentence: 'the server ended the session; reconnect and try again' },
  0xc0000205: { name: 'STATUS_INSUFF_SERVER_RESOURCES', sentence: 'the server ran out of resources; try again later' },
  0xc000020c: { name: 'STATUS_CONNECTION_DISCONNECTED', win32: 64 },
  0xc000020d: { name: 'STATUS_CONNECTION_RESET', win32: 64 },
  0xc0000225: { name: 'STATUS_NOT_FOUND', win32: 1168 },
  0xc0000240: { name: 'STATUS_REQUEST_ABORTED', win32: 995 },
  0xc0000427: {
    name: 'STATUS_FILE_SYSTEM_LIMITATION',
    sentence: 'the file system cannot do this for a file this large or this fragmented',
  },
  0xc000048c: { name: 'STATUS_BLOCK_TOO_MANY_REFERENCES', win32: 347 },
  0xc000035c: { name: 'STATUS_NETWORK_SESSION_EXPIRED', sentence: 'the session expired; reconnect and try again' },
  0xc000a000: {
    name: 'STATUS_INVALID_SIGNATURE',
    sentence: 'a signed message failed verification; check that nothing on the network rewrites SMB traffic',
  },
};

const BY_NAME = new Map<string, number>(Object.entries(NT_STATUS).map(([code, i]) => [i.name, Number(code)]));

function u(status: number): number {
  return status >>> 0;
}

/** 'STATUS_BUFFER_OVERFLOW' for 0x80000005; 'STATUS_0x........' for codes not in the table. */
export function ntStatusName(status: number): string {
  return NT_STATUS[u(status)]?.name ?? `STATUS_0x${u(status).toString(16).padStart(8, '0').toUpperCase()}`;
}

export function ntStatusCode(name: string): number | undefined {
  return BY_NAME.get(name);
}

/** The Win32 error an NTSTATUS corresponds to, where the table knows it. */
export function ntStatusToWin32(status: number): number | undefined {
  return NT_STATUS[u(status)]?.win32;
}

/** The actionable sentence: the status's own, else its Win32 equivalent's, else generic. */
export function ntStatusSentence(status: number): string {
  const i = NT_STATUS[u(status)];
  if (i?.sentence) return i.sentence;
  if (i?.win32 !== undefined) return win32ErrorSentence(i.win32);
  return `the server reported ${ntStatusName(status)}; look the code up in MS-ERREF`;
}

/** STATUS_BUFFER_OVERFLOW etc. are warnings (severity 2): the output is valid but partial. */
export function ntStatusIsError(status: number): boolean {
  return u(status) >>> 30 === 3;
}

export function ntStatusOutcomeKind(status: number): FsctlOutcomeKind {
  switch (u(status)) {
    case 0x00000000:
      return 'ok';
    case 0x80000005:
      return 'more-data';
    case 0xc0000023:
      return 'buffer-too-small';
    case 0xc000000d:
      return 'invalid-parameter';
    case 0xc00000bb: // STATUS_NOT_SUPPORTED
    case 0xc0000010: // STATUS_INVALID_DEVICE_REQUEST
    case 0xc0000002: // STATUS_NOT_IMPLEMENTED
      return 'not-supported';
    default:
      return 'error';
  }
}
