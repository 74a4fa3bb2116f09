// Deduplication on NT (Windows and SMB): there is no compare-and-share FSCTL, so it is
// verify-then-clone. The source and each destination are opened WITHOUT FILE_SHARE_WRITE, so no
// other opener may write either while the handles are open (Windows enforces that for every
// program; Samba only among its SMB clients: a program on the Samba server itself can still
// write). Piece by piece (VERIFY_PIECE): the destination's bytes are read and compared with the
// source's, FSCTL_DUPLICATE_EXTENTS_TO_FILE clones the piece, and the piece is read back. A
// source written on the server between the compare and the clone shows there, as bytes in the
// destination that it never had: they are written back as they were, and the range is reported
// as changed. (A write to the destination while its piece is read and cloned would be lost: no
// SMB request can hold off a program on a Samba server, and Samba's answers to QUERY_INFO on an
// open handle do not show such writes' times; docs/SMB.md.) Clones
// are on cluster-aligned ranges (docs/facts/windows-fsctl.md#block-cloning-rules). The clone
// counts as a write, so the destination's timestamps are set back afterwards
// (FileBasicInformation with the values read before), where this run alone wrote to it: one
// found changed keeps the times the change gave it; a sparse one is marked sparse again after
// (Samba drops the flag there). A destination not marked sparse whose source is, is marked sparse
// before its first clone (a sparse file's blocks clone only into a sparse file: MS-FSA, and Samba
// refuses otherwise), as Clone Range does; its data is unchanged. Written once over NtTransport.

import type { OpContext } from '../backend';
import type { DedupeOutcome } from '../backend-ext';
import { FsctlError, isCancelled } from '../errors';
import { duplicateExtents } from './clone';
import { FSCTL } from './codec/fsctl-codes';
import { encodeSetSparse } from './codec/windows';
import { asFsctlError, engineError, fsctlFailure } from './outcome';
import type { NtFileInfo, NtHandle, NtTransport } from './transport';
import { requireBlockClone } from './volume';

/** Bytes read per call while comparing. */
const COMPARE_PIECE = 1 << 20;

async function readAll(t: NtTransport, h: NtHandle, offset: bigint, length: number): Promise<Uint8Array> {
  const out = new Uint8Array(length);
  let at = 0;
  while (at < length) {
    const n = Math.min(COMPARE_PIECE, length - at);
    const got = await t.read(h, offset + BigInt(at), n);
    out.set(got.subarray(0, n), at);
    at += got.byteLength;
    if (got.byteLength < n) break; // EOF: the rest stays zero, and `at` says how much was read
  }
  return at === length ? out : out.subarray(0, at);
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return (
    a.byteLength === b.byteLength &&
    Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength)) === 0
  );
}

/** Throws E_UNSUPPORTED when the volume of `path` cannot block-clone (then nothing can be shared). */
export async function dedupeSupportNt(t: NtTransport, path: string): Promise<void> {
  const h = await t.open(path, { access: 'read', disposition: 'open' });
  try {
    requireBlockClone(await t.queryVolume(h), 'dedupe', [path]);
  } finally {
    await t.close(h).catch(() => undefined);
  }
}

/**
 * Whether the file `path` opens for writing: not on a read-only share, nor a file marked
 * read-only (both answer STATUS_ACCESS_DENIED, ERROR_ACCESS_DENIED on Windows). Nothing is
 * written. Any other answer (a sharing violation, say) is left to the apply, which names it.
 */
export async function writableNt(t: NtTransport, path: string): Promise<boolean> {
  let h: NtHandle;
  try {
    h = await t.open(path, { access: 'read-write', disposition: 'open' });
  } catch (e) {
    const code = (e as { code?: string }).code;
    return !(code === 'STATUS_ACCESS_DENIED' || code === 'ERROR_ACCESS_DENIED' || code === 'STATUS_MEDIA_WRITE_PROTECTED');
  }
  await t.close(h).catch(() => undefined);
  return true;
}

/** The volume's free bytes as it reports them (FileFsFullSizeInformation over SMB). */
export async function freeBytesNt(t: NtTransport, path: string): Promise<bigint> {
  const h = await t.open(path, { access: 'read', disposition: 'open' });
  try {
    const v = await t.queryVolume(h);
    if (v.freeBytes === undefined)
      throw engineError('dedupe', 'E_UNSUPPORTED', [path], `The volume of ${path} does not report its free space (E_UNSUPPORTED).`);
    return v.freeBytes;
  } finally {
    await t.close(h).catch(() => undefined);
  }
}

