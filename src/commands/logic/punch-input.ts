// Validation of the Punch Hole inputs: an offset inside the file and a positive length that
// does not run past the end (punching past EOF does nothing useful and usually means a typo).

import { bytesText, parseByteInput } from '../../host/logic/bytes';
import { plainT, type Translate } from '../../host/logic/translate';

interface PunchCheck {
  offset?: bigint;
  length?: bigint;
  offsetError?: string;
  lengthError?: string;
}

export function checkPunchRange(offsetText: string, lengthText: string, size: bigint, t: Translate = plainT): PunchCheck {
  const out: PunchCheck = {};
  const o = parseByteInput(offsetText, t);
  if ('error' in o) out.offsetError = o.error;
  else if (o.value >= size) out.offsetError = t('The file is {0} long; the offset must be below that.', bytesText(size, t));
  else out.offset = o.value;
  const l = parseByteInput(lengthText, t);
  if ('error' in l) out.lengthError = l.error;
  else if (l.value === 0n) out.lengthError = t('The length must be more than 0 bytes.');
  else if (out.offset !== undefined && out.offset + l.value > size)
    out.lengthError = t('The range runs past the end of the file; at most {0} fit.', bytesText(size - out.offset, t));
  else if (out.offset !== undefined) out.length = l.value;
  return out;
}
