// Before a plan is shown (dedupe-find.ts): can each file system holding a group share blocks at
// all? The same probe engine.dedupe makes before any change, so the plan says so up front.

import type { ExtendedBackend } from './backend-ext';
import type { DedupeError, DedupeGroup } from './dedupe-types';
import type { FileData } from './dedupe-file-data';
import { nodeFsError } from './errno';
import { FsctlError, isCancelled } from './errors';

/**
 * Whether each file system holding a group can dedupe: the probe engine.dedupe makes before any
 * change (dedupeSupport: FIDEDUPERANGE with no destinations), made here so the plan can say so
 * before anyone is asked to confirm. One entry per file system that cannot, saying what to do.
 */
export async function probeDedupe(
  resolve: (p: string) => Promise<ExtendedBackend>,
  groups: DedupeGroup[],
  byPath: Map<string, FileData>,
): Promise<DedupeError[]> {
  const out: DedupeError[] = [];
  const probed = new Set<string>();
  for (const g of groups) {
    const f = byPath.get(g.ranges[0].path);
    if (!f || probed.has(f.fsKey)) continue;
    probed.add(f.fsKey);
    const fsName = f.filesystem === 'unknown' ? 'This file system' : f.filesystem;
    const b = await resolve(f.path);
    if (!b.dedupeSupport || !b.dedupeRange) {
      out.push({
        path: f.path,
        code: 'EOPNOTSUPP',
        message:
          process.platform === 'darwin'
            ? 'macOS has no call that compares and shares ranges of existing files, so nothing can be deduplicated here (EOPNOTSUPP).'
            : `${fsName} cannot share blocks here (${b.name} has no compare-and-share call) (EOPNOTSUPP).`,
      });
      continue;
    }
    try {
      await b.dedupeSupport(f.path);
    } catch (e) {
      if (isCancelled(e)) throw e;
      const x = e instanceof FsctlError ? e : nodeFsError('dedupe', e, [f.path]);
      out.push({
        path: f.path,
        code: x.code,
        message:
          x.code === 'EOPNOTSUPP' || x.code === 'EINVAL' || x.code === 'ENOTTY'
            ? `${fsName} cannot share blocks (${x.code}): use btrfs, or XFS made with reflink=1 (over SMB: a share on one of those).`
            : x.message,
      });
    }
  }
  return out;
}
