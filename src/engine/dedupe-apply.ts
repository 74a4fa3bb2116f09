// Applying a dedupe plan (engine.dedupe). Linux: FIDEDUPERANGE through the backend's dedupeRange,
// where the kernel compares the bytes and shares them only if equal, atomically per call; a range
// that changed since the scan comes back "differs" and is left alone (one group's sharing:
// dedupe-apply-group.ts). Groups on a file system that cannot dedupe at all (ext4, tmpfs) are left
// alone, with a note; a plan with nothing else to share is refused by name before any change.
// Large plans are shared on dedupe-pool.ts's threads; a cancel stops them between calls and the
// report says what was done. The space freed is measured from the file systems' own free-block
// counts, after syncfs, before and after.

import type { ExtendedBackend } from './backend-ext';
import type { EngineContext } from './context';
import { isApplied, type DedupeGroup, type DedupePlan, type DedupeReport } from './dedupe-types';
import { applyGroup, emptyTally, type Dedupable, type GroupTally } from './dedupe-apply-group';
import { applyOrder } from './dedupe-order';
import { FsctlError, isCancelled, resaid } from './errors';
import { nodeFsError } from './errno';
import { POOL_MIN_BYTES, poolSize, startPool } from './dedupe-pool';
import { localBackend } from './select-backend';
import { isSmbPath } from './smb-path';
import { fileSystemKey } from './space-fs';

/** A probe's file that is no longer there to probe with (not a verdict on the file system). */
const GONE = new Set(['ENOENT', 'ENOTDIR', 'EISDIR', 'E_NOT_REGULAR', 'STATUS_OBJECT_NAME_NOT_FOUND', 'STATUS_OBJECT_PATH_NOT_FOUND']);

export async function applyDedupe(
  resolve: (p: string) => Promise<ExtendedBackend>,
  plan: DedupePlan,
  ctx: EngineContext,
): Promise<DedupeReport> {
  const t0 = performance.now();
  checkPlan(plan);
  // Groups that would free nothing are not applied: already shared, or (btrfs) only parts of
  // extents, whose sharing leaves the rest of each extent allocated (it could only fragment).
  const groups = plan.groups.filter(isApplied);
  // (those on a file system that cannot share have a note of their own below)
  const idle = plan.groups.filter((g) => !isApplied(g) && g.cannotShare === undefined).length;
  const report: DedupeReport = {
    deduped: 0n,
    alreadyShared: 0n,
    differed: 0,
    skipped: [],
    calls: 0,
    freed: 0n,
    estimated: plan.total.netSaving,
    estimatedMin: plan.total.netSavingMin ?? plan.total.netSaving,
    method: 'none', // until a group is applied: nothing was sent
    notes: [],
    durationMs: 0,
  };
  // a group left alone because every copy already shares the source's blocks: its bytes are already shared too
  for (const g of plan.groups)
    if (!isApplied(g) && g.ranges.length > 1 && g.ranges.slice(1).every((r) => r.alreadyShared)) report.alreadyShared += g.candidateBytes;
  if (idle > 0)
    report.notes.push(
      `${idle} group${idle === 1 ? '' : 's'} with no net saving (already shared, or parts of extents) ${idle === 1 ? 'was' : 'were'} left alone.`,
    );
  // Groups the search found on a file system that cannot share (their saving is 0, so none is
  // applied): next to groups that can be shared, a note; alone, they are probed again, so such a
  // plan is refused by name rather than run as having nothing to do.
  const unshareable = plan.groups.filter((g) => g.cannotShare !== undefined && !isApplied(g));
  if (groups.length > 0 && unshareable.length > 0)
    for (const why of new Set(unshareable.map((g) => g.cannotShare!))) {
      const n = unshareable.filter((g) => g.cannotShare === why).length;
      report.notes.push(
        `${n} group${n === 1 ? '' : 's'} on a file system that cannot share blocks ${n === 1 ? 'was' : 'were'} left alone: ${why}`,
      );
    }
  if (groups.length === 0 && unshareable.length === 0) {
    report.durationMs = Math.round(performance.now() - t0);
    return report;
  }
  // Up front, per file system (one source file of each): can it dedupe at all? Refuse before any change.
  const backendOf = new Map<DedupeGroup, Dedupable>();
  const probeByFs = new Map<string, { path: string; backend: Dedupable }>();
  const keyOfVolume = new Map<string, string>();
  for (const g of groups.length > 0 ? groups : unshareable) {
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
    if (isApplied(g)) backendOf.set(g, b as Dedupable);
    const info = await b.stat?.(p).catch((e: unknown) => {
      throw unchanged(e, p);
    });
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
      throw unchanged(e, p);
    }
    probeByFs.set(fsId, { path: p, backend: b as Dedupable });
  }
  if (groups.length === 0) {
    // (the file systems the search found unable to share can, now: nothing of theirs is applied all the same)
    report.durationMs = Math.round(performance.now() - t0);
    return report;
  }
  const methods = new Set(
    [...backendOf.values()].map((b) => (b.name === 'linux' ? 'FIDEDUPERANGE' : 'FSCTL_DUPLICATE_EXTENTS_TO_FILE (verified)')),
  );
  report.method = [...methods].join(' + ');
  const before = new Map<string, bigint>();
  for (const [id, f] of probeByFs)
    try {
      before.set(id, await f.backend.freeBytesSynced(f.path));
    } catch (e) {
      throw unchanged(e, f.path);
    }
  // what "freed" is said to depend on is each file system's own metadata: named (not "XFS" on btrfs)
  const names = await Promise.all(
    [...probeByFs.values()].map((f) =>
      f.backend.fsInfo?.(f.path).then(
        (i) => i.filesystem,
        () => undefined,
      ),
    ),
  );
  report.fileSystems = [...new Set(names.filter((n): n is string => n !== undefined))];

  const total = groups.reduce((t, g) => t + bytesOf(g), 0n);
  let done = 0n;
  let shared = 0;
  const add = (t: GroupTally): void => {
    report.deduped += t.deduped;
    report.alreadyShared += t.alreadyShared;
    report.differed += t.differed;
    report.calls += t.calls;
    report.skipped.push(...t.skipped);
    for (const p of t.markedSparse ?? []) markedSparse.add(p);
  };
  const markedSparse = new Set<string>();
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
  let inFlightUnknown = false;
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
      } catch (e) {
        // Over SMB a cancel stops the request in flight (SMB2 CANCEL), which the server may have
        // done already: what it shared then is not in the tally, so the counts are lower bounds.
        if (isCancelled(e) && isSmbPath(g.ranges[0].path)) inFlightUnknown = true;
        throw e;
      } finally {
        add(t); // a cancel inside the group: its calls made so far still count
      }
      shared++;
      progress(0n);
    }
  } catch (e) {
    if (!isCancelled(e)) throw e;
  }
  // Only a cancel leaves a group untried (a pool thread's last group cut short ends the pool
  // without an error). What was shared before it stays shared: the report says so, with the
  // space measured as after a whole run, rather than an error that would hide it.
  if (shared < groups.length)
    report.cancelled = { groupsDone: shared, groups: groups.length, countsAtLeast: !handedBack || inFlightUnknown };
  const later: { path: string; freeBefore: bigint }[] = [];
  let settled = 0n;
  for (const [id, f] of probeByFs) {
    let after: bigint;
    try {
      after = await f.backend.freeBytesSynced(f.path);
    } catch (e) {
      throw unmeasured(e, report);
    }
    const freed = after - before.get(id)!;
    report.freed += freed;
    // Linux: final after syncfs; elsewhere the server may count it at its next commit
    if (f.backend.name === 'linux') settled += freed;
    else later.push({ path: f.path, freeBefore: before.get(id)! });
  }
  if (later.length > 0) report.remeasure = { settled, volumes: later };
  if ([...backendOf.values()].some((b) => b.name !== 'linux'))
    report.notes.push(
      'NT / SMB: every range was compared with the handles open without FILE_SHARE_WRITE, then cloned (FSCTL_DUPLICATE_EXTENTS_TO_FILE) and read back, 1 MiB at a time (Samba holds off other SMB clients that way, not programs on the server itself); the server may count the space freed only once its file system commits (btrfs: up to 30 s).',
    );
  if (markedSparse.size > 0) {
    const n = markedSparse.size;
    report.notes.push(
      `${n} destination file${n === 1 ? ' was' : 's were'} marked sparse before sharing, like ${n === 1 ? 'its' : 'their'} source ` +
        `(a server clones a sparse file's blocks only into a sparse file; the data is unchanged): ${[...markedSparse].slice(0, 5).join(', ')}` +
        (n > 5 ? `, and ${n - 5} more` : '') +
        '.',
    );
  }
  report.durationMs = Math.round((performance.now() - t0) * 1000) / 1000;
  return report;
}

