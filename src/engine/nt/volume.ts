// Volume capabilities from the volume flags (GetVolumeInformationByHandleW on Windows,
// FileFsAttributeInformation over SMB2). Never probe by cloning an empty file: that "succeeds"
// on every file system (docs/facts/windows-fsctl.md#detecting-block-cloning).

import type { Operation, VolumeInfo } from '../types';
import { FILE_SUPPORTS_BLOCK_REFCOUNTING, FILE_SUPPORTS_SPARSE_FILES } from './codec/fsctl-codes';
import { isSmbPath } from '../smb-path';
import { engineError } from './outcome';
import type { NtHandle, NtTransport, NtVolumeInfo } from './transport';

export function hex32(n: number): string {
  return `0x${(n >>> 0).toString(16).padStart(8, '0')}`;
}

export function supportsBlockClone(v: NtVolumeInfo): boolean {
  return (v.attributes & FILE_SUPPORTS_BLOCK_REFCOUNTING) !== 0;
}

export function supportsSparseFiles(v: NtVolumeInfo): boolean {
  return (v.attributes & FILE_SUPPORTS_SPARSE_FILES) !== 0;
}

export function toVolumeInfo(path: string, v: NtVolumeInfo): VolumeInfo {
  const clone = supportsBlockClone(v);
  return {
    path,
    filesystem: v.fileSystemName,
    rawType: hex32(v.attributes),
    blockSize: v.clusterSize,
    supportsSparse: supportsSparseFiles(v),
    supportsClone: clone,
    cloneEvidence: clone
      ? `The volume (${v.fileSystemName}) reports FILE_SUPPORTS_BLOCK_REFCOUNTING (0x08000000) in its flags ${hex32(v.attributes)}.`
      : `The volume (${v.fileSystemName}) does not report FILE_SUPPORTS_BLOCK_REFCOUNTING (0x08000000) in its flags ${hex32(v.attributes)}; block cloning needs ReFS or a Dev Drive (or a server share that supports it).`,
    volumeId: v.volumeId,
    totalBytes: v.totalBytes,
    freeBytes: v.freeBytes,
  };
}

export async function queryVolumeInfo(t: NtTransport, h: NtHandle): Promise<VolumeInfo> {
  return toVolumeInfo(h.path, await t.queryVolume(h));
}

/** The up-front check before any clone FSCTL: a clear E_UNSUPPORTED instead of an obscure code later. */
export function requireBlockClone(v: NtVolumeInfo, operation: Operation, paths: string[]): void {
  if (supportsBlockClone(v)) return;
  throw engineError(
    operation,
    'E_UNSUPPORTED',
    paths,
    `The volume of ${paths[0]} (${v.fileSystemName}, flags ${hex32(v.attributes)}) does not report FILE_SUPPORTS_BLOCK_REFCOUNTING, so it cannot block-clone (E_UNSUPPORTED)` +
      (operation === 'dedupe' ? ': nothing can be shared there, and nothing was changed; ' : '; ') +
      (isSmbPath(paths[0])
        ? 'over SMB block cloning needs a share on ReFS or a Dev Drive (Windows), or on btrfs with "vfs objects = btrfs" (Samba)'
        : 'block cloning needs ReFS or a Dev Drive') +
      (operation === 'dedupe' || noRangeCopy(operation, paths) ? '.' : ', or allow a copy.'),
  );
}

/** clone-range over SMB: no range is copied there (operations.ts rangeFallback), so no copy is advised. */
const noRangeCopy = (operation: Operation, paths: string[]): boolean => operation === 'clone-range' && paths.some(isSmbPath);

/**
 * Source and destination opened in one session (SMB: one `[domain;]user@host:port/share`). Two
 * spellings of the user (WORKGROUP;alice, ALICE) are two sessions to one volume: Samba answered a
 * clone between them with STATUS_INVALID_HANDLE, which read as another volume (a subvolume).
 */
export function requireOneSession(t: NtTransport, src: NtHandle, dst: NtHandle, operation: Operation, paths: string[]): void {
  const [a, b] = [t.sessionOf?.(src), t.sessionOf?.(dst)];
  if (a === b) return;
  throw engineError(
    operation,
    'E_CROSS_VOLUME',
    paths,
    `${paths[0]} and ${paths[1]} are on one share but reach it through two sessions (${a} and ${b}) (E_CROSS_VOLUME): ` +
      "a server clones only from a source opened in the destination's session, so write both with the same user (and domain)" +
      (noRangeCopy(operation, paths) ? '.' : ', or allow a copy.'),
  );
}

export function requireSameVolume(a: NtVolumeInfo, b: NtVolumeInfo, operation: Operation, paths: string[]): void {
  if (a.volumeId === b.volumeId) return;
  throw engineError(
    operation,
    'E_CROSS_VOLUME',
    paths,
    `Source and destination are on different volumes (${a.volumeId} vs ${b.volumeId}) (E_CROSS_VOLUME); block cloning needs one volume, so pick a destination on the source's volume${noRangeCopy(operation, paths) ? '' : ' or allow a copy'}.`,
  );
}
