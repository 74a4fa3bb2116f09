// What Set Sparse / Clear Sparse tell the person. Only Windows (and SMB shares) have a sparse
// attribute; on Linux and macOS the engine changes nothing and reports method 'none', so the
// message says that once, plainly, and never claims a change.

import type { OperationReport } from '../../engine';
import { plainT, type Translate } from '../../host/logic/translate';

export function sparseFlagMessage(report: Pick<OperationReport, 'method'>, name: string, sparse: boolean, t: Translate = plainT): string {
  if (report.method === 'none') {
    return sparse
      ? t(
          '{0} was not changed: this system has no sparse attribute. Every file here can hold holes already (see Dig Holes, Punch Hole).',
          name,
        )
      : t('{0} was not changed: this system has no sparse attribute to clear. Its holes stay until data is written over them.', name);
  }
  return sparse
    ? t('{0} is now marked sparse ({1}).', name, report.method)
    : t('{0} is no longer marked sparse ({1}).', name, report.method);
}

/**
 * The question before clearing the sparse attribute of a file that has holes: clearing it asks
 * the file system to "unsparse" the file, allocating every hole as zeros (MS-FSCC 2.3.70,
 * FILE_SET_SPARSE_BUFFER SetSparse FALSE; Windows and ReFS do), so a large sparse image can take
 * the volume's free space. Samba keeps the holes and only stops reporting them.
 */
export function clearSparseQuestion(name: string, holes: string, t: Translate = plainT): { text: string; detail: string } {
  return {
    text: t('Clear the sparse attribute of {0}? Its {1} of holes may be allocated.', name, holes),
    detail: t(
      'Clearing the attribute asks the file system to allocate every hole as zeros: Windows (NTFS, ReFS) does, so the file then takes {0} more on the volume, which needs that much free space. Samba keeps the holes but no longer reports them. The data does not change.',
      holes,
    ),
  };
}
