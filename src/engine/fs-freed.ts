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
  const notes = [...(rep.notes ?? [])];
  // (a copy-up that wrote the file anew takes more than the holes give back: said as it was)
  const change = after >= before ? `grew by ${fsFreed} bytes` : `shrank by ${before - after} bytes`;
  notes.push(
    `the file system's free space ${change} (measured after sync), less than the ${rep.bytes} bytes deallocated from the file: ${why}`,
  );
  return { ...rep, fsFreed, notes };
}
