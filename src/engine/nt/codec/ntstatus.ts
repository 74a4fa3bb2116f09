// NTSTATUS codes (SMB2 responses; the status behind every Win32 error): the one table of their
// names and values, the Win32 equivalent, the actionable sentence an FSCTL failure ends with, the
// whole sentence an SMB2 command refused with the status is shown with (`advice`), and the
// transport outcome kind. The SMB2 client (backends/smb/protocol) and the FSCTL algorithms both
// read it, so a status has one name everywhere; the SMB2 transport uses `ntStatusOutcomeKind` so
// the FSCTL algorithms see Samba and Windows the same way.

import type { FsctlOutcomeKind } from '../transport';
import { win32ErrorSentence } from './win32-errors';

interface NtStatusInfo {
  code: number;
  /** Win32 error this status maps to (RtlNtStatusToDosError), where it matters. */
  win32?: number;
  /** Ends "FSCTL_… on <path> failed with <STATUS>: …"; else the Win32 equivalent's. */
  sentence?: string;
  /** For statuses a person can act on: the sentence an SMB2 command refused on `where` is shown with. */
  advice?: (where: string, name: string) => string;
}

// The advice several statuses share (each names the status as people search for it).
const wrongPassword = (where: string): string =>
  `the server rejected the user name or password for ${where} (STATUS_LOGON_FAILURE); check the user in the smb:// URI and the password (EXTENT_LENS_SMB_PASSWORD).`;
const accountRefused = (where: string, name: string): string =>
  `the server refused the account for ${where} (${name}); ask the server's administrator to enable the account or renew its password.`;
const noSuchShare = (where: string): string => {
  // `where` is //server[:port]/share (TREE_CONNECT's path)
  const m = /^\/\/([^/]+)\/([^/]+)/.exec(where);
  const what = m ? `the server ${m[1]} has no share named "${m[2]}"` : `the server has no share ${where}`;
  return `${what} (STATUS_BAD_NETWORK_NAME); check the share name (the first path component of the smb:// URI).`;
};
const noSuchFile = (where: string): string => `${where} does not exist on the server (STATUS_OBJECT_NAME_NOT_FOUND); check the path.`;
const noSuchFolder = (where: string): string =>
  `a folder in ${where} does not exist on the server (STATUS_OBJECT_PATH_NOT_FOUND); check the path.`;
const nameTaken = (where: string): string =>
  `${where} already exists on the server (STATUS_OBJECT_NAME_COLLISION); choose another name or allow overwriting.`;
const accessDenied = (where: string, name: string): string =>
  `the server denied access to ${where} (${name}); check the share's and the file's permissions for this user, or whether the share is read-only.`;
// Samba's answer for EROFS: a read-only btrfs snapshot or a file system mounted read-only
// inside the share (a "read-only" share itself gives STATUS_ACCESS_DENIED).
const readOnlyFileSystem = (where: string): string =>
  `the server's file system is read-only where ${where} lies (STATUS_MEDIA_WRITE_PROTECTED; Samba answers so for EROFS: a read-only btrfs snapshot, or a file system mounted read-only); nothing there can be changed: choose a file or folder outside it.`;
const openElsewhere = (where: string): string =>
  `${where} is open elsewhere in a way that prevents this (STATUS_SHARING_VIOLATION); close it in other programs and retry.`;
// (Samba with strict locking: a READ or WRITE over bytes another client or program has locked)
const lockedElsewhere = (where: string): string =>
  `another client or program holds a lock on part of ${where} (STATUS_FILE_LOCK_CONFLICT); try again once it has released the lock (closed the file).`;
const volumeFull = (where: string): string =>
  `the server's volume is full while writing ${where} (STATUS_DISK_FULL); free space on the share.`;
