// The CLI, cross-check and exactness tests' view of the shared loop-device helper
// (test/support/loopfs.ts): the same file systems, plus a check for the independent tools
// (xfs_io, filefrag) the tests compare against.

import { hasTool, makeFs, skipReason as fsSkipReason, type FsKind as SupportKind } from '../support/loopfs';

export type FsKind = Exclude<SupportKind, 'tmpfs'>;

export interface LoopFs {
  kind: FsKind;
  /** Mount point: create test files here. */
  mnt: string;
  cleanup(): void;
}

/** Why `kind` file systems (and the listed tools) are not available here, or undefined. */
export function skipReason(kind: FsKind, extraTools: string[] = []): string | undefined {
  const r = fsSkipReason(kind);
  if (r) return r;
  for (const t of extraTools) if (!hasTool(t)) return `${t} is not installed (apt install ${t === 'filefrag' ? 'e2fsprogs' : 'xfsprogs'})`;
  return undefined;
}

/** A fresh mounted file system; `area` is kept for call sites, the images live where loopfs puts them. */
export function makeLoopFs(kind: FsKind, sizeMiB = kind === 'xfs' ? 512 : 256, _area = 'cli'): LoopFs {
  const t = makeFs(kind, sizeMiB);
  return { kind, mnt: t.mountPoint, cleanup: () => t.cleanup() };
}

export { tempDir } from './temp-dir';
