// Which paths the SMB backend handles. A leaf module: destination naming and the backends ask
// it without loading the backend selector (which loads the backends).

/** True for smb://[DOMAIN;]user@host[:port]/share/path URIs (any case), false for local paths. */
export function isSmbPath(path: string): boolean {
  return /^smb:\/\//i.test(path);
}