const isAFolder = (where: string): string => `${where} is a folder, not a file (STATUS_FILE_IS_A_DIRECTORY).`;
const notAFolder = (where: string): string => `a component of ${where} is a file, not a folder (STATUS_NOT_A_DIRECTORY).`;
const sessionEnded = (where: string, name: string): string => `the server ended the session for ${where} (${name}); retry to reconnect.`;
// (a restarted Samba answered TREE_CONNECT with STATUS_NO_MEMORY)
const outOfResources = (where: string, name: string): string =>
  `the server could not find the memory or resources it needs for ${where} (${name}); it may be overloaded or still starting: try again, and if it keeps failing, check the server's log.`;

const NT_STATUS_TABLE = {
  STATUS_SUCCESS: { code: 0x00000000, win32: 0 },
  STATUS_PENDING: { code: 0x00000103, win32: 997 },
  STATUS_NOTIFY_CLEANUP: { code: 0x0000010b },
  STATUS_NOTIFY_ENUM_DIR: { code: 0x0000010c },
  STATUS_BUFFER_OVERFLOW: { code: 0x80000005, win32: 234 },
  STATUS_NO_MORE_FILES: { code: 0x80000006, sentence: 'no more entries' },
  STATUS_UNSUCCESSFUL: { code: 0xc0000001, sentence: 'the server reported a generic failure; check the server log' },
  STATUS_NOT_IMPLEMENTED: { code: 0xc0000002, win32: 1 },
  STATUS_INVALID_INFO_CLASS: { code: 0xc0000003, win32: 87, sentence: 'the server does not know this information class' },
  STATUS_INFO_LENGTH_MISMATCH: {
    code: 0xc0000004,
    win32: 24,
    sentence: 'the server refused the buffer length; this is a bug in Extent Lens, please report it',
  },
  STATUS_INVALID_HANDLE: { code: 0xc0000008, win32: 6 },
  STATUS_INVALID_PARAMETER: { code: 0xc000000d, win32: 87 },
  STATUS_NO_SUCH_FILE: { code: 0xc000000f, win32: 2, advice: noSuchFile },
  STATUS_INVALID_DEVICE_REQUEST: { code: 0xc0000010, win32: 1 },
  STATUS_END_OF_FILE: { code: 0xc0000011, win32: 38 },
  STATUS_MORE_PROCESSING_REQUIRED: { code: 0xc0000016, sentence: 'authentication needs another round trip' },
  STATUS_NO_MEMORY: { code: 0xc0000017, win32: 8, advice: outOfResources },
  STATUS_INVALID_VIEW_SIZE: { code: 0xc000001f, sentence: 'a chunk reaches past the end of the source file; copy only up to its size' },
  STATUS_ACCESS_DENIED: { code: 0xc0000022, win32: 5, advice: accessDenied },
  STATUS_BUFFER_TOO_SMALL: { code: 0xc0000023, win32: 122 },
  STATUS_OBJECT_TYPE_MISMATCH: {
    code: 0xc0000024,
    sentence: 'the handle is the wrong kind of object; this is a bug in Extent Lens, please report it',
  },
  STATUS_OBJECT_NAME_INVALID: { code: 0xc0000033, win32: 123 },
  STATUS_OBJECT_NAME_NOT_FOUND: {
    code: 0xc0000034,
    win32: 2,
    sentence: 'the file does not exist (for a server-side copy: the resume key no longer names an open source); check the path',
    advice: noSuchFile,
  },
  STATUS_OBJECT_NAME_COLLISION: { code: 0xc0000035, win32: 183, advice: nameTaken },
  STATUS_OBJECT_PATH_NOT_FOUND: { code: 0xc000003a, win32: 3, advice: noSuchFolder },
  STATUS_SHARING_VIOLATION: { code: 0xc0000043, win32: 32, advice: openElsewhere },
  STATUS_FILE_LOCK_CONFLICT: { code: 0xc0000054, win32: 33, advice: lockedElsewhere },
  STATUS_DELETE_PENDING: { code: 0xc0000056, sentence: 'the file is being deleted; wait for other programs to close it' },
  STATUS_PRIVILEGE_NOT_HELD: { code: 0xc0000061, win32: 1314 },
  STATUS_WRONG_PASSWORD: { code: 0xc000006a, win32: 1326, advice: wrongPassword },
  STATUS_LOGON_FAILURE: {
    code: 0xc000006d,
    win32: 1326,
    sentence: 'the user name or password is wrong; check EXTENT_LENS_SMB_PASSWORD and the user in the smb:// URI',
    advice: wrongPassword,
  },
  STATUS_ACCOUNT_RESTRICTION: {
    code: 0xc000006e,
    sentence: 'the account may not log on this way (for example a blank password); ask the server administrator',
    advice: accountRefused,
  },
  STATUS_PASSWORD_EXPIRED: { code: 0xc0000071, sentence: 'the password has expired; change it and try again', advice: accountRefused },
  STATUS_ACCOUNT_DISABLED: { code: 0xc0000072, sentence: 'the account is disabled; ask the server administrator', advice: accountRefused },
  STATUS_DISK_FULL: { code: 0xc000007f, win32: 112, advice: volumeFull },
  STATUS_INSUFFICIENT_RESOURCES: {
    code: 0xc000009a,
    sentence: 'the server ran out of resources; try again later or with smaller requests',
    advice: outOfResources,
  },
  STATUS_MEDIA_WRITE_PROTECTED: { code: 0xc00000a2, win32: 19, advice: readOnlyFileSystem },
  STATUS_IO_TIMEOUT: { code: 0xc00000b5, sentence: 'the server did not answer in time; check the network and try again' },
  STATUS_FILE_IS_A_DIRECTORY: { code: 0xc00000ba, win32: 267, advice: isAFolder },
  STATUS_NOT_SUPPORTED: { code: 0xc00000bb, win32: 50 },
  STATUS_NETWORK_NAME_DELETED: { code: 0xc00000c9, win32: 64 },
  STATUS_NETWORK_ACCESS_DENIED: {
    code: 0xc00000ca,
    win32: 5,
    sentence: 'the share does not allow this access; check the share permissions (read only = no, valid users)',
    advice: accessDenied,
  },
  STATUS_BAD_NETWORK_NAME: { code: 0xc00000cc, win32: 67, advice: noSuchShare },
  STATUS_NOT_SAME_DEVICE: { code: 0xc00000d4, win32: 17 },
  STATUS_INTERNAL_ERROR: { code: 0xc00000e5, sentence: 'the server hit an internal error; check the server log' },
  STATUS_DIRECTORY_NOT_EMPTY: { code: 0xc0000101, win32: 145 },
  STATUS_NOT_A_DIRECTORY: { code: 0xc0000103, sentence: 'a part of the path is a file, not a folder; check the path', advice: notAFolder },
  STATUS_TOO_MANY_OPENED_FILES: { code: 0xc000011f, sentence: 'too many files are open; close some and try again' },
  STATUS_CANCELLED: { code: 0xc0000120, win32: 995 },
  STATUS_CANNOT_DELETE: { code: 0xc0000121 },
  STATUS_FILE_CLOSED: { code: 0xc0000128, sentence: 'the handle was closed underneath the request; try again' },
  STATUS_INVALID_DEVICE_STATE: { code: 0xc0000184 },
  STATUS_IO_DEVICE_ERROR: { code: 0xc0000185, win32: 1117 },
  STATUS_USER_SESSION_DELETED: {
    code: 0xc0000203,
    sentence: 'the server ended the session; reconnect and try again',
    advice: sessionEnded,
  },
  STATUS_INSUFF_SERVER_RESOURCES: { code: 0xc0000205, sentence: 'the server ran out of resources; try again later' },
  STATUS_CONNECTION_DISCONNECTED: { code: 0xc000020c, win32: 64 },
  STATUS_CONNECTION_RESET: { code: 0xc000020d, win32: 64 },
  STATUS_NOT_FOUND: { code: 0xc0000225, win32: 1168 },
  STATUS_REQUEST_ABORTED: { code: 0xc0000240, win32: 995 },
  STATUS_NETWORK_SESSION_EXPIRED: { code: 0xc000035c, sentence: 'the session expired; reconnect and try again', advice: sessionEnded },
  STATUS_FILE_SYSTEM_LIMITATION: { code: 0xc0000427, sentence: 'the file system cannot do this for a file this large or this fragmented' },
  STATUS_BLOCK_TOO_MANY_REFERENCES: { code: 0xc000048c, win32: 347 },
  STATUS_INVALID_SIGNATURE: {
    code: 0xc000a000,
    sentence: 'a signed message failed verification; check that nothing on the network rewrites SMB traffic',
  },
} satisfies Record<string, NtStatusInfo>;

