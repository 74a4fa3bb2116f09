// Applying a dedupe plan (engine.dedupe). Linux: FIDEDUPERANGE through the backend's dedupeRange,
// where the kernel compares the bytes and shares them only if equal, atomically per call; a range
// that changed since the scan comes back "differs" and is left alone. Each destination is mapped
// again just before its group's calls: one already at the source's physical place is not sent
// (the kernel would answer SAME with bytes_deduped = its length although nothing changes); its
// data bytes are reported as alreadyShared, never as deduped. Where the file system cannot
// dedupe at all (ext4, tmpfs) the whole plan is refused before any change. The space freed is
// measured from the file systems' own free-block counts, after syncfs, before and after.
//
// Kernel limits respected here (docs/facts/linux.md#fideduperange): at most DEDUPE_MAX_LENGTH bytes per
// call (btrfs's BTRFS_MAX_DEDUPE_LEN; the VFS caps a call at 1 GiB), and at most
// DEDUPE_MAX_DESTS destinations per call (the argument must fit in one page).

import type { DedupeOutcome, ExtendedBackend } from './backend-ext';
import type { EngineContext } from './context';
import type { DedupeGroup, DedupePlan, DedupeRange, DedupeReport, DedupeSkipped } from './dedupe-types';
import { applyOrder } from './dedupe-order';
import { sharedWithSource } from './dedupe-saving';
import { fileDataOf, type FileData } from './dedupe-file-data';
import { FsctlError, isCancelled } from './errors';
import { EXTENT_FLAG, type PackedExtentMap } from './map-format';
import { POOL_MIN_BYTES, poolSize, startPool } from './dedupe-pool';
import { localBackend } from './select-backend';
import { isSmbPath } from './smb-path';
import { wholeMap } from './walk';
import { fileSystemKey } from './space-fs';
import type { ByteRange } from './types';

export const DEDUPE_MAX_LENGTH = 16n << 20n;
/** A probe's file that is no longer there to probe with (not a verdict on the file system). */
const GONE = new Set(['ENOENT', 'ENOTDIR', 'EISDIR', 'E_NOT_REGULAR', 'STATUS_OBJECT_NAME_NOT_FOUND', 'STATUS_OBJECT_PATH_NOT_FOUND']);
export const DEDUPE_MAX_DESTS = 120;

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
  const m = srcMap ?? (await wholeMap(b, g.ranges[0].path, ctx));
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

