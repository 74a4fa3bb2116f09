// Sharing one group of a dedupe plan (dedupe-apply.ts runs the groups, here or on dedupe-pool.ts's
// threads): each destination is mapped again just before its calls, so one already at the source's
// physical place is not sent (the kernel would answer SAME with bytes_deduped = its length although
// nothing changes) and is reported as alreadyShared; a file whose size changed since the scan is
// left alone; the rest goes to the backend's compare-and-share call (Linux FIDEDUPERANGE, NT
// verify-then-clone) within the kernel's limits (docs/facts/linux.md#fideduperange): at most
// DEDUPE_MAX_LENGTH bytes per call (btrfs's BTRFS_MAX_DEDUPE_LEN; the VFS caps a call at 1 GiB),
// and at most DEDUPE_MAX_DESTS destinations per call (the argument must fit in one page).

import { quietContext } from './backend';
import type { DedupeOutcome, ExtendedBackend } from './backend-ext';
import type { EngineContext } from './context';
import type { DedupeGroup, DedupeRange, DedupeSkipped } from './dedupe-types';
import { sharedWithSource } from './dedupe-saving';
import { fileDataOf } from './dedupe-file-data';
import { CROSS_VOLUME_CODES, isCancelled } from './errors';
import { EXTENT_FLAG, type PackedExtentMap } from './map-format';
import { windowMap, wholeMap } from './walk';
import type { ByteRange } from './types';

const DEDUPE_MAX_LENGTH = 16n << 20n;
const DEDUPE_MAX_DESTS = 120;

export type Dedupable = Required<Pick<ExtendedBackend, 'dedupeRange' | 'dedupeSupport' | 'freeBytesSynced'>> & ExtendedBackend;

/** What sharing one group did (summed into the report; crosses back from a pool thread). */
export interface GroupTally {
  deduped: bigint;
  alreadyShared: bigint;
  differed: number;
  calls: number;
  skipped: DedupeSkipped[];
  /** A cancel stopped the group part way: the counts are of the calls it made. */
  cut?: boolean;
  /** NT: destinations marked sparse before their clone, like their sparse source (DedupeOutcome.markedSparse). */
  markedSparse?: string[];
}

export const emptyTally = (): GroupTally => ({ deduped: 0n, alreadyShared: 0n, differed: 0, calls: 0, skipped: [] });

/**
 * The parts of a whole-file group worth sending: the source's data runs, widened to whole
 * blocks (holes are equal in every member by construction and sharing them gains nothing).
 */
async function dataSpans(
  b: ExtendedBackend,
  g: DedupeGroup,
  srcMap: PackedExtentMap | undefined,
  ctx: EngineContext,
): Promise<ByteRange[]> {
  if (!g.wholeFiles) return [{ offset: g.ranges[0].offset, length: g.length }];
  const m = srcMap ?? (await wholeMap(b, g.ranges[0].path, quietContext(ctx))); // (a map's progress is not the groups')
  const bs = BigInt(m.blockSize > 0 ? m.blockSize : 4096);
  const spans: ByteRange[] = [];
  for (let i = 0; i < m.packed.count; i++) {
    if ((m.packed.flags[i] & EXTENT_FLAG.UNWRITTEN) !== 0) continue; // reads as zeros, like a hole: never hashed, never shared
    let a = (m.packed.offset[i] / bs) * bs;
    let e = ((m.packed.offset[i] + BigInt.asUintN(64, m.packed.length[i]) + bs - 1n) / bs) * bs;
    if (e > g.length) e = g.length;
    const last = spans[spans.length - 1];
    if (last && a <= last.offset + last.length) {
      a = last.offset;
      spans.pop();
    }
    if (e > a) spans.push({ offset: a, length: e - a });
  }
  return spans;
}

/**
 * Share one group's destinations with its source, in calls within the kernel's limits. A piece
 * whose bytes differ now (changed since the scan) is left alone and noted, and the destination's
 * other pieces are still sent (the kernel compares each call's bytes; pieces in a row that differ
 * are noted as one range); a destination whose call fails otherwise is noted once and gets no
 * further calls. `sent(bytes)` after each call (progress).
 */
