// The words of Deduplicate's modal confirmation (dedupe-panel.ts), from applyFacts: the bytes and
// files it names, and what it should free. A saving known only between bounds (blocks shared with
// files that may lie outside the selection) is asked about as the range, never its top alone.
// Pure: no `vscode`; the caller passes its l10n.

import { bytesText, groupNumber } from '../host/logic/bytes';
import { humanBytes } from '../protocol/format';
import type { applyFacts } from './dedupe-data';
import { groupCount } from './dedupe-progress';

type Translate = (message: string, ...args: Array<string | number | boolean>) => string;

export function applyQuestion(facts: ReturnType<typeof applyFacts>, t: Translate): { message: string; detail: string } {
  const bounded = facts.minBytes < facts.bytes;
  // (bounds that round alike read as one figure in the title; the detail gives both exactly). The
  // title names what it frees as the detail does, rounded alike (it read "Deduplicate 10.1 MiB"
  // over "about 10,616,832 bytes (10.13 MiB)", while 14 MiB of data was to be shared)
  const [low, high] = [humanBytes(facts.minBytes), humanBytes(facts.bytes)];
  const amount = bounded && low !== high ? `${low} – ${high}` : high;
  const what = facts.ranges === 1 ? t('1 identical range') : t('{0} identical ranges', groupNumber(facts.ranges));
  const where = groupCount(facts.groups, t);
  // "about" only where the bounds round alike: a saving with no bounds is the search's one figure,
  // which the result names as "the search estimated N" (a trial: "about 128 KiB" asked, then
  // "estimated 128 KiB")
  const message =
    facts.files === 1
      ? bounded && low === high
        ? t('Deduplicate 1 file to free about {0}?', amount)
        : t('Deduplicate 1 file to free {0}?', amount)
      : bounded && low === high
        ? t('Deduplicate {0} files to free about {1}?', groupNumber(facts.files), amount)
        : t('Deduplicate {0} files to free {1}?', groupNumber(facts.files), amount);
  const detail = bounded
    ? t(
        '{0} in {1} will share one copy of their data, which should free between {2} and {3} (the estimate: whether some of these blocks are already shared, with files outside the selection or where a share does not say, is not known; the result is measured). The file system compares the bytes first and shares only identical data, so no file’s contents change; a range that changed since the search is left alone.',
        what,
        where,
        bytesText(facts.minBytes, t),
        bytesText(facts.bytes, t),
      )
    : t(
        '{0} in {1} will share one copy of their data, which should free {2} (the estimate; the result is measured). The file system compares the bytes first and shares only identical data, so no file’s contents change; a range that changed since the search is left alone.',
        what,
        where,
        bytesText(facts.bytes, t),
      );
  return { message, detail };
}
