// Which paths the SMB backend handles. A leaf module: destination naming and the backends ask
// it without loading the backend selector (which loads the backends).

/** True for smb://[DOMAIN;]user@host[:port]/share/path URIs (any case), false for local paths. */
export function isSmbPath(path: string): boolean {
  return /^smb:\/\//i.test(path);
}

/** The share's URI (smb://user@host[:port]/share) of an smb:// path: one file system per share. */
export function smbShareOf(p: string): string {
  const m = /^(smb:\/\/?[^/]+\/[^/]+)/i.exec(p);
  return m ? m[1] : p;
}
