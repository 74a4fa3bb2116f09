// The selection walk shared by whole-tree operations (dedupe; space has the same rules and can
// move onto it): folders recursively, names in order, symbolic links never followed, hard links
// and overlapping selections visited once (by dev:ino), and every path that cannot be read
// reported by itself while the walk goes on.

import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import type { EngineContext } from './context';
import { nodeFsError } from './errno';
import { fromOsBytes, osPath } from './os-path';
import { isSmbPath } from './smb-path';

/** A path the walk could not use (the walk went on without it). */
export interface WalkError {
  path: string;
  /** ENOENT, EACCES, E_NOT_REGULAR, E_UNSUPPORTED, ... */
  code: string;
  message: string;
}

export interface WalkSummary {
  /** Symbolic links met and not followed. */
  symlinks: number;
  /** Names of files already visited (hard links, overlapping selections) that were skipped. */
  hardLinks: number;
}

function kindWord(st: fs.BigIntStats): string {
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  return 'not a regular file';
}

/**
 * Visit every regular file of `paths` once, depth first, in name order: `onFile(path, lstat)`.
 * Errors go to `onError` with messages prefixed by `ctx.operation`. Cancellation is checked
 * between paths.
 */
export async function walkRegularFiles(
  paths: string[],
  ctx: EngineContext,
  onFile: (p: string, st: fs.BigIntStats) => void | Promise<void>,
  onError: (e: WalkError) => void,
): Promise<WalkSummary> {
  const op = ctx.operation;
  const seen = new Set<string>();
  const summary: WalkSummary = { symlinks: 0, hardLinks: 0 };
  const fail = (p: string, e: unknown): void => {
    const f = nodeFsError(op, e, [p]);
    onError({
      path: p,
      code: f.code,
      message: f.code === 'EACCES' ? `${op}: cannot read ${p}: permission denied; it was skipped (EACCES).` : f.message,
    });
  };
  const visit = async (p: string, top: boolean): Promise<void> => {
    ctx.checkCancelled();
    await ctx.maybeYield();
    if (top && isSmbPath(p)) {
      onError({ path: p, code: 'E_UNSUPPORTED', message: `${op}: ${p}: smb:// folders cannot be walked yet (E_UNSUPPORTED).` });
      return;
    }
    let st: fs.BigIntStats;
    try {
      st = fs.lstatSync(osPath(p), { bigint: true });
    } catch (e) {
      fail(p, e);
      return;
    }
    if (st.isSymbolicLink()) {
      summary.symlinks++;
      if (top)
        onError({
          path: p,
          code: 'E_NOT_REGULAR',
          message: `${op}: ${p} is a symbolic link; links are not followed, name what it points to instead (E_NOT_REGULAR).`,
        });
      return;
    }
    if (st.isFile()) {
      // Only a file with several names, or a selection naming overlapping paths, can be met twice.
      if (st.nlink > 1n || paths.length > 1) {
        const key = `${st.dev}:${st.ino}`;
        if (seen.has(key)) {
          summary.hardLinks++;
          return;
        }
        seen.add(key);
      }
      return onFile(p, st);
    }
    if (!st.isDirectory()) {
      onError({ path: p, code: 'E_NOT_REGULAR', message: `${op}: ${p} is ${kindWord(st)}, not a regular file; skipped (E_NOT_REGULAR).` });
      return;
    }
    let names: string[];
    try {
      names = fs.readdirSync(osPath(p), { encoding: 'buffer' }).map(fromOsBytes);
    } catch (e) {
      fail(p, e);
      return;
    }
    names.sort();
    for (const n of names) await visit(nodePath.join(p, n), false);
  };
  for (const p of paths) await visit(p, true);
  return summary;
}
