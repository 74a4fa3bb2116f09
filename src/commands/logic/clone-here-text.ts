// Block Clone Here of several files stops at the first one that is cancelled, refused (the
// copy offer declined) or fails: the files from there on were not cloned, and that is said,
// naming them (a trial saw "Cloned part.img …" and nothing about the two files after it).

import { bytesText, decimalNumber, groupNumber } from '../../host/logic/bytes';
import { plainT, type Translate } from '../../host/logic/translate';
import { namedList } from '../../host/logic/existing-policy';

/**
 * The sentence for the files a multi-file Block Clone Here did not clone, or undefined when
 * every file was cloned. `names` are the selected files' shown names in order, `done` how many
 * (from the first) were cloned.
 */
export function notClonedText(names: readonly string[], done: number, t: Translate = plainT): string | undefined {
  const left = names.slice(done);
  if (left.length === 0 || names.length < 2) return undefined;
  // (one file left: "1 of the 2 selected files were not cloned: b.img" read wrong, and named it twice)
  if (left.length === 1)
    return t('Block Clone Here stopped at {0}, the last of the {1} selected files: it was not cloned.', left[0], names.length);
  const list = namedList(left, t);
  return t(
    'Block Clone Here stopped at {0}: {1} of the {2} selected files were not cloned: {3}.',
    left[0],
    left.length,
    names.length,
    list,
  );
}

/**
 * The notification after Block Clone Here of several files: how many, the bytes and the time,
 * grouped as the display language groups numbers (as every other message; it used the extension
 * host's own locale, so a German VS Code said "12,582,912 bytes in 3.2 ms").
 */
export function clonedFilesText(
  what: string,
  files: number,
  copied: number,
  bytes: bigint,
  durationMs: number,
  t: Translate = plainT,
): string {
  return copied === 0
    ? t('{0}: {1} files cloned, {2} in {3} ms.', what, groupNumber(files), bytesText(bytes, t), decimalNumber(durationMs))
    : t(
        '{0}: {1} files, {2} copied (cloning was impossible), {3} in {4} ms.',
        what,
        groupNumber(files),
        groupNumber(copied),
        bytesText(bytes, t),
        decimalNumber(durationMs),
      );
}