export async function applyDedupe(
  resolve: (p: string) => Promise<ExtendedBackend>,
  plan: DedupePlan,
  ctx: EngineContext,
): Promise<DedupeReport> {
  const t0 = performance.now();
  checkPlan(plan);
  // Groups that would free nothing are not applied: already shared, or (btrfs) only parts of
  // extents, whose sharing leaves the rest of each extent allocated (it could only fragment).
  const groups = plan.groups.filter((g) => g.netSaving > 0n && g.ranges.length > 1 && g.ranges.slice(1).some((r) => !r.alreadyShared));
  const idle = plan.groups.length - groups.length;
  const report: DedupeReport = {
    deduped: 0n,
    alreadyShared: 0n,
    differed: 0,
    skipped: [],
    calls: 0,
    freed: 0n,
    estimated: plan.total.netSaving,
    estimatedMin: plan.total.netSavingMin ?? plan.total.netSaving,
    method: 'FIDEDUPERANGE',
    notes: [],
    durationMs: 0,
  };
  if (idle > 0)
    report.notes.push(
      `${idle} group${idle === 1 ? '' : 's'} with no net saving (already shared, or parts of extents) ${idle === 1 ? 'was' : 'were'} left alone.`,
    );
  if (groups.length === 0) {
    report.durationMs = Math.round(performance.now() - t0);
    return report;
  }
  // Up front, per file system (one source file of each): can it dedupe at all? Refuse before any change.
  const backendOf = new Map<DedupeGroup, Dedupable>();
  const probeByFs = new Map<string, { path: string; backend: Dedupable }>();
  const keyOfVolume = new Map<string, string>();
  for (const g of groups) {
    const p = g.ranges[0].path;
    const b = await resolve(p);
    if (!b.dedupeRange || !b.dedupeSupport || !b.freeBytesSynced)
      throw new FsctlError({
        operation: 'dedupe',
        code: 'EOPNOTSUPP',
        paths: [p],
        message:
          process.platform === 'darwin'
            ? 'dedupe: macOS has no call that compares and shares ranges of existing files (APFS clones only whole new files); nothing was changed (EOPNOTSUPP).'
            : `dedupe: this system (${b.name}) has no compare-and-share call; nothing was changed (EOPNOTSUPP).`,
      });
    backendOf.set(g, b as Dedupable);
    const info = await b.stat?.(p);
    // A source gone or replaced since the search cannot probe: its group reports that when it
    // is applied, and another group's source probes the file system.
    if (info && info.kind !== 'file') continue;
    const vol = info?.volumeId;
    // One file system key per volume id (btrfs's reads /proc/self/mountinfo: once, not per group).
    let fsId = vol === undefined ? p : keyOfVolume.get(vol);
    if (fsId === undefined) keyOfVolume.set(vol!, (fsId = isSmbPath(p) ? vol! : fileSystemKey(p, BigInt(vol!))));
    if (probeByFs.has(fsId)) continue;
    try {
      await b.dedupeSupport(p);
    } catch (e) {
      if (GONE.has((e as { code?: string }).code ?? '')) continue; // vanished just now: as above
      throw e;
    }
    probeByFs.set(fsId, { path: p, backend: b as Dedupable });
  }
  const methods = new Set(
    [...backendOf.values()].map((b) => (b.name === 'linux' ? 'FIDEDUPERANGE' : 'FSCTL_DUPLICATE_EXTENTS_TO_FILE (verified)')),
  );
  report.method = [...methods].join(' + ');
  const before = new Map<string, bigint>();
  for (const [id, f] of probeByFs) before.set(id, await f.backend.freeBytesSynced(f.path));

  const total = groups.reduce((t, g) => t + bytesOf(g), 0n);
  let done = 0n;
  let shared = 0;
  const add = (t: GroupTally): void => {
    report.deduped += t.deduped;
    report.alreadyShared += t.alreadyShared;
    report.differed += t.differed;
    report.calls += t.calls;
    report.skipped.push(...t.skipped);
  };
  const progress = (sent: bigint): void => {
    done += sent;
    // groups, not bytes shared: a group's tally is known only when it ends (on a pool thread)
    ctx.progress({ done, total, files: shared, message: `${shared} of ${groups.length} group${groups.length === 1 ? '' : 's'} done` });
  };
  // Local groups with much data are shared on several threads (dedupe-pool.ts): the kernel's
  // compare is the apply's cost. smb:// groups go one by one in this thread, and so do groups
  // linked by a range that one moves and another shares from, in their order (dedupe-order.ts).
  const { independent, chained } = applyOrder(groups);
  const local = independent.filter((g) => !isSmbPath(g.ranges[0].path));
  const threads = Math.min(poolSize(), local.length);
  const pooled = threads > 1 && local.reduce((t, g) => t + bytesOf(g), 0n) >= POOL_MIN_BYTES ? new Set(local) : new Set<DedupeGroup>();
  let handedBack = true;
  try {
    if (pooled.size > 0) {
      const pool = startPool<DedupeGroup, GroupTally>({
        job: 'apply',
        threads,
        ctx,
        bytesOf,
        here: (batch) => applyBatch(batch, ctx, (g) => backendOf.get(g)!),
        done: (g, t) => {
          add(t); // a group cut short by a cancel too: its calls made count
          if (t.cut) return;
          shared++;
          progress(bytesOf(g));
        },
      });
      try {
        for (const g of pooled) pool.add(g);
        await pool.finish();
      } finally {
        handedBack = await pool.stop();
      }
    }
    for (const g of [...independent, ...chained]) {
      if (pooled.has(g)) continue;
      const t = emptyTally();
      try {
        await applyGroup(backendOf.get(g)!, g, ctx, t, progress);
      } finally {
        add(t); // a cancel inside the group: its calls made so far still count
      }
      shared++;
      progress(0n);
    }
  } catch (e) {
    if (!isCancelled(e)) throw e;
    // What was shared before the cancel stays shared: the report says so, with the space
    // measured as after a whole run, rather than an error that would hide it.
    if (shared < groups.length) report.cancelled = { groupsDone: shared, groups: groups.length, countsAtLeast: !handedBack };
  }
  const later: { path: string; freeBefore: bigint }[] = [];
  let settled = 0n;
  for (const [id, f] of probeByFs) {
    const freed = (await f.backend.freeBytesSynced(f.path)) - before.get(id)!;
    report.freed += freed;
    // Linux: final after syncfs; elsewhere the server may count it at its next commit
    if (f.backend.name === 'linux') settled += freed;
    else later.push({ path: f.path, freeBefore: before.get(id)! });
  }
  if (later.length > 0) report.remeasure = { settled, volumes: later };
  if ([...backendOf.values()].some((b) => b.name !== 'linux'))
    report.notes.push(
      'NT / SMB: every range was read and compared with the handles open without FILE_SHARE_WRITE, then cloned (FSCTL_DUPLICATE_EXTENTS_TO_FILE); the server may count the space freed only once its file system commits (btrfs: up to 30 s).',
    );
  report.durationMs = Math.round((performance.now() - t0) * 1000) / 1000;
  return report;
}

