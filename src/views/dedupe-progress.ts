// A dedupe run's progress in words, once (dedupe-panel.ts): the notification's title and message
// and the Dedupe view's progress line are made here from the same engine update, so they say the
// same numbers in the same words ("Deduplicating 2 groups in 4 files: 1 of 2 groups done, 128 MiB
// of 144 MiB compared"). The view shows `line` as it is. Pure: no `vscode`; the caller passes its l10n.

import type { Progress } from '../engine';
import { humanBytes } from '../protocol/format';
import { groupNumber } from '../host/logic/bytes';

type Translate = (message: string, ...args: Array<string | number | boolean>) => string;

/** The notification's title for a search of `what` (one path's name, or "3 items"). */
export function findTitle(what: string, t: Translate): string {
  return t('Finding duplicate data in {0}', what);
}

/** "1 group", "3 groups": the count in a whole word (the notification, its title, the confirmation). */
export function groupCount(groups: number, t: Translate): string {
  return groups === 1 ? t('1 group') : t('{0} groups', groupNumber(groups));
}

/** The notification's title for a deduplication of `groups` groups in `files` files. */
export function applyTitle(groups: number, files: number, t: Translate): string {
  const g = groupCount(groups, t);
  return files === 1 ? t('Deduplicating {0} in 1 file', g) : t('Deduplicating {0} in {1} files', g, groupNumber(files));
}

/**
 * The message for one engine update. Finding: files mapped while the walk goes on, then bytes
 * hashed of the data to hash, and files done. Deduplicating (`groups`: how many it shares): groups
 * done and bytes compared and shared of the total; before the first group, that the files are
 * being checked (the engine maps them first).
 */
export function progressMessage(phase: 'find' | 'apply', p: Progress, t: Translate, groups = 0): string {
  const files = p.files ?? 0;
  if (phase === 'find')
    return p.total > 0n
      ? t(
          '{0} of {1} hashed, {2} done',
          humanBytes(p.done),
          humanBytes(p.total),
          files === 1 ? t('1 file') : t('{0} files', groupNumber(files)),
        )
      : files === 1
        ? t('1 file found')
        : t('{0} files found', groupNumber(files));
  if (p.done === 0n && files === 0) return t('checking the files first…');
  return p.total > 0n
    ? t('{0} of {1} groups done, {2} of {3} compared', groupNumber(files), groupNumber(groups), humanBytes(p.done), humanBytes(p.total))
    : t('{0} of {1} groups done, {2} compared', groupNumber(files), groupNumber(groups), humanBytes(p.done));
}

/** The line as the notification shows it ("title: message"): the view's progress line. */
export function progressLine(title: string, message: string): string {
  return `${title}: ${message}`;
}