type NtStatusName = keyof typeof NT_STATUS_TABLE;

/** Each status's value by name: `STATUS.STATUS_ACCESS_DENIED` is 0xc0000022. */
export const STATUS = Object.fromEntries(Object.entries(NT_STATUS_TABLE).map(([name, i]) => [name, i.code])) as {
  readonly [N in NtStatusName]: number;
};

const BY_CODE = new Map<number, NtStatusInfo & { name: string }>(
  Object.entries(NT_STATUS_TABLE).map(([name, i]) => [i.code, { ...i, name }]),
);

function u(status: number): number {
  return status >>> 0;
}

/** 'STATUS_BUFFER_OVERFLOW' for 0x80000005; 'STATUS_0x........' for codes not in the table. */
export function ntStatusName(status: number): string {
  return BY_CODE.get(u(status))?.name ?? `STATUS_0x${u(status).toString(16).padStart(8, '0').toUpperCase()}`;
}

export function ntStatusCode(name: string): number | undefined {
  return Object.hasOwn(NT_STATUS_TABLE, name) ? NT_STATUS_TABLE[name as NtStatusName].code : undefined;
}

/** The Win32 error an NTSTATUS corresponds to, where the table knows it. */
export function ntStatusToWin32(status: number): number | undefined {
  return BY_CODE.get(u(status))?.win32;
}