/** What sharing one group did (summed into the report; crosses back from a pool thread). */
export interface GroupTally {
  deduped: bigint;
  alreadyShared: bigint;
  differed: number;
  calls: number;
  skipped: DedupeSkipped[];
  /** A cancel stopped the group part way: the counts are of the calls it made. */
  cut?: boolean;
}

const emptyTally = (): GroupTally => ({ deduped: 0n, alreadyShared: 0n, differed: 0, calls: 0, skipped: [] });

/** The bytes a group's calls cover: its length once per destination not already sharing the source's blocks. */
const bytesOf = (g: DedupeGroup): bigint => g.length * BigInt(g.ranges.slice(1).filter((r) => !r.alreadyShared).length);

type Dedupable = Required<Pick<ExtendedBackend, 'dedupeRange' | 'dedupeSupport' | 'freeBytesSynced'>> & ExtendedBackend;

/**
 * A batch of local groups, shared in this thread, one tally each: a pool thread's job
 * (dedupe-pool.ts, worker.ts) and the calling thread's share of it.
 */
export async function applyBatch(
  groups: DedupeGroup[],
  ctx: EngineContext,
  backendOf: (g: DedupeGroup) => Dedupable = () => localBackend() as Dedupable,
): Promise<GroupTally[]> {
  const out: GroupTally[] = [];
  for (const g of groups) {
    const t = emptyTally();
    try {
      await applyGroup(backendOf(g), g, ctx, t, () => undefined);
    } catch (e) {
      if (!isCancelled(e)) throw e;
      // Cancelled: the outcomes so far go back (the group in hand marked cut), so the report
      // counts every call made; the pool sees the cancel itself and stops handing out batches.
      t.cut = true;
      out.push(t);
      return out;
    }
    out.push(t);
  }
  return out;
}

/**
 * Share one group's destinations with its source, in calls within the kernel's limits; each
 * destination that differs or fails is noted once and gets no further calls. `sent(bytes)` after
 * each call (progress).
 */
