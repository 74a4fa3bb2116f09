// The SMB file API on the engine surface: what a file system provider needs to browse and edit
// a share (stat, list, read, write, create folder, delete, rename, watch) over the project's
// own SMB2 client. Paths are smb://[DOMAIN;]user@host[:port]/share/path URIs, as everywhere in
// the engine. The client loads on the first call (a dynamic import), so importing the engine's
// index stays cheap and activation loads neither koffi nor SMB.
//
// Failures are FsctlErrors whose code is the NT status by name (STATUS_OBJECT_NAME_NOT_FOUND,
// STATUS_OBJECT_NAME_COLLISION, ...) or the socket error (ECONNREFUSED, ETIMEDOUT), with one
// sentence a person can act on.

import type { SmbFileApi } from './smb-files-types';

export type * from './smb-files-types';

/** The SMB file API (loads the SMB client on the first call). */
export async function smbFiles(): Promise<SmbFileApi> {
  const { smbFileApi } = await import('./backends/smb/files');
  return smbFileApi;
}
