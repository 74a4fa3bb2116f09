// How failures leave the process: the exit code and the text on stderr (and, with --json, an
// error object on stdout so that scripts reading stdout see why there is no result).
//
// Exit codes: 0 success, 1 the operation failed, 2 the command line was wrong,
// 130 cancelled by Ctrl-C (128 + SIGINT, as shells report it).

import type { FsctlError } from '../engine';
import { CLONE_IMPOSSIBLE_CODES, NAME_TAKEN_CODES } from '../protocol/error-codes';
import { isSmbUri } from '../protocol/shown-path';
import { escapeControls } from './format';
import { obj, str } from './json';
import { UsageError } from './usage-error';

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
export const EXIT_CANCELLED = 130;

/** Duck-typed so this module does not load the engine (keeps `--help` fast). */
export function asFsctlError(e: unknown): FsctlError | undefined {
  if (e && typeof e === 'object' && (e as { name?: string }).name === 'FsctlError' && 'code' in e) {
    return e as FsctlError;
  }
  return undefined;
}

/**
 * 2 only for a command line the CLI itself found wrong before anything ran; every refusal by
 * the engine (a destination that is the source itself or a hard link to it, E_BAD_INPUT, ...)
 * is an operation that was attempted and failed: 1.
 */
export function exitCodeFor(e: unknown): number {
  if (e instanceof UsageError) return EXIT_USAGE;
  const f = asFsctlError(e);
  if (f && f.code === 'E_CANCELLED') return EXIT_CANCELLED;
  return EXIT_FAILURE;
}

/**
 * The stderr line: "extent-lens clone: <sentence>". The sentence should already name the OS
 * code; when it does not, the code is appended in brackets so it is always there to grep.
 */
export function errorLine(command: string | undefined, e: unknown, given: Readonly<Record<string, unknown>> = {}): string {
  const prefix = command ? `extent-lens ${command}: ` : 'extent-lens: ';
  const f = asFsctlError(e);
  if (f) {
    const hasCode = f.message.includes(f.code);
    // Engine sentences may start with their operation ("clone: ..."); the prefix already says it.
    const sentence = f.message.startsWith(`${f.operation}: `) ? f.message.slice(f.operation.length + 2) : f.message;
    const hint = hintFor(command, f, given);
    return escapeControls(prefix + sentence + (hasCode ? '' : ` [${f.code}]`)) + '\n' + (hint ? `${prefix}hint: ${hint}\n` : '');
  }
  // Names in sentences are escaped: a control character in a file name never reaches the terminal.
  if (e instanceof Error) return escapeControls(prefix + e.message) + '\n';
  return escapeControls(prefix + String(e)) + '\n';
}

/**
 * The flag that gets past an engine refusal, for the commands that have it. The engine's
 * sentence is shared with the extension (where the same choice is a button), so it cannot name
 * CLI flags itself; this line does. `given`: the options of the run (a flag already given is
 * not suggested).
 */
export function hintFor(
  command: string | undefined,
  f: Pick<FsctlError, 'code' | 'message'> & { paths?: readonly string[]; syscall?: string },
  given: Readonly<Record<string, unknown>> = {},
): string | undefined {
  // a folder given to a one-file command: the command that reads folders (a trial ran `map DIR`)
  if (f.code === 'EISDIR' && (command === 'ranges' || command === 'map'))
    return "for a folder, extent-lens space FOLDER accounts its files' allocated, shared and exclusive bytes.";
  if (NAME_TAKEN_CODES.has(f.code) && (command === 'clone' || command === 'copy')) {
    // (a clone's fallback copy is named as a copy: ResolvedDestination.madeAs)
    const renamed =
      command !== 'clone'
        ? '"name (copy).ext"'
        : given.fallback === 'copy'
          ? '"name (clone).ext", or "name (copy).ext" for a copy'
          : '"name (clone).ext"';
    return /dangling symbolic link/.test(f.message)
      ? `add --on-existing rename to keep the link and write ${renamed}.`
      : /is an existing folder|is the source itself/.test(f.message)
        ? `add --on-existing rename to keep both (the new file gets ${renamed}).`
        : `add --on-existing rename to keep both (the new file gets ${renamed}), or --on-existing overwrite to replace it.`;
  }
  if (
    CLONE_IMPOSSIBLE_CODES.has(f.code) &&
    (command === 'clone' || command === 'clone-range') &&
    given.fallback !== 'copy' &&
    copyCanFollow(command, f.paths) &&
    // a file that cannot be opened (ETXTBSY: a running program as DEST) is refused to the copy too
    !/^open\b/.test(f.syscall ?? '')
  ) {
    // (over SMB the server makes the copy, and may share blocks for it: Samba on btrfs or XFS does;
    // not between two shares or two sessions, E_CROSS_VOLUME there: the data comes through here)
    return !f.paths?.some(isSmbUri)
      ? 'add --fallback copy to copy the data instead (holes are kept; nothing is shared).'
      : f.code === 'E_CROSS_VOLUME'
        ? 'add --fallback copy to copy the data instead, read and written through this client (holes are kept; nothing is shared).'
        : 'add --fallback copy to have the server copy the data instead (holes are kept; whether it shares blocks for the copy, SMB does not show).';
  }
  // Misaligned offsets cannot share blocks, and the engine copies the range when allowed.
  if (f.code === 'E_MISALIGNED' && command === 'clone-range' && given.fallback !== 'copy' && copyCanFollow(command, f.paths))
    return 'add --fallback copy to copy the range as it is instead (holes are kept; nothing is shared).';
  return undefined;
}

/**
 * Whether `--fallback copy` could do what the clone could not: no range copy runs on SMB paths
 * (clone-range), and nothing is copied between a share and a local path (either command); the
 * engine refuses both (operations.ts rangeFallback, acrossShareAndLocal), so no hint leads there.
 */
function copyCanFollow(command: 'clone' | 'clone-range', paths: readonly string[] = []): boolean {
  const onShare = paths.filter(isSmbUri).length;
  if (onShare === 0) return true;
  return command === 'clone' && onShare === paths.length;
}

export function errorJson(e: unknown): string {
  const f = asFsctlError(e);
  if (f) {
    return (
      obj([
        [
          'error',
          obj([
            ['operation', str(f.operation)],
            ['code', str(f.code)],
            ['errno', f.errno === undefined ? undefined : String(f.errno)],
            ['paths', '[' + f.paths.map(str).join(',') + ']'],
            ['syscall', f.syscall === undefined ? undefined : str(f.syscall)],
            ['message', str(f.message)],
          ]),
        ],
      ]) + '\n'
    );
  }
  const code = e instanceof UsageError ? 'E_USAGE' : 'E_INTERNAL';
  return (
    obj([
      [
        'error',
        obj([
          ['code', str(code)],
          ['message', str(e instanceof Error ? e.message : String(e))],
        ]),
      ],
    ]) + '\n'
  );
}
