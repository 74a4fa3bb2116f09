// Deduplication on NT (Windows and SMB): there is no compare-and-share FSCTL, so it is
// verify-then-clone. The source and each destination are opened WITHOUT FILE_SHARE_WRITE (while
// the handles are open nobody else can open either for writing, so the bytes compared are the
// bytes cloned), the ranges are read and compared, and only equal ranges are cloned with
// FSCTL_DUPLICATE_EXTENTS_TO_FILE on cluster-aligned ranges (docs/facts/windows-fsctl.md#block-cloning-rules).
// The clone counts as a write, so the destination's timestamps are set back afterwards
// (FileBasicInformation with the values read before). Written once over NtTransport.

import type { OpContext } from '../backend';
import type { DedupeOutcome } from '../backend-ext';
import { FsctlError, isCancelled } from '../errors';
import { duplicateExtents } from './clone';
import { asFsctlError, engineError } from './outcome';
import type { NtHandle, NtTransport } from './transport';
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

/**
 * `length` bytes at `srcOffset` of `source` compared with each destination's and cloned where
 * equal. The last range of a file may end at both files' EOF without a whole cluster.
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
    const srcEof = (await t.queryInfo(src)).endOfFile;
    const bytes = await readAll(t, src, srcOffset, Number(length));
    for (const d of dests) {
      ctx.checkCancelled();
      let dst: NtHandle | undefined;
      try {
        dst = d.path === source ? src : await t.open(d.path, { access: 'read-write', disposition: 'open', denyWrite: true });
        const info = await t.queryInfo(dst);
        const atEnds = srcOffset + length === srcEof && d.offset + length === info.endOfFile;
        if (srcOffset % cluster !== 0n || d.offset % cluster !== 0n || (length % cluster !== 0n && !atEnds)) {
          out.push({
            status: 'E_MISALIGNED',
            bytes: 0n,
            message: `dedupe: ${d.path} at ${d.offset}, ${length} bytes: not aligned to the volume's ${cluster}-byte clusters; left alone (E_MISALIGNED).`,
          });
          continue;
        }
        const theirs = await readAll(t, dst, d.offset, Number(length));
        if (bytes.byteLength !== Number(length) || !equalBytes(bytes, theirs)) {
          out.push({ status: 'differs', bytes: 0n });
          continue;
        }
        await duplicateExtents(t, src, dst, srcOffset, d.offset, length, vol.clusterSize, 'dedupe', {}, ctx);
        // Cloning into the destination is a write to it: its times go back to what they were.
        await t.setBasicInfo(dst, { ...info.basic, fileAttributes: 0 });
        out.push({ status: 'same', bytes: length });
      } catch (e) {
        if (isCancelled(e)) throw e;
        const f = e instanceof FsctlError ? e : asFsctlError(e, 'dedupe', [source, d.path], 'dedupe');
        out.push({ status: f.code, bytes: 0n, message: f.message });
      } finally {
        if (dst && dst !== src) await t.close(dst).catch(() => undefined);
      }
    }
  } finally {
    await t.close(src).catch(() => undefined);
  }
  return out;
}
