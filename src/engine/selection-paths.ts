// Which named paths of a selection the walk starts from (walk.ts): one named inside another
// named folder is met by that folder's walk, unless the walk could not reach it. Containment and
// reach are what the kernel says (realpath, opendir), never the paths' text.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { osPath } from './os-path';
import { isSmbPath } from './smb-path';
import { realPath } from './real-path';

/**
 * The local paths of a selection that no other named folder contains (and each named once): a
 * folder inside another named one, or one file or folder named twice, would be walked twice, and
 * while its files count once (FilesMet) its links, FIFOs and hard links would be noted twice.
 * Containment is judged on the paths as the kernel resolves them (realpath), never on the text;
 * a path that cannot be resolved, a link (never followed) and smb:// paths are kept as named, and
 * so is one the walk of its named folder would not reach (a folder on the way cannot be listed).
 */
export function outermost(paths: string[]): string[] {
  if (paths.length < 2) return paths;
  const real = paths.map((p): { at: string; folder: boolean } | undefined => {
    if (isSmbPath(p)) return undefined;
    try {
      const st = fs.lstatSync(osPath(p));
      if (st.isSymbolicLink()) return undefined;
      return { at: realPath(p), folder: st.isDirectory() };
    } catch {
      return undefined;
    }
  });
  return paths.filter((_, i) => {
    const r = real[i];
    if (!r) return true;
    return !real.some(
      (o, j) =>
        j !== i &&
        o?.folder === true &&
        (o.at === r.at ? j < i : r.at.startsWith(o.at.endsWith('/') ? o.at : `${o.at}/`) && reaches(o.at, r.at)),
    );
  });
}

/**
 * Whether the walk from the folder `top` reaches `inner`, a path below it: every folder on the
 * way can be listed by this process (as du does, a named path under a folder it cannot read is
 * still counted: `space d d/f` with d not readable counts f).
 */
function reaches(top: string, inner: string): boolean {
  for (let d = path.dirname(inner); d.length >= top.length; d = path.dirname(d)) {
    try {
      fs.opendirSync(osPath(d)).closeSync();
    } catch {
      return false;
    }
    if (d === top) break;
  }
  return true;
}
