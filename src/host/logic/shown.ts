// Paths as a person reads them in messages, titles and questions: smb:// URIs decoded
// (src/protocol/shown-path.ts), local paths as they are. Pure: no vscode.

import * as path from 'node:path';
import { isSmbUri, shownPath, shownSmbName, shownText } from '../../protocol/shown-path';

export { shownPath, shownText };

/** The name of the file or folder at `p`, as shownPath shows it. */
export function shownName(p: string): string {
  return isSmbUri(p) ? shownSmbName(p) : path.basename(p);
}

/**
 * Two files named in one sentence: their names, or their paths where the names are the same (a
 * trial read "orig.bin is on another file system than orig.bin").
 */
export function shownNames(a: string, b: string): [string, string] {
  const [x, y] = [shownName(a), shownName(b)];
  return x === y ? [shownPath(a), shownPath(b)] : [x, y];
}
