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

import type { ExtendedBackend } from './backend-ext';
import type { EngineContext } from './context';
import type { DedupeGroup, DedupePlan, DedupeRange, DedupeReport, DedupeSkipped } from './dedupe-types';
import { fileDataOf, sharedWithSource, type FileData } from './dedupe-saving';
import { FsctlError, isCancelled } from './errors';
import { EXTENT_FLAG, packExtents, type PackedExtentMap } from './map-format';
import { isSmbPath } from './smb-path';
import { fileSystemKey } from './space-fs';
import type { ByteRange } from './types';

export const DEDUPE_MAX_LENGTH = 16n << 20n;
export const DEDUPE_MAX_DESTS = 120;

async function mapOf(b: ExtendedBackend, p: string, ctx: EngineContext): Promise<PackedExtentMap> {
  if (b.extentMapPacked) return b.extentMapPacked(p, undefined, ctx);
  const { extents, ...rest } = await b.extentMap(p, undefined, ctx);
  return { ...rest, packed: packExtents(extents) };
}

/**
 * The parts of a whole-file group worth sending: the source's data runs, widened to whole
 * blocks (holes are equal in every member by construction and sharing them gains nothing).
 */
async function dataSpans(b: ExtendedBackend, g: DedupeGroup, ctx: EngineContext): Promise<ByteRange[]> {
  const src = g.ranges[0].path;
  if (!g.wholeFiles) return [{ offset: g.ranges[0].offset, length: g.length }];
  const m = await mapOf(b, src, ctx);
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
  type Dedupable = Required<Pick<ExtendedBackend, 'dedupeRange' | 'dedupeSupport' | 'freeBytesSynced'>> & ExtendedBackend;
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
    const vol = (await b.stat?.(p))?.volumeId;
    // One file system key per volume id (btrfs's reads /proc/self/mountinfo: once, not per group).
    let fsId = vol === undefined ? p : keyOfVolume.get(vol);
    if (fsId === undefined) keyOfVolume.set(vol!, (fsId = isSmbPath(p) ? vol! : fileSystemKey(p, BigInt(vol!))));
    if (probeByFs.has(fsId)) continue;
    probeByFs.set(fsId, { path: p, backend: b as Dedupable });
    await b.dedupeSupport(p);
  }
  const methods = new Set(
    [...backendOf.values()].map((b) => (b.name === 'linux' ? 'FIDEDUPERANGE' : 'FSCTL_DUPLICATE_EXTENTS_TO_FILE (verified)')),
  );
  report.method = [...methods].join(' + ');
  const before = new Map<string, bigint>();
  for (const [id, f] of probeByFs) before.set(id, await f.backend.freeBytesSynced(f.path));

  const total = groups.reduce((t, g) => t + g.length * BigInt(g.ranges.length - 1), 0n);
  let done = 0n;
  let shared = 0;
  try {
    for (const g of groups) {
      ctx.checkCancelled();
      const src = g.ranges[0];
      let dests = g.ranges.slice(1).filter((r) => !r.alreadyShared);
      // Mapped again now: a range that already shares the source's extents (an earlier run, a
      // clone made since the search) needs no call; FIDEDUPERANGE would report it as deduped.
      try {
        dests = await notYetShared(backendOf.get(g)!, g, dests, report, ctx);
      } catch (e) {
        if (isCancelled(e)) throw e;
        // the maps are only an optimisation: without them every range goes to the kernel
      }
      if (dests.length === 0) continue;
      /** Destinations still in play (one that differed or failed gets no further calls). */
      const live = new Set(dests.map((_, i) => i));
      const noted = new Set<number>();
      const note = (i: number, s: DedupeSkipped): void => {
        if (noted.has(i)) return;
        noted.add(i);
        report.skipped.push(s);
        if (s.reason === 'differs') report.differed++;
      };
      let spans: ByteRange[];
      try {
        spans = await dataSpans(backendOf.get(g)!, g, ctx);
      } catch (e) {
        if (isCancelled(e)) throw e;
        for (let i = 0; i < dests.length; i++) note(i, skippedOf(dests[i].path, dests[i].offset, g.length, e));
        continue;
      }
      for (const span of spans)
        for (let at = span.offset; at < span.offset + span.length; at += DEDUPE_MAX_LENGTH) {
          const rest = span.offset + span.length - at;
          const len = rest < DEDUPE_MAX_LENGTH ? rest : DEDUPE_MAX_LENGTH;
          const idx = [...live];
          for (let k = 0; k < idx.length; k += DEDUPE_MAX_DESTS) {
            ctx.checkCancelled();
            const batch = idx.slice(k, k + DEDUPE_MAX_DESTS);
            const out = await backendOf.get(g)!.dedupeRange(
              src.path,
              src.offset + (at - g.ranges[0].offset),
              len,
              batch.map((i) => ({ path: dests[i].path, offset: dests[i].offset + (at - src.offset) })),
              ctx,
            );
            report.calls++;
            out.forEach((o, j) => {
              const i = batch[j];
              report.deduped += o.bytes;
              if (o.status === 'same') return;
              live.delete(i);
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
            done += len * BigInt(batch.length);
            ctx.progress({ done, total, files: shared, message: `${report.deduped} bytes shared` });
          }
        }
      shared++;
    }
  } catch (e) {
    if (!isCancelled(e)) throw e;
    throw new FsctlError({
      operation: 'dedupe',
      code: 'E_CANCELLED',
      paths: plan.groups[0]?.ranges.map((r) => r.path).slice(0, 1) ?? [],
      message: `dedupe: cancelled after ${report.calls} calls (${report.deduped} bytes already shared); every file still reads exactly as before (E_CANCELLED).`,
    });
  }
  for (const [id, f] of probeByFs) report.freed += (await f.backend.freeBytesSynced(f.path)) - before.get(id)!;
  if ([...backendOf.values()].some((b) => b.name !== 'linux'))
    report.notes.push(
      'NT / SMB: every range was read and compared with the handles open without FILE_SHARE_WRITE, then cloned (FSCTL_DUPLICATE_EXTENTS_TO_FILE); the server may count the space freed only once its file system commits (btrfs: up to 30 s).',
    );
  report.durationMs = Math.round((performance.now() - t0) * 1000) / 1000;
  return report;
}

/** The ranges of `dests` whose data is not already at the source's physical place; the others' data bytes go to report.alreadyShared. */
async function notYetShared(
  b: ExtendedBackend,
  g: DedupeGroup,
  dests: DedupeRange[],
  report: DedupeReport,
  ctx: EngineContext,
): Promise<DedupeRange[]> {
  const facts = { filesystem: '', fsKey: '', blockSize: 0 };
  const maps = new Map<string, FileData>();
  const dataOf = async (p: string): Promise<FileData> => {
    let f = maps.get(p);
    if (!f) maps.set(p, (f = fileDataOf(p, await mapOf(b, p, ctx), facts)));
    return f;
  };
  const src = await dataOf(g.ranges[0].path);
  const out: DedupeRange[] = [];
  for (const d of dests) {
    const { data, same } = sharedWithSource(src, g.ranges[0].offset, await dataOf(d.path), d.offset, g.length);
    if (data > 0n && same === data) report.alreadyShared += data;
    else out.push(d);
  }
  return out;
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
