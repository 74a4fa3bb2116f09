// Error codes (FsctlError.code, by name) the front ends act on: "block cloning cannot work
// here", where the extension offers "Copy instead" and the CLI names --fallback copy, and "the
// name is taken", where the extension asks Rename / Overwrite and the CLI names --on-existing.
// Pure: one list for both front ends.

export const CLONE_IMPOSSIBLE_CODES: ReadonlySet<string> = new Set([
  'E_CROSS_VOLUME',
  'EXDEV',
  'E_UNSUPPORTED',
  'EOPNOTSUPP',
  'ENOTSUP',
  'ENOTTY', // an ioctl the file system does not know
  'ENOSYS',
  'ETXTBSY', // an active swap file: it cannot be shared, but it can be copied (as cp does)
  'E_NODATACOW', // btrfs: one file nodatacow (chattr +C), the other not
  'ERROR_NOT_SUPPORTED',
  'ERROR_INVALID_FUNCTION',
  'ERROR_NOT_SAME_DEVICE',
  'STATUS_NOT_SUPPORTED',
  'STATUS_INVALID_DEVICE_REQUEST',
  // a clone FSCTL's answer for a source on another volume (Samba: another btrfs subvolume or snapshot)
  'STATUS_INVALID_HANDLE',
  'ERROR_INVALID_HANDLE',
  'STATUS_NOT_SAME_DEVICE',
]);

/**
 * Codes that mean "the destination name is taken": the engine's own check (E_EXISTS, before
 * anything is written) or the OS refusing to place the file under that name without replacing.
 */
export const NAME_TAKEN_CODES: ReadonlySet<string> = new Set([
  'E_EXISTS',
  'EEXIST',
  'ERROR_FILE_EXISTS',
  'ERROR_ALREADY_EXISTS',
  'STATUS_OBJECT_NAME_COLLISION',
]);

/**
 * Whether a path a whole-tree command (space, dedupe) could not use is a failure (the CLI's exit
 * 1 and `"failed": true`, the Space view's export likewise) or a note: a FIFO, socket or device
 * met in a folder walk (E_NOT_REGULAR under a named folder: du does not fail on them either) and
 * a file that changed during the scan (E_CHANGED) are notes; anything else, and a special file
 * named directly (`named`: the paths as given), is a failure.
 */
export function isPathFailure(e: { path: string; code: string }, named: ReadonlySet<string>): boolean {
  return e.code !== 'E_CHANGED' && (e.code !== 'E_NOT_REGULAR' || named.has(e.path));
}
