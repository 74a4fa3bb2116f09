// Where a clone lands, decided before the engine is called so the host can ask about an
// existing name first.

import * as path from 'node:path';

/**
 * The engine keeps the source's name when the destination is a folder. The folder's text is
 * kept as given (path.join would simplify "link/.." as text, which with a link is another folder).
 */
export function destinationInFolder(source: string, folder: string): string {
  return folder.endsWith(path.sep) || folder.endsWith('/') ? folder + path.basename(source) : folder + path.sep + path.basename(source);
}

export function samePath(a: string, b: string, caseInsensitive = process.platform === 'win32' || process.platform === 'darwin'): boolean {
  const na = path.resolve(a);
  const nb = path.resolve(b);
  return caseInsensitive ? na.toLowerCase() === nb.toLowerCase() : na === nb;
}

/**
 * A clone into the source's own folder would collide with the source itself: overwriting it
 * would destroy the data being cloned, so that case is always a rename, whatever the setting.
 */
export function mustRename(source: string, destination: string): boolean {
  return samePath(source, destination);
}

/**
 * Name of the throw-away physical copy made for "compare with a copy", next to `dest`: short
 * whatever `dest`'s name (a name of up to 255 bytes must leave room for it).
 */
export function comparisonCopyPath(dest: string, stamp: number = Date.now()): string {
  const name = `.el-compare-${stamp}.tmp`;
  // an smb:// URI keeps its two slashes (path.join would make them one)
  return /^smb:\/\//i.test(dest) ? dest.slice(0, dest.lastIndexOf('/') + 1) + name : path.join(path.dirname(dest), name);
}

/**
 * Block Clone Here of several files: the destinations in `folder` of the files `later` whose
 * names are taken (`exists`), as the question about a taken name lists them for "… All". Not the
 * ones renamed without asking: a file cloned into its own folder, or one named as a file this
 * command makes (`made`: those made so far and the one asked about; of two later files with one
 * name, the second).
 */
export async function laterTaken(
  later: readonly string[],
  folder: string,
  made: readonly string[],
  exists: (p: string) => Promise<boolean>,
): Promise<string[]> {
  const named = [...made];
  const taken: string[] = [];
  for (const source of later) {
    const destination = destinationInFolder(source, folder);
    if (mustRename(source, destination) || named.some((m) => samePath(m, destination))) continue;
    named.push(destination);
    if (await exists(destination)) taken.push(destination);
  }
  return taken;
}