export async function applyGroup(
  b: Dedupable,
  g: DedupeGroup,
  ctx: EngineContext,
  t: GroupTally,
  sent: (bytes: bigint) => void,
): Promise<void> {
  ctx.checkCancelled();
  const src = g.ranges[0];
  // Mapped again now: a range that already shares the source's extents (an earlier run, a
  // clone made since the search) needs no call; FIDEDUPERANGE would report it as deduped. Those
  // the plan marks already shared are looked at too, so the report counts their bytes, and get
  // no call whatever the maps say now (the confirmation did not count them).
  let dests = g.ranges.slice(1);
  let srcMap: PackedExtentMap | undefined;
  let sizeOf: Map<string, bigint> | undefined;
  let partly = new Map<DedupeRange, bigint>();
  try {
    ({ dests, srcMap, sizeOf, partly } = await notYetShared(b, g, dests, t, ctx));
  } catch (e) {
    if (isCancelled(e)) throw e;
    // the maps are only an optimisation: without them every range goes to the kernel
  }
  // (a range the plan found would free nothing, its extents kept by other references: left alone)
  dests = dests.filter((r) => !r.alreadyShared && !r.freesNothing);
  if (dests.length === 0) return;
  /** Destinations still in play (one that differed or failed gets no further calls). */
  const live = new Set(dests.map((_, i) => i));
  const noted = new Set<number>();
  /**
   * Destinations on another volume than the source, as the server answered, none of whose bytes
   * were shared: what was noted for each.
   */
  const apart = new Map<number, DedupeSkipped>();
  const note = (i: number, s: DedupeSkipped): void => {
    live.delete(i);
    if (noted.has(i)) return;
    noted.add(i);
    t.skipped.push(s);
    if (s.reason === 'differs' || s.reason === 'E_CHANGED') t.differed++; // changed since the scan either way
  };
  /** The last piece that differed, per destination: a next one right after it extends it. */
  const lastDiffer = new Map<number, { s: DedupeSkipped; how: string }>();
  const differs = (i: number, from: bigint, end: bigint, by: DedupeOutcome['differedBy']): void => {
    noted.add(i);
    const last = lastDiffer.get(i);
    if (last && last.s.offset + last.s.length === from) {
      last.s.length = end - last.s.offset;
      last.s.message = differsMessage(dests[i].path, last.s.offset, last.s.length, src.path, last.how);
      return;
    }
    // how it was found: the kernel's answer, or the backend's own compare (the outcome says which)
    const how = DIFFERED_BY[by ?? 'kernel'];
    const s: DedupeSkipped = {
      path: dests[i].path,
      offset: from,
      length: end - from,
      reason: 'differs',
      message: differsMessage(dests[i].path, from, end - from, src.path, how),
    };
    lastDiffer.set(i, { s, how });
    t.skipped.push(s);
    t.differed++;
  };
  if (srcMap && sizeOf) {
    // Sizes changed since the scan: a source cut short has nothing (or less) to share, and a
    // range that ended in a partial block at the files' end can no longer be shared whole (the
    // kernel would share it up to its last whole block yet report every byte as deduped).
    const bs = BigInt(srcMap.blockSize > 0 ? srcMap.blockSize : 4096);
    const changed = (size: bigint, offset: bigint): string | undefined =>
      size < offset + g.length
        ? `it is shorter than when it was scanned (${size} bytes now; it shrank)`
        : (offset + g.length) % bs !== 0n && size !== offset + g.length
          ? `it grew since the scan (${size} bytes now), so the range's last, partial block can no longer be shared`
          : undefined;
    const srcWhy = changed(srcMap.size, src.offset);
    for (let i = 0; i < dests.length; i++) {
      const why = srcWhy ? `${src.path}, the source: ${srcWhy}` : changed(sizeOf.get(dests[i].path) ?? 0n, dests[i].offset);
      if (why)
        note(i, {
          path: dests[i].path,
          offset: dests[i].offset,
          length: g.length,
          reason: 'E_CHANGED',
          message: `dedupe: ${srcWhy ? why : `${dests[i].path}: ${why}`}; left alone (E_CHANGED).`,
        });
    }
    if (live.size === 0) return;
  }
  let spans: ByteRange[];
  try {
    spans = await dataSpans(b, g, srcMap, ctx);
  } catch (e) {
    if (isCancelled(e)) throw e;
    for (let i = 0; i < dests.length; i++) note(i, skippedOf(dests[i].path, dests[i].offset, g.length, e));
    return;
  }
  for (const span of spans)
    for (let at = span.offset; at < span.offset + span.length; at += DEDUPE_MAX_LENGTH) {
      const rest = span.offset + span.length - at;
      const len = rest < DEDUPE_MAX_LENGTH ? rest : DEDUPE_MAX_LENGTH;
      const idx = [...live];
      for (let k = 0; k < idx.length; k += DEDUPE_MAX_DESTS) {
        await ctx.maybeYield(); // in-thread (the CLI), Ctrl-C is seen only when the event loop turns
        ctx.checkCancelled();
        const batch = idx.slice(k, k + DEDUPE_MAX_DESTS);
        let out: DedupeOutcome[];
        try {
          out = await b.dedupeRange(
            src.path,
            src.offset + (at - g.ranges[0].offset),
            len,
            batch.map((i) => ({ path: dests[i].path, offset: dests[i].offset + (at - src.offset) })),
            ctx,
          );
        } catch (e) {
          // The call as a whole failed (the source is gone, unreadable or shorter since the
          // scan): the rest of this group's destinations is left alone and reported, from this
          // call's start (earlier calls shared what lay before it: in `deduped`); the other
          // groups go on.
          if (isCancelled(e)) throw e;
          for (const i of batch) {
            const from = dests[i].offset + (at - src.offset);
            note(i, skippedOf(dests[i].path, from, dests[i].offset + g.length - from, e));
          }
          continue;
        }
        // FIDEDUPERANGE: one request for the batch; NT: each destination's clone FSCTLs
        t.calls += out.some((o) => o.requests !== undefined) ? out.reduce((n, o) => n + (o.requests ?? 0), 0) : 1;
        out.forEach((o, j) => {
          const i = batch[j];
          t.deduped += o.bytes;
          if (o.markedSparse) (t.markedSparse ??= []).push(dests[i].path);
          // (E_CANCELLED: what the call shared before it stopped; the cancel is seen below)
          if (o.status === 'same' || o.status === 'E_CANCELLED') return;
          // the part left alone: from this call's start (or where the backend says)
          const from = o.from ?? dests[i].offset + (at - src.offset);
          const callEnd = dests[i].offset + (at - src.offset) + len;
          if (o.status === 'differs') {
            differs(i, from, callEnd, o.differedBy);
            return;
          }
          const s: DedupeSkipped = {
            path: dests[i].path,
            offset: from,
            length: dests[i].offset + g.length - from,
            reason: o.status,
            message: o.message ?? o.status,
          };
          if (CROSS_VOLUME_CODES.has(o.status) && o.bytes === 0n && from === dests[i].offset && !noted.has(i)) apart.set(i, s);
          note(i, s);
        });
        sent(len * BigInt(batch.length));
        if (out.some((o) => o.status === 'E_CANCELLED')) ctx.checkCancelled();
      }
    }
  // Copies the server would not share with this source because they lie on another volume
  // (Samba: another btrfs subvolume or snapshot; Windows: another drive) may share among
  // themselves: the first of them is their source, and only it stays reported as left alone.
  // (Each round leaves one out, so a copy on a third volume ends this in at most as many rounds.)
  if (apart.size > 1) {
    const [, ...others] = apart.values(); // (the first stays reported: it becomes their source)
    for (const s of others) t.skipped.splice(t.skipped.indexOf(s), 1);
    await applyGroup(b, { ...g, ranges: [...apart.keys()].map((i) => dests[i]) }, ctx, t, () => undefined);
  }
  // A destination shared in full whose range already shared some of the source's blocks: the
  // kernel counts those bytes as deduped again; they were shared before.
  dests.forEach((d, i) => {
    const same = partly.get(d);
    if (same === undefined || noted.has(i)) return;
    t.deduped -= same;
    t.alreadyShared += same;
  });
}

