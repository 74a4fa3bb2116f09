// What a whole-tree command (space, dedupe) makes of the paths it could not use, as `du` does:
// which are failures (exit 1) and which are notes (exit 0), and whether anything was examined
// at all. One rule for both commands:
// - a failure: a named path, or anything under it, that could not be read (ENOENT, EACCES,
//   STATUS_LOGON_FAILURE, ECONNREFUSED, ...), and a special file or symbolic link named
//   directly (it was asked for and cannot be examined; du counts a FIFO as 0 bytes, we cannot
//   map it);
// - a note: a FIFO, socket or device met in a folder walk (E_NOT_REGULAR under a named
//   folder: du does not fail on them either), and a file that changed during the scan
//   (E_CHANGED: space counts it as mapped, dedupe leaves it out).

import { isPathFailure } from '../protocol/error-codes';
import { escapeControls } from './format';
import { obj, str } from './json';
import { writeErr } from './output';

/** A path the engine could not use (SpaceError, DedupeError). */
interface PathProblem {
  path: string;
  code: string;
  message: string;
}

export interface PathProblems {
  failures: PathProblem[];
  /** Special files met in a folder walk, and files that changed during the scan. */
  notes: PathProblem[];
  /** Every named path failed itself: nothing was examined, so there is no report to print. */
  nothingExamined: boolean;
  /** Is this one a failure (for the JSON "failed" member)? */
  failed(e: PathProblem): boolean;
}

export function classifyProblems(named: string[], problems: PathProblem[]): PathProblems {
  const names = new Set(named);
  const failed = (e: PathProblem): boolean => isPathFailure(e, names);
  const failures = problems.filter(failed);
  const failedNames = new Set(failures.map((e) => e.path));
  return {
    failures,
    notes: problems.filter((e) => !failed(e)),
    nothingExamined: named.length > 0 && named.every((p) => failedNames.has(p)),
    failed,
  };
}

/** Each problem on stderr, in the engine's order: `extent-lens space: …`, a note as `extent-lens space: note: …`. */
export function writeProblems(command: string, all: PathProblem[], p: PathProblems): void {
  for (const e of all) {
    const sentence = escapeControls(e.message.replace(new RegExp(`^${command}: `), ''));
    writeErr(`extent-lens ${command}: ${p.failed(e) ? '' : 'note: '}${sentence}\n`);
  }
}

/** The "errors" member: [{"path","code","message","failed"}] (failed false: a note). */
export function problemsJson(all: PathProblem[], p: PathProblems): string {
  return (
    '[' +
    all
      .map((e) =>
        obj([
          ['path', str(e.path)],
          ['code', str(e.code)],
          ['message', str(e.message)],
          ['failed', String(p.failed(e))],
        ]),
      )
      .join(',') +
    ']'
  );
}

/** The summary lines after a report: how many paths failed, were skipped as special, changed. */
export function problemsSummary(p: PathProblems, couldNot: string): string {
  const plural = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;
  const special = p.notes.filter((e) => e.code === 'E_NOT_REGULAR').length;
  const changed = p.notes.length - special;
  let s = '';
  const failed = new Set(p.failures.map((e) => e.path)).size; // (paths: one may have two errors, the second the walk's stop)
  if (failed > 0) s += `${plural(failed, 'path', 'paths')} could not be ${couldNot} (listed on stderr)\n`;
  if (special > 0) s += `${plural(special, 'special file', 'special files')} (FIFO, socket, device) skipped (noted on stderr)\n`;
  if (changed > 0) s += `${plural(changed, 'file', 'files')} changed during the scan (noted on stderr)\n`;
  return s;
}
