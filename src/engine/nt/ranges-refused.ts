// Allocated ranges where FSCTL_QUERY_ALLOCATED_RANGES is refused as unsupported
// (docs/facts/windows-fsctl.md#when-qar-is-refused). First the retrieval pointers, whose runs
// with Lcn -1 are holes (believed only when they are believable: Wine answers them with nothing
// for every file). Failing those, a volume that keeps no sparse files (FAT, exFAT: no
// FILE_SUPPORTS_SPARSE_FILES) has no holes, so every byte up to a file's end is in its clusters
// and the window is one allocated range, said in a note; unless the volume's own allocation size
// for the file is less than its length (Wine on a Linux file with holes), where neither answer
// holds and the refusal stands, with both facts. A volume that does keep sparse files and refuses
// both controls: the refusal stands as the file system gave it.

import type { OpContext } from '../backend';
import { FsctlError } from '../errors';
import type { ByteRange } from '../types';
import { queryRetrievalPointers } from './extents';
import type { NtFileInfo, NtHandle, NtTransport } from './transport';
import { hex32, supportsSparseFiles } from './volume';

interface RangesWithoutQar {
  ranges: ByteRange[];
  /** 'FSCTL_GET_RETRIEVAL_POINTERS', or 'no sparse files' for the whole window of a volume without them. */
  method: string;
  /** Calls made here (the refused QAR call not counted). */
  calls: number;
  notes?: string[];
}

export async function rangesWhereQarRefused(
  t: NtTransport,
  h: NtHandle,
  w: ByteRange,
  info: NtFileInfo,
  refused: FsctlError,
  operation: 'ranges' | 'map',
  retrievalInitialEntries: number | undefined,
  ctx: OpContext,
): Promise<RangesWithoutQar> {
  const vol = await t.queryVolume(h);
  const rp = await queryRetrievalPointers(
    t,
    h,
    w,
    info.endOfFile,
    vol.clusterSize,
    false,
    { initialEntries: retrievalInitialEntries, operation },
    ctx,
  ).catch(() => null);
  // No runs for a window with data in it is not believable unless nothing is allocated.
  if (rp && !(rp.packed.count === 0 && w.length > 0n && info.allocationSize !== 0n)) {
    const ranges: ByteRange[] = [];
    for (let i = 0; i < rp.packed.count; i++) {
      const x = { offset: rp.packed.offset[i], length: rp.packed.length[i] };
      const last = ranges[ranges.length - 1];
      if (last && last.offset + last.length === x.offset) last.length += x.length;
      else ranges.push(x);
    }
    return { ranges, method: 'FSCTL_GET_RETRIEVAL_POINTERS', calls: rp.calls };
  }
  const calls = rp?.calls ?? 1;
  if (supportsSparseFiles(vol)) throw refused;
  const path = h.path;
  const named = `${vol.fileSystemName}, flags ${hex32(vol.attributes)}`;
  if (info.allocationSize < info.endOfFile)
    throw new FsctlError({
      operation: refused.operation,
      code: refused.code,
      errno: refused.errno,
      paths: refused.paths,
      syscall: refused.syscall,
      message: `FSCTL_QUERY_ALLOCATED_RANGES on ${path} failed with ${refused.code}: the volume (${named}) does not report FILE_SUPPORTS_SPARSE_FILES, so it should keep no holes, yet it counts only ${info.allocationSize} bytes on disk for this file of ${info.endOfFile} bytes; where its data lies cannot be told from here (Wine reports a Linux file with holes this way). Holes can be shown on a volume with sparse-file support.`,
      cause: refused,
    });
  return {
    ranges: w.length > 0n ? [{ ...w }] : [],
    method: 'no sparse files',
    calls,
    notes: [
      `The volume of ${path} (${named}) keeps no sparse files (it does not report FILE_SUPPORTS_SPARSE_FILES) and refused FSCTL_QUERY_ALLOCATED_RANGES (${refused.code}): a file there has no holes, so every byte up to its end is allocated, shown as one range.`,
    ],
  };
}