async function applyGroup(b: Dedupable, g: DedupeGroup, ctx: EngineContext, t: GroupTally, sent: (bytes: bigint) => void): Promise<void> {
  ctx.checkCancelled();
  const src = g.ranges[0];
  // Mapped again now: a range that already shares the source's extents (an earlier run, a
  // clone made since the search) needs no call; FIDEDUPERANGE would report it as deduped. Those
  // the plan marks already shared are looked at too, so the report counts their bytes, and get
  // no call whatever the maps say now (the confirmation did not count them).
  let dests = g.ranges.slice(1);
  let srcMap: PackedExtentMap | undefined;
  let sizeOf: Map<string, bigint> | undefined;
  try {
    ({ dests, srcMap, sizeOf } = await notYetShared(b, g, dests, t, ctx));
  } catch (e) {
    if (isCancelled(e)) throw e;
    // the maps are only an optimisation: without them every range goes to the kernel
  }
  dests = dests.filter((r) => !r.alreadyShared);
  if (dests.length === 0) return;
  /** Destinations still in play (one that differed or failed gets no further calls). */
  const live = new Set(dests.map((_, i) => i));
  const noted = new Set<number>();
  const note = (i: number, s: DedupeSkipped): void => {
    live.delete(i);
    if (noted.has(i)) return;
    noted.add(i);
    t.skipped.push(s);
    if (s.reason === 'differs' || s.reason === 'E_CHANGED') t.differed++; // changed since the scan either way
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
          // The call as a whole failed (the source is gone or unreadable since the scan): this
          // group's destinations are left alone and reported; the other groups go on.
          if (isCancelled(e)) throw e;
          for (const i of batch) note(i, skippedOf(dests[i].path, dests[i].offset, g.length, e));
          continue;
        }
        t.calls++;
        out.forEach((o, j) => {
          const i = batch[j];
          t.deduped += o.bytes;
          if (o.status === 'same') return;
          note(i, {
            path: dests[i].path,
            offset: dests[i].offset,
            length: g.length,
            reason: o.status,
            message:
              o.status === 'differs'
                ? `${dests[i].path} at ${dests[i].offset + (at - src.offset)}: the bytes differ from ${src.path}'s (changed since the scan); left alone (FILE_DEDUPE_RANGE_DIFFERS).`
                : (o.message ?? o.status),
          });
        });
        sent(len * BigInt(batch.length));
      }
    }
}

/** The ranges of `dests` whose data is not already at the source's physical place; the others' data bytes go to report.alreadyShared. */
async function notYetShared(
  b: ExtendedBackend,
  g: DedupeGroup,
  dests: DedupeRange[],
  t: GroupTally,
  ctx: EngineContext,
): Promise<{ dests: DedupeRange[]; srcMap: PackedExtentMap; sizeOf: Map<string, bigint> }> {
  const facts = { filesystem: '', fsKey: '', blockSize: 0 };
  const maps = new Map<string, FileData>();
  const sizeOf = new Map<string, bigint>();
  const dataOf = async (p: string, given?: PackedExtentMap): Promise<FileData> => {
    let f = maps.get(p);
    if (!f) {
      const m = given ?? (await wholeMap(b, p, ctx));
      sizeOf.set(p, m.size);
      maps.set(p, (f = fileDataOf(p, m, facts)));
    }
    return f;
  };
  const srcMap = await wholeMap(b, g.ranges[0].path, ctx);
  const src = await dataOf(g.ranges[0].path, srcMap);
  const out: DedupeRange[] = [];
  for (const d of dests) {
    const { data, same } = sharedWithSource(src, g.ranges[0].offset, await dataOf(d.path), d.offset, g.length);
    if (data > 0n && same === data) t.alreadyShared += data;
    else out.push(d);
  }
  return { dests: out, srcMap, sizeOf };
}

function skippedOf(path: string, offset: bigint, length: bigint, e: unknown): DedupeSkipped {
  const code = (e as { code?: string }).code ?? 'EIO';
  return { path, offset, length, reason: code, message: (e as Error).message };
}

const MAX_OFF = (1n << 63n) - 1n;

/** A plan may have crossed threads or come from a view: its shape is checked before any call. */
function checkPlan(plan: DedupePlan): void {
  const bad = (why: string): never => {
    throw new FsctlError({
      operation: 'dedupe',
      code: 'E_BAD_INPUT',
      paths: [],
      message: `dedupe: the plan is malformed: ${why} (E_BAD_INPUT).`,
    });
  };
  if (!plan || !Array.isArray(plan.groups) || typeof plan.total?.netSaving !== 'bigint') bad('no groups or total');
  for (const g of plan.groups) {
    if (typeof g.length !== 'bigint' || g.length <= 0n || g.length > MAX_OFF) bad(`a group's length is not a positive bigint`);
    if (typeof g.netSaving !== 'bigint' || !Array.isArray(g.ranges)) bad('a group without netSaving or ranges');
    for (const r of g.ranges)
      if (typeof r?.path !== 'string' || typeof r.offset !== 'bigint' || r.offset < 0n || r.offset + g.length > MAX_OFF)
        bad(`a range needs a path and a bigint offset from 0 to 2^63-1 - length`);
  }
}
