// Paths as a person reads them in messages, titles and questions: smb:// URIs decoded
// (src/protocol/shown-path.ts), local paths as they are. Pure: no vscode.

import * as path from 'node:path';
import { isSmbUri, shownPath, shownSmbName, shownText } from '../../protocol/shown-path';

export { shownPath, shownText };

/** The name of the file or folder at `p`, as shownPath shows it. */
export function shownName(p: string): string {
  return isSmbUri(p) ? shownSmbName(p) : path.basename(p);
}
