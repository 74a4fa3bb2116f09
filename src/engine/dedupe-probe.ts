// Before a plan is shown (dedupe-find.ts): can each file system holding a group share blocks at
// all? The same probe engine.dedupe makes before any change, so the plan says so up front, and a
// group on a file system that cannot (ext4, tmpfs) claims no saving (DedupeGroup.cannotShare).

import type { ExtendedBackend } from './backend-ext';
import type { DedupeError, DedupeGroup } from './dedupe-types';
import type { FileData } from './dedupe-file-data';
import { nodeFsError } from './errno';
import { FsctlError, isCancelled } from './errors';

/**
 * Whether each file system holding a group can dedupe: the probe engine.dedupe makes before any
 * change (dedupeSupport: FIDEDUPERANGE with no destinations), made here so the plan can say so
 * before anyone is asked to confirm. One entry per file system that cannot, saying what to do;
 * each group on one that cannot share at all gets cannotShare and a net saving of 0 (the caller
 * adds up the totals after this).
 */
export async function probeDedupe(
  resolve: (p: string) => Promise<ExtendedBackend>,
  groups: DedupeGroup[],
  byPath: Map<string, FileData>,
): Promise<DedupeError[]> {
  const out: DedupeError[] = [];
  const probed = new Set<string>();
  /** File systems that cannot share blocks at all (by FileData.fsKey): their sentence. */
  const refused = new Map<string, string>();
  for (const g of groups) {
    const f = byPath.get(g.ranges[0].path);
    if (!f) continue;
    const known = refused.get(f.fsKey);
    if (known !== undefined) cannotShare(g, known);
    if (probed.has(f.fsKey)) continue;
    probed.add(f.fsKey);
    const fsName = f.filesystem === 'unknown' ? 'This file system' : f.filesystem;
    const b = await resolve(f.path);
    let no: DedupeError | undefined;
    if (!b.dedupeSupport || !b.dedupeRange)
      no = {
        path: f.path,
        code: 'EOPNOTSUPP',
        message:
          process.platform === 'darwin'
            ? 'macOS has no call that compares and shares ranges of existing files, so nothing can be deduplicated here (EOPNOTSUPP).'
            : `${fsName} cannot share blocks here (${b.name} has no compare-and-share call) (EOPNOTSUPP).`,
      };
    else
      try {
        await b.dedupeSupport(f.path);
      } catch (e) {
        if (isCancelled(e)) throw e;
        const x = e instanceof FsctlError ? e : nodeFsError('dedupe', e, [f.path]);
        no = {
          path: f.path,
          code: x.code,
          message:
            x.code === 'EOPNOTSUPP' || x.code === 'EINVAL' || x.code === 'ENOTTY'
              ? `${fsName} cannot share blocks (${x.code}): use btrfs, or XFS made with reflink=1 (over SMB: a share on one of those).`
              : x.message,
        };
      }
    if (!no) continue;
    out.push(no);
    // a verdict on the file system (not a probe file that could not be opened): its groups free nothing
    if (!CANNOT_SHARE.has(no.code)) continue;
    no.cannotShare = true;
    refused.set(f.fsKey, no.message);
    cannotShare(g, no.message);
  }
  return out;
}

/** The probe's codes that mean the file system cannot share blocks at all (as the CLI's --apply refusal reads them). */
const CANNOT_SHARE = new Set(['EOPNOTSUPP', 'EINVAL', 'ENOTTY', 'E_UNSUPPORTED']);

/** A group on a file system that cannot share: the identical data stays listed, but sharing it frees nothing here. */
function cannotShare(g: DedupeGroup, why: string): void {
  g.cannotShare = why;
  g.netSaving = 0n;
  g.netSavingMin = 0n;
}