/**
 * The ranges of `dests` whose data is not already at the source's physical place (the others'
 * data bytes go to report.alreadyShared), and of those, how many bytes of each already are.
 */
async function notYetShared(
  b: ExtendedBackend,
  g: DedupeGroup,
  dests: DedupeRange[],
  t: GroupTally,
  ctx: EngineContext,
): Promise<{ dests: DedupeRange[]; srcMap: PackedExtentMap; sizeOf: Map<string, bigint>; partly: Map<DedupeRange, bigint> }> {
  const facts = { filesystem: '', fsKey: '', blockSize: 0 };
  const sizeOf = new Map<string, bigint>();
  // Only each range's own extents: a file deduplicated in small chunks ends with thousands of
  // extents, and mapping it whole for each of its groups made FIEMAP most of the run (a trial:
  // --chunk 4k on XFS, ~25 ms per map, 6,682 groups).
  const mapOf = async (r: DedupeRange): Promise<PackedExtentMap> => {
    const m = await windowMap(b, r.path, { offset: r.offset, length: g.length }, quietContext(ctx));
    sizeOf.set(r.path, m.size);
    return m;
  };
  const srcMap = await mapOf(g.ranges[0]);
  const src = fileDataOf(g.ranges[0].path, srcMap, facts);
  const out: DedupeRange[] = [];
  /** Ranges of which some data bytes already sit at the source's place: how many. */
  const partly = new Map<DedupeRange, bigint>();
  for (const d of dests) {
    const dst = fileDataOf(d.path, await mapOf(d), facts);
    const { data, same } = sharedWithSource(src, g.ranges[0].offset, dst, d.offset, g.length);
    if (data > 0n && same === data) t.alreadyShared += data;
    else {
      out.push(d);
      if (same > 0n) partly.set(d, same);
    }
  }
  return { dests: out, srcMap, sizeOf, partly };
}

/** How a difference was found, as the skipped range's message names it. */
const DIFFERED_BY: Record<NonNullable<DedupeOutcome['differedBy']>, string> = {
  kernel: 'FILE_DEDUPE_RANGE_DIFFERS',
  compare: 'compared before cloning',
};

function differsMessage(path: string, offset: bigint, length: bigint, source: string, how: string): string {
  return `${path} at ${offset} (${length} bytes): the bytes differ from ${source}'s (changed since the scan); left alone (${how}).`;
}

function skippedOf(path: string, offset: bigint, length: bigint, e: unknown): DedupeSkipped {
  const code = (e as { code?: string }).code ?? 'EIO';
  return { path, offset, length, reason: code, message: (e as Error).message };
}