/** Bytes compared, cloned and read back at a time: what a write on a Samba server can slip between. */
const VERIFY_PIECE = 1 << 20;

/**
 * `length` bytes at `srcOffset` of `source` compared with each destination's and cloned where
 * equal, piece by piece (the header says how a write during it is caught). The last range of a
 * file may end at both files' EOF without a whole cluster.
 */
export async function dedupeRangeNt(
  t: NtTransport,
  source: string,
  srcOffset: bigint,
  length: bigint,
  dests: { path: string; offset: bigint }[],
  ctx: OpContext,
): Promise<DedupeOutcome[]> {
  ctx.checkCancelled();
  // A destination in the source file itself is cloned through the source's own handle, which then needs write access.
  const sameFile = dests.some((d) => d.path === source);
  const src = await t.open(source, { access: sameFile ? 'read-write' : 'read', disposition: 'open', denyWrite: true });
  const out: DedupeOutcome[] = [];
  try {
    const vol = await t.queryVolume(src);
    requireBlockClone(vol, 'dedupe', [source]);
    const cluster = BigInt(vol.clusterSize);
    const { endOfFile: srcEof, sparse: srcSparse } = await t.queryInfo(src);
    const bytes = await readAll(t, src, srcOffset, Number(length));
    for (const d of dests) {
      let dst: NtHandle | undefined;
      let info: NtFileInfo | undefined;
      let cloned = 0n;
      let requests = 0;
      let markedSparse = false;
      /** Written by this run alone (its clones): its times go back to what they were. */
      let onlyOurs = false;
      try {
        ctx.checkCancelled();
        dst = d.path === source ? src : await t.open(d.path, { access: 'read-write', disposition: 'open', denyWrite: true });
        info = await t.queryInfo(dst);
        const atEnds = srcOffset + length === srcEof && d.offset + length === info.endOfFile;
        if (srcOffset % cluster !== 0n || d.offset % cluster !== 0n || (length % cluster !== 0n && !atEnds)) {
          out.push({
            status: 'E_MISALIGNED',
            bytes: 0n,
            requests: 0,
            message: `dedupe: ${d.path} at ${d.offset}, ${length} bytes: not aligned to the volume's ${cluster}-byte clusters; left alone (E_MISALIGNED).`,
          });
          continue;
        }
        if (bytes.byteLength !== Number(length)) {
          out.push({ ...differs(d.path, d.offset, source), requests: 0 });
          continue;
        }
        let outcome: DedupeOutcome | undefined;
        for (let at = 0; at < bytes.byteLength; at += VERIFY_PIECE) {
          ctx.checkCancelled();
          const n = Math.min(VERIFY_PIECE, bytes.byteLength - at);
          const mine = bytes.subarray(at, at + n);
          const offset = d.offset + BigInt(at);
          if (!equalBytes(mine, await readAll(t, dst, offset, n))) {
            outcome = differs(d.path, offset, source);
            break;
          }
          if (srcSparse && !info.sparse) {
            // a sparse source clones only into a sparse destination (MS-FSA; Samba answers
            // STATUS_NOT_SUPPORTED otherwise): marked so first, as Clone Range does; data unchanged
            await markSparse(t, dst, source, d.path);
            info = { ...info, sparse: true }; // and kept so when its times are set back
            markedSparse = true;
          }
          requests++;
          await duplicateExtents(t, src, dst, srcOffset + BigInt(at), offset, BigInt(n), vol.clusterSize, 'dedupe', {}, ctx);
          const after = await readAll(t, dst, offset, n);
          if (!equalBytes(mine, after)) {
            outcome = await undoForeignBytes(t, src, dst, source, srcOffset + BigInt(at), offset, mine, after, d.path);
            break;
          }
          cloned += BigInt(n);
        }
        // A destination someone else wrote to meanwhile keeps the times that says so.
        onlyOurs = cloned > 0n && !outcome;
        const marked = markedSparse ? { markedSparse } : {};
        out.push(outcome ? { ...outcome, bytes: cloned, requests, ...marked } : { status: 'same', bytes: cloned, requests, ...marked });
      } catch (e) {
        if (isCancelled(e)) {
          // what was shared is said (E_CANCELLED carries it; the caller then stops), the rest untouched
          onlyOurs = cloned > 0n;
          out.push({ status: 'E_CANCELLED', bytes: cloned, requests });
          while (out.length < dests.length) out.push({ status: 'E_CANCELLED', bytes: 0n, requests: 0 });
          break;
        }
        const f = e instanceof FsctlError ? e : asFsctlError(e, 'dedupe', [source, d.path], 'dedupe');
        // marked sparse for a clone that then shared nothing (refused: another volume, say): as it was
        if (markedSparse && cloned === 0n && dst) markedSparse = !(await unmarkSparse(t, dst));
        out.push({ status: f.code, bytes: cloned, message: f.message, requests, ...(markedSparse ? { markedSparse } : {}) });
      } finally {
        // Cloning into the destination is a write to it: its times go back to what they were.
        if (dst && info && onlyOurs) await restoreTimes(t, dst, info).catch(() => undefined);
        if (dst && dst !== src) await t.close(dst).catch(() => undefined);
      }
    }
  } finally {
    await t.close(src).catch(() => undefined);
  }
  return out;
}

