// What a punch or dig-holes freed on the file system itself, next to what it deallocated from
// the file. The two differ where the blocks are still used elsewhere: other files sharing them
// (reflinks, snapshots), or, on btrfs, the rest of an extent, which btrfs frees only whole; and
// the file system's own records, which grow as holes split extents. A report that said "freed"
// from the file's own block count would claim space nobody got back.
//
// Measured only where the file system's count is final once synced (Linux: statfs after syncfs,
// as dedupe measures). An SMB server or a Windows volume commits on its own schedule, so there
// the report keeps the file's figure alone and says nothing of the file system.

import type { ExtendedBackend } from './backend-ext';
import { lowerLayerLookup } from './overlay-layers';
import type { OperationReport } from './types';

/**
 * What gives back the rest of btrfs extents that holes left partly used, where none of the file's
 * blocks were shared: rewriting the file, so that its data lands in new extents and the old ones
 * lose their last reference. Measured on a btrfs loop mount (kernel 6.18, btrfs-progs 6.2): a 64 MiB
 * file, half zeros in 1 MiB runs, dug to 32 MiB freed 0 bytes; a copy with blocks of its own
 * renamed over it freed the 32 MiB (statfs and `btrfs filesystem usage` after sync), where
 * `btrfs filesystem defragment` (default, -t 32M, -t 256M) freed nothing. A copy that shared
 * blocks (reflink) would keep the old extents. One sentence, quoted by the CLI's note and by the
 * extension's message (OperationReport.fsFreedRemedy), so both say the same.
 */
export const BTRFS_REWRITE_REMEDY =
  'To free the rest of those extents, rewrite the file: copy it with blocks of its own (extent-lens copy --reflink never FILE COPY, or ' +
  'cp --sparse=always --reflink=never FILE COPY), then rename the copy over the file; the old extents are freed ' +
  "once nothing references them. The copy needs free space for the file's data meanwhile. " +
  '(btrfs filesystem defragment is no remedy here: measured on such a file, it left those extents as they were.)';

export async function withFsFreed(b: ExtendedBackend, path: string, run: () => Promise<OperationReport>): Promise<OperationReport> {
  const measure = b.name === 'linux' && b.freeBytesSynced ? b.freeBytesSynced.bind(b) : undefined;
  let before: bigint | undefined;
  try {
    before = measure ? await measure(path) : undefined;
  } catch (e) {
    // A file this user may not open fails the measurement's own open (named "dedupe", with a
    // copy's advice: a trial's punch said "you need read access to the source and write access
    // to the destination"): the operation's open then says what is wrong, and nothing is measured.
    const code = (e as { code?: string }).code;
    if (code !== 'EACCES' && code !== 'EPERM') throw e;
  }
  // overlayfs: the first open for writing of a file only in a lower layer copies it up, and the
  // holes are made in that copy (a trial: fsFreed 0, and the note blamed reflinks)
  const copiedUp = measure !== undefined && lowerLayerLookup()(path);
  const rep = await run();
  if (before === undefined) return rep;
  // nothing deallocated: nothing gained, said as 0 (the JSON keeps its shape; a trial found the key missing)
  if (rep.bytes === 0n) return { ...rep, fsFreed: 0n };
  let after: bigint;
  try {
    after = await measure!(path);
  } catch {
    return rep; // the work is done; the file's figure stands without the file system's
  }
  const fsFreed = after > before ? after - before : 0n;
  if (fsFreed >= rep.bytes) return { ...rep, fsFreed };
  const btrfs = (await b.fsInfo?.(path).catch(() => undefined))?.filesystem === 'btrfs';
  const whole = 'by the rest of their extents (btrfs frees an extent only whole)';
  // The backend says how much of what it deallocated was shared (FIEMAP): none shared rules
  // other files out, and what is left is the file system's own records
  const why = copiedUp
    ? // (a copy-up is a clone where both layers are on one XFS or btrfs, a full copy elsewhere:
      // the measured change says which, above)
      "it lay only in the overlay's lower layer: opening it for writing copied it up into the upper layer, and the holes " +
      'are in that copy; the lower layer keeps all of its blocks'
    : rep.sharedBytes === 0n
      ? `none of those blocks were shared with other files, so the rest is ${btrfs ? `still in use ${whole}, or ` : ''}the file system's own bookkeeping: holes split the file's extents, and the records of the pieces take blocks too`
      : rep.sharedBytes !== undefined && rep.sharedBytes > 0n
        ? `${rep.sharedBytes} of those bytes were shared with other files (reflinks, snapshots), which still hold them${btrfs ? `; the rest is still in use ${whole}` : ''}, or the file system's own bookkeeping`
        : `the rest is still in use, most likely by other files sharing those blocks (reflinks, snapshots)${btrfs ? ` or ${whole}` : ''}`;
  // none shared, on btrfs: the extents' rest is the file's alone, and rewriting the file frees it
  const fsFreedRemedy = btrfs && !copiedUp && rep.sharedBytes === 0n ? BTRFS_REWRITE_REMEDY : undefined;
  const notes = [...(rep.notes ?? [])];
  // (a copy-up that wrote the file anew takes more than the holes give back: said as it was)
  const change = after >= before ? `grew by ${fsFreed} bytes` : `shrank by ${before - after} bytes`;
  notes.push(
    `the file system's free space ${change} (measured after sync), less than the ${rep.bytes} bytes deallocated from the file: ${why}` +
      (fsFreedRemedy ? `. ${fsFreedRemedy}` : ''),
  );
  return { ...rep, fsFreed, notes, ...(fsFreedRemedy ? { fsFreedRemedy } : {}) };
}
