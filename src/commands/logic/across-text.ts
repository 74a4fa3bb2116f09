// Why a clone into a folder elsewhere cannot share blocks, said before any work (with the offer
// of a copy). Two shares of one server can lie on one file system of it, and both report the
// file system name Samba gives every share ("NTFS"): "x (NTFS) and y (NTFS) are on different file
// systems" (a trial, two shares of one btrfs volume) read as wrong. Over SMB the clone's source
// handle must be in the destination's share (its tree connect), so that is what is said.

import { uriPartsOf } from '../../host/logic/smb-uri';
import { plainT, type Translate } from '../../host/logic/translate';

/** `host[:port]/share` of an smb:// path (lower-cased: share names are not case-sensitive), or undefined for a local path. */
function shareOf(p: string): string | undefined {
  const u = uriPartsOf(p); // (decoded as every smb:// path is: a stray % stays as it is)
  const share = u?.path.split('/')[1];
  return u && share ? `${u.authority.slice(u.authority.lastIndexOf('@') + 1)}/${share}`.toLowerCase() : undefined;
}

/**
 * The refusal (EXDEV) of a clone of `source` (shown as `shownSource`) into `folder`, whose volumes
 * differ: `from` and `into` are their file system names.
 */
export function acrossText(source: string, shownSource: string, folder: string, from: string, into: string, t: Translate = plainT): string {
  const a = shareOf(source);
  const b = shareOf(folder);
  if (a && b && a !== b) {
    const name = (s: string) => s.slice(s.indexOf('/') + 1);
    return t(
      '{0} and {1} are in different SMB shares ({2} and {3}): a block clone over SMB shares blocks only within one share, even where two shares lie on one file system of the server (EXDEV).',
      shownSource,
      folder,
      name(a),
      name(b),
    );
  }
  return t(
    '{0} ({1}) and {2} ({3}) are on different file systems: block cloning shares blocks only within one file system (EXDEV).',
    shownSource,
    from,
    folder,
    into,
  );
}
