// NTSTATUS values the SMB client meets, by name, and the sentence a person can act on for
// the ones that mean "fix something on your side". The FSCTL-level table (for the
// algorithms) lives with the Windows codec; this one serves the protocol layer, and names a
// status it lacks by the codec's table.

import { ntStatusName } from '../../../nt/codec/ntstatus';

export const STATUS = {
  STATUS_SUCCESS: 0x00000000,
  STATUS_PENDING: 0x00000103,
  STATUS_NOTIFY_CLEANUP: 0x0000010b,
  STATUS_NOTIFY_ENUM_DIR: 0x0000010c,
  STATUS_BUFFER_OVERFLOW: 0x80000005,
  STATUS_NO_MORE_FILES: 0x80000006,
  STATUS_NOT_IMPLEMENTED: 0xc0000002,
  STATUS_INVALID_INFO_CLASS: 0xc0000003,
  STATUS_INFO_LENGTH_MISMATCH: 0xc0000004,
  STATUS_INVALID_HANDLE: 0xc0000008,
  STATUS_INVALID_PARAMETER: 0xc000000d,
  STATUS_NO_SUCH_FILE: 0xc000000f,
  STATUS_INVALID_DEVICE_REQUEST: 0xc0000010,
  STATUS_END_OF_FILE: 0xc0000011,
  STATUS_MORE_PROCESSING_REQUIRED: 0xc0000016,
  STATUS_NO_MEMORY: 0xc0000017,
  STATUS_INVALID_VIEW_SIZE: 0xc000001f,
  STATUS_ACCESS_DENIED: 0xc0000022,
  STATUS_BUFFER_TOO_SMALL: 0xc0000023,
  STATUS_OBJECT_TYPE_MISMATCH: 0xc0000024,
  STATUS_OBJECT_NAME_INVALID: 0xc0000033,
  STATUS_OBJECT_NAME_NOT_FOUND: 0xc0000034,
  STATUS_OBJECT_NAME_COLLISION: 0xc0000035,
  STATUS_OBJECT_PATH_NOT_FOUND: 0xc000003a,
  STATUS_SHARING_VIOLATION: 0xc0000043,
  STATUS_DELETE_PENDING: 0xc0000056,
  STATUS_PRIVILEGE_NOT_HELD: 0xc0000061,
  STATUS_WRONG_PASSWORD: 0xc000006a,
  STATUS_LOGON_FAILURE: 0xc000006d,
  STATUS_ACCOUNT_RESTRICTION: 0xc000006e,
  STATUS_PASSWORD_EXPIRED: 0xc0000071,
  STATUS_ACCOUNT_DISABLED: 0xc0000072,
  STATUS_DISK_FULL: 0xc000007f,
  STATUS_INSUFFICIENT_RESOURCES: 0xc000009a,
  STATUS_MEDIA_WRITE_PROTECTED: 0xc00000a2,
  STATUS_IO_TIMEOUT: 0xc00000b5,
  STATUS_FILE_IS_A_DIRECTORY: 0xc00000ba,
  STATUS_NOT_SUPPORTED: 0xc00000bb,
  STATUS_NETWORK_ACCESS_DENIED: 0xc00000ca,
  STATUS_BAD_NETWORK_NAME: 0xc00000cc,
  STATUS_NOT_SAME_DEVICE: 0xc00000d4,
  STATUS_DIRECTORY_NOT_EMPTY: 0xc0000101,
  STATUS_NOT_A_DIRECTORY: 0xc0000103,
  STATUS_CANNOT_DELETE: 0xc0000121,
  STATUS_CANCELLED: 0xc0000120,
  STATUS_FILE_CLOSED: 0xc0000128,
  STATUS_INVALID_DEVICE_STATE: 0xc0000184,
  STATUS_USER_SESSION_DELETED: 0xc0000203,
  STATUS_NOT_FOUND: 0xc0000225,
  STATUS_NETWORK_SESSION_EXPIRED: 0xc000035c,
  STATUS_FILE_SYSTEM_LIMITATION: 0xc0000427,
} as const;

const NAMES = new Map<number, string>(Object.entries(STATUS).map(([k, v]) => [v, k]));

