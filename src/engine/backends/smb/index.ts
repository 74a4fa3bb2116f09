// The Backend for smb://user@host[:port]/share/path URIs: the Windows FSCTL algorithms
// (src/engine/nt) over the SMB2 transport. Passwords come from the provider the extension sets
// (setSmbPasswordProvider, backed by SecretStorage) or from EXTENT_LENS_SMB_PASSWORD (CLI).

import type { OpContext } from '../../backend';
import type { ExtendedBackend } from '../../backend-ext';
import { createNtBackend, type NtBackendOptions } from '../../nt';
import type { Operation } from '../../types';
import { withOperation } from './protocol/errors';
import { smbTransport } from './transport';
import { smbFileApi } from './files';

export { setSmbPasswordProvider, configureSmb, closeSmbConnections } from './protocol/pool';
export type { SmbPasswordProvider, SmbTargetInfo, SmbClientSettings } from './protocol/pool';
export { parseSmbUri, formatSmbUri } from './protocol/uri';

const OPERATION_OF: Record<string, Operation> = {
  allocatedRanges: 'ranges',
  extentMap: 'map',
  extentMapPacked: 'map',
  volume: 'volume',
  cloneFile: 'clone',
  cloneRange: 'clone-range',
  copyFile: 'copy',
  sparseCopy: 'copy',
  punchHole: 'punch',
  zeroRange: 'zero',
  setSparse: 'set-sparse',
  dedupeRange: 'dedupe',
  dedupeSupport: 'dedupe',
  freeBytesSynced: 'dedupe',
};

/** A backend over the SMB transport; `options` tune the FSCTL loops (tests force small buffers). */
export function createSmbBackend(options: NtBackendOptions = {}): ExtendedBackend {
  const inner = createNtBackend(smbTransport(), 'smb', options);
  const outer: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(inner)) {
    const op = OPERATION_OF[key];
    outer[key] =
      typeof value === 'function' && op
        ? (...args: unknown[]) =>
            withOperation(op, () => (value as (...a: unknown[]) => Promise<unknown>).apply(inner, args), contextIn(args))
        : value;
  }
  // the folder listing space accounting walks: the file API's (QUERY_DIRECTORY, paged)
  outer.list = (p: string) =>
    withOperation('space', async () =>
      (await smbFileApi.list(p)).map((e) => ({
        name: e.name,
        size: e.size,
        directory: e.kind === 'directory',
        attributes: e.attributes,
        fileId: e.fileId,
      })),
    );
  return outer as unknown as ExtendedBackend;
}

/** The operation's OpContext among a backend call's arguments: SMB requests poll it for a cancel while they wait. */
function contextIn(args: unknown[]): OpContext | undefined {
  return args.find((a): a is OpContext => typeof (a as OpContext | undefined)?.checkCancelled === 'function');
}

let shared: ExtendedBackend | undefined;

/** The backend that backendFor() returns for smb:// paths. */
export function smbBackend(): ExtendedBackend {
  return (shared ??= createSmbBackend());
}