/** The actionable sentence: the status's own, else its Win32 equivalent's, else generic. */
export function ntStatusSentence(status: number): string {
  const i = BY_CODE.get(u(status));
  if (i?.sentence) return i.sentence;
  if (i?.win32 !== undefined) return win32ErrorSentence(i.win32);
  return `the server reported ${ntStatusName(status)}; look the code up in MS-ERREF`;
}

/** The sentence an SMB2 command refused on `where` is shown with, for statuses a person can act on; undefined for the rest. */
export function ntStatusAdvice(status: number, where: string): string | undefined {
  const i = BY_CODE.get(u(status));
  return i?.advice?.(where, i.name);
}

/** STATUS_BUFFER_OVERFLOW etc. are warnings (severity 2): the output is valid but partial. */
export function ntStatusIsError(status: number): boolean {
  return u(status) >>> 30 === 3;
}

export function ntStatusOutcomeKind(status: number): FsctlOutcomeKind {
  switch (u(status)) {
    case STATUS.STATUS_SUCCESS:
      return 'ok';
    case STATUS.STATUS_BUFFER_OVERFLOW:
      return 'more-data';
    case STATUS.STATUS_BUFFER_TOO_SMALL:
      return 'buffer-too-small';
    case STATUS.STATUS_INVALID_PARAMETER:
      return 'invalid-parameter';
    case STATUS.STATUS_NOT_SUPPORTED:
    case STATUS.STATUS_INVALID_DEVICE_REQUEST:
    case STATUS.STATUS_NOT_IMPLEMENTED:
      return 'not-supported';
    default:
      return 'error';
  }
}