/**
 * The free space could not be measured after sharing (an SMB server that went away mid-run: each
 * group left after it failed and was noted, then so did the measurement). The error says so, and
 * what was shared before it, which stays shared: the report itself cannot be given without the
 * figure it exists for.
 */
function unmeasured(e: unknown, report: DedupeReport): unknown {
  if (isCancelled(e) || !(e instanceof FsctlError) || report.deduped === 0n) return e;
  const calls = `${report.calls} call${report.calls === 1 ? '' : 's'}`;
  // What stopped the sharing comes first: a trial's smbd, stopped mid-run, dropped the connection
  // under a range (noted with it), and the measurement's reconnect then met only the refusal, so
  // the error read "Nothing accepts SMB connections … check the host and port" alone.
  const cut = report.skipped.find((s) => DROPPED.has(s.reason) && s.reason !== e.code);
  const first = cut ? `Sharing stopped at ${cut.path}: ${cut.message} Then measuring the free space failed: ` : '';
  return resaid(e, {
    message: `${first}${e.message} Before that, ${report.deduped} bytes were shared in ${calls}; what was shared stays shared and every file reads as before. The space freed was not measured. Run dedupe again to share the rest.`,
  });
}

/** A connection that went away under a request (the server stopped, restarted or became unreachable). */
const DROPPED: ReadonlySet<string> = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'ETIMEDOUT']);

/** The bytes a group's calls cover: its length once per destination not already sharing the source's blocks. */
const bytesOf = (g: DedupeGroup): bigint => g.length * BigInt(g.ranges.slice(1).filter((r) => !r.alreadyShared).length);

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

/**
 * A failure before any range was shared (the probe of a file system, the free space before):
 * named by the one path it failed on (a raw OS error would otherwise name every group's source,
 * thousands of them in a trial's EIO after an XFS shutdown), saying that nothing was changed.
 */
function unchanged(e: unknown, p: string): unknown {
  if (isCancelled(e)) return e;
  const f = e instanceof FsctlError ? e : nodeFsError('dedupe', e, [p]);
  if (/nothing was (changed|shared)/i.test(f.message)) return f;
  return resaid(f, { message: `${f.message.replace(/\.$/, '')}; nothing was shared: no file was changed.` });
}