/** The status by name: this table's, else the codec's (which the FSCTL algorithms read), else its hex. */
export function statusName(status: number): string {
  // (a restarted Samba answered TREE_CONNECT with STATUS_NO_MEMORY, shown as "STATUS_0xC0000017")
  return NAMES.get(status >>> 0) ?? ntStatusName(status);
}

/** A sentence for statuses a person can act on; undefined for the rest. */
export function statusAdvice(status: number, where: string): string | undefined {
  switch (status >>> 0) {
    case STATUS.STATUS_LOGON_FAILURE:
    case STATUS.STATUS_WRONG_PASSWORD:
      return `the server rejected the user name or password for ${where} (STATUS_LOGON_FAILURE); check the user in the smb:// URI and the password (EXTENT_LENS_SMB_PASSWORD).`;
    case STATUS.STATUS_ACCOUNT_DISABLED:
    case STATUS.STATUS_ACCOUNT_RESTRICTION:
    case STATUS.STATUS_PASSWORD_EXPIRED:
      return `the server refused the account for ${where} (${statusName(status)}); ask the server's administrator to enable the account or renew its password.`;
    case STATUS.STATUS_BAD_NETWORK_NAME: {
      // `where` is //server[:port]/share (TREE_CONNECT's path)
      const m = /^\/\/([^/]+)\/([^/]+)/.exec(where);
      const what = m ? `the server ${m[1]} has no share named "${m[2]}"` : `the server has no share ${where}`;
      return `${what} (STATUS_BAD_NETWORK_NAME); check the share name (the first path component of the smb:// URI).`;
    }
    case STATUS.STATUS_OBJECT_NAME_NOT_FOUND:
    case STATUS.STATUS_NO_SUCH_FILE:
      return `${where} does not exist on the server (STATUS_OBJECT_NAME_NOT_FOUND); check the path.`;
    case STATUS.STATUS_OBJECT_PATH_NOT_FOUND:
      return `a folder in ${where} does not exist on the server (STATUS_OBJECT_PATH_NOT_FOUND); check the path.`;
    case STATUS.STATUS_OBJECT_NAME_COLLISION:
      return `${where} already exists on the server (STATUS_OBJECT_NAME_COLLISION); choose another name or allow overwriting.`;
    case STATUS.STATUS_ACCESS_DENIED:
    case STATUS.STATUS_NETWORK_ACCESS_DENIED:
      return `the server denied access to ${where} (${statusName(status)}); check the share's and the file's permissions for this user, or whether the share is read-only.`;
    // Samba's answer for EROFS: a read-only btrfs snapshot or a file system mounted read-only
    // inside the share (a "read-only" share itself gives STATUS_ACCESS_DENIED).
    case STATUS.STATUS_MEDIA_WRITE_PROTECTED:
      return `the server's file system is read-only where ${where} lies (STATUS_MEDIA_WRITE_PROTECTED; Samba answers so for EROFS: a read-only btrfs snapshot, or a file system mounted read-only); nothing there can be changed: choose a file or folder outside it.`;
    case STATUS.STATUS_SHARING_VIOLATION:
      return `${where} is open elsewhere in a way that prevents this (STATUS_SHARING_VIOLATION); close it in other programs and retry.`;
    case STATUS.STATUS_DISK_FULL:
      return `the server's volume is full while writing ${where} (STATUS_DISK_FULL); free space on the share.`;
    case STATUS.STATUS_FILE_IS_A_DIRECTORY:
      return `${where} is a folder, not a file (STATUS_FILE_IS_A_DIRECTORY).`;
    case STATUS.STATUS_NOT_A_DIRECTORY:
      return `a component of ${where} is a file, not a folder (STATUS_NOT_A_DIRECTORY).`;
    case STATUS.STATUS_USER_SESSION_DELETED:
    case STATUS.STATUS_NETWORK_SESSION_EXPIRED:
      return `the server ended the session for ${where} (${statusName(status)}); retry to reconnect.`;
    case STATUS.STATUS_NO_MEMORY:
    case STATUS.STATUS_INSUFFICIENT_RESOURCES:
      return `the server could not find the memory or resources it needs for ${where} (${statusName(status)}); it may be overloaded or still starting: try again, and if it keeps failing, check the server's log.`;
    default:
      return undefined;
  }
}
