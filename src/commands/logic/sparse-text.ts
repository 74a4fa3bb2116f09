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
