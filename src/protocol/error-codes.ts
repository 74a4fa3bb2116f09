// Error codes (FsctlError.code, by name) that mean "block cloning cannot work here", so a
// hole-keeping copy is the sensible next step: the extension offers "Copy instead", the CLI
// names --fallback copy. Pure: one list for both front ends.

export const CLONE_IMPOSSIBLE_CODES: ReadonlySet<string> = new Set([
  'E_CROSS_VOLUME',
  'EXDEV',
  'E_UNSUPPORTED',
  'EOPNOTSUPP',
  'ENOTSUP',
  'ENOTTY', // an ioctl the file system does not know
  'ENOSYS',
  'ETXTBSY', // an active swap file: it cannot be shared, but it can be copied (as cp does)
  'ERROR_NOT_SUPPORTED',
  'ERROR_INVALID_FUNCTION',
  'ERROR_NOT_SAME_DEVICE',
  'STATUS_NOT_SUPPORTED',
  'STATUS_INVALID_DEVICE_REQUEST',
]);
