// Questions put to an NT volume (a share) that change nothing: whether the server would let this
// user delete a file (space accounting), and whether it clones from one file into another
// (dedupe's volumes). Written once over NtTransport.

import { isCancelled } from '../errors';
import { CROSS_VOLUME_CODES } from '../errors';
import { FILE_ATTRIBUTE_READONLY, FSCTL } from './codec/fsctl-codes';
import { encodeDuplicateExtents } from './codec/windows';
import type { NtHandle, NtTransport } from './transport';

/** What deleting a file would meet: undefined where the server does not say (a sharing violation, say). */
type DeleteAnswer = { refused: false } | { refused: true; code: string } | undefined;

const openCode = (e: unknown): string | undefined => {
  if (isCancelled(e)) throw e;
  return (e as { code?: string }).code;
};

/**
 * Whether the server would refuse to delete the file `path` for this user, found without
 * deleting anything: an open for writing with DELETE access (Samba answers
 * STATUS_MEDIA_WRITE_PROTECTED where its file system says EROFS: a read-only btrfs snapshot),
 * then, where writing is denied, an open with DELETE access only (STATUS_ACCESS_DENIED: the folder
 * or the file's permissions) and the file's attributes (FILE_ATTRIBUTE_READONLY: the server
 * answers STATUS_CANNOT_DELETE to a delete). Samba grants DELETE on a read-only snapshot's file
 * that the user owns, which is why the open for writing comes first.
 */
export async function deletableNt(t: NtTransport, path: string): Promise<DeleteAnswer> {
  let h: NtHandle;
  try {
    h = await t.open(path, { access: 'read-write', disposition: 'open', delete: true });
    await t.close(h).catch(() => undefined);
    return { refused: false };
  } catch (e) {
    const code = openCode(e);
    if (code === 'STATUS_MEDIA_WRITE_PROTECTED') return { refused: true, code };
    if (code !== 'STATUS_ACCESS_DENIED') return undefined;
  }
  try {
    h = await t.open(path, { access: 'read', disposition: 'open', delete: true });
  } catch (e) {
    const code = openCode(e);
    return code === 'STATUS_ACCESS_DENIED' ? { refused: true, code } : undefined;
  }
  try {
    const info = await t.queryInfo(h);
    return (info.basic.fileAttributes & FILE_ATTRIBUTE_READONLY) !== 0
      ? { refused: true, code: 'STATUS_CANNOT_DELETE' }
      : { refused: false };
  } catch (e) {
    openCode(e);
    return undefined;
  } finally {
    await t.close(h).catch(() => undefined);
  }
}

/**
 * Whether the server clones from `source` into `target`: a FSCTL_DUPLICATE_EXTENTS_TO_FILE of 0
 * bytes, which clones nothing (Samba: "skipping zero length dup extents", after its check that both
 * files are on one volume). false where the server answers as for another volume (STATUS_INVALID_HANDLE:
 * Samba takes each btrfs subvolume and snapshot for a volume of its own), true where it succeeds,
 * undefined where it answers otherwise or `target` does not open for writing (nothing to learn).
 */
export async function clonesBetweenNt(t: NtTransport, source: string, target: string): Promise<boolean | undefined> {
  let src: NtHandle;
  let dst: NtHandle;
  try {
    src = await t.open(source, { access: 'read', disposition: 'open' });
  } catch (e) {
    openCode(e);
    return undefined;
  }
  try {
    dst = await t.open(target, { access: 'read-write', disposition: 'open' });
  } catch (e) {
    await t.close(src).catch(() => undefined);
    openCode(e);
    return undefined;
  }
  try {
    const input = encodeDuplicateExtents({ sourceRef: t.sourceReference(src), sourceOffset: 0n, targetOffset: 0n, byteCount: 0n });
    const o = await t.fsctl(dst, FSCTL.FSCTL_DUPLICATE_EXTENTS_TO_FILE, input, 0);
    return o.kind === 'ok' ? true : CROSS_VOLUME_CODES.has(o.codeName) ? false : undefined;
  } finally {
    await t.close(dst).catch(() => undefined);
    await t.close(src).catch(() => undefined);
  }
}