/**
 * The destination's times set back to `info`'s. Samba drops a file's stored sparse flag on any
 * FileBasicInformation, "unchanged" attributes (0) included (docs/SMB.md, "Samba, as a peer"),
 * so a sparse destination is marked sparse again: else it would read as not sparse, and the
 * next range's clone from a sparse source would be refused (STATUS_NOT_SUPPORTED). Windows
 * keeps the flag; no FSCTL is sent there.
 */
async function restoreTimes(t: NtTransport, h: NtHandle, info: NtFileInfo): Promise<void> {
  await t.setBasicInfo(h, { ...info.basic, fileAttributes: 0 });
  if (info.sparse && !(await t.queryInfo(h)).sparse) await t.fsctl(h, FSCTL.FSCTL_SET_SPARSE, null, 0);
}

/** The sparse attribute taken off again (a file with no holes yet, so its data is unchanged); false where that failed. */
async function unmarkSparse(t: NtTransport, h: NtHandle): Promise<boolean> {
  const o = await t.fsctl(h, FSCTL.FSCTL_SET_SPARSE, encodeSetSparse(false), 0).catch(() => undefined);
  return o?.kind === 'ok';
}

/** FSCTL_SET_SPARSE on a destination whose source is sparse; a refusal is named. */
async function markSparse(t: NtTransport, dst: NtHandle, source: string, path: string): Promise<void> {
  const o = await t.fsctl(dst, FSCTL.FSCTL_SET_SPARSE, null, 0);
  if (o.kind !== 'ok')
    throw fsctlFailure(
      t,
      'dedupe',
      FSCTL.FSCTL_SET_SPARSE,
      o,
      [source, path],
      'the source is sparse, so the destination must be marked sparse before its blocks can be shared, and that failed',
    );
}

function differs(path: string, offset: bigint, source: string): DedupeOutcome {
  return {
    status: 'differs',
    bytes: 0n,
    from: offset,
    differedBy: 'compare',
    message: `${path} at ${offset}: the bytes differ from ${source}'s (changed since the scan); left alone (compared before cloning).`,
  };
}

function changed(path: string, offset: bigint, how: string): DedupeOutcome {
  return {
    status: 'E_CHANGED',
    bytes: 0n,
    from: offset,
    message: `dedupe: ${path} at ${offset}: ${how}, by a program on the server (Samba holds off only other SMB clients); the rest of this range was left alone (E_CHANGED). Run dedupe again when nothing writes to these files.`,
  };
}

/**
 * The piece read back after the clone is not what was compared: the source was written between
 * the compare and the clone (on a Samba server), and the destination took bytes it never had.
 * Those bytes (where the destination now holds the source's current bytes) are written back as
 * they were; bytes that match neither were written to the destination since, and stay.
 */
async function undoForeignBytes(
  t: NtTransport,
  src: NtHandle,
  dst: NtHandle,
  source: string,
  srcAt: bigint,
  dstAt: bigint,
  mine: Uint8Array,
  after: Uint8Array,
  path: string,
): Promise<DedupeOutcome> {
  const now = await readAll(t, src, srcAt, mine.byteLength);
  let restored = 0;
  for (let i = 0; i < mine.byteLength;) {
    if (after[i] === mine[i] || i >= now.byteLength || after[i] !== now[i]) {
      i++;
      continue;
    }
    let j = i;
    while (j < mine.byteLength && after[j] !== mine[j] && j < now.byteLength && after[j] === now[j]) j++;
    await t.write(dst, dstAt + BigInt(i), mine.subarray(i, j));
    restored += j - i;
    i = j;
  }
  return changed(
    path,
    dstAt,
    restored > 0
      ? `${source} was written to between the compare and the clone, so ${restored} byte${restored === 1 ? '' : 's'} of it reached this file; they were written back as they were`
      : 'it was written to while it was being shared; what was written stands',
  );
}
