// Finding duplicate data (engine.findDuplicates): walk the selection (walk.ts, or the backend's
// own walk of a folder), mapping every candidate file as it goes (the engine map format), hash
// only its allocated data in fixed aligned chunks, and group identical ranges: whole files
// first, then chunks. What sharing a group would free
// is computed from the physical offsets in dedupe-saving.ts. Definitions: docs/ENGINE.md,
// "Deduplication".
//
// Cheap rejections before any byte is read: files below minSize; files smaller than one chunk
// whose size no other file on their file system has (they can match only as whole files);
// holes (a chunk that is a hole is never read, and a hole never equals data, so sharing can
// never allocate a hole). The chunk keys and the choice of xxHash128: dedupe-hash.ts.

import type { ExtendedBackend, SpaceSink } from './backend-ext';
import type { EngineContext } from './context';
import type { DedupeError, DedupeFindOptions, DedupeGroup, DedupePlan } from './dedupe-types';
import { fileDataOf, fragmentationWarnings, groupSaving, partialExtentWarnings, sharedBlockSavings, type FileData } from './dedupe-saving';
import { nodeFsError } from './errno';
import { FsctlError, isCancelled } from './errors';
import { backendReader, hashBatch, hashFile, localReader, type Hashed, type HashOutcome } from './dedupe-hash';
import { POOL_MIN_BYTES, poolSize, startPool, type WorkPool } from './dedupe-pool';
import { packExtents, type PackedExtentMap } from './map-format';
import { isSmbPath } from './smb-path';
import { fileSystemKey } from './space-fs';
import { FilesMet, notRegularPathError, pathError, walkSelection } from './walk';

export const DEFAULT_DEDUPE_CHUNK = 128n * 1024n;
export const DEFAULT_DEDUPE_MIN_SIZE = 4096n;

interface FsFacts {
  key: string;
  filesystem: string;
  blockSize: number;
}

async function mapOf(b: ExtendedBackend, p: string, ctx: EngineContext): Promise<PackedExtentMap> {
  if (b.extentMapPacked) return b.extentMapPacked(p, undefined, ctx);
  const { extents, ...rest } = await b.extentMap(p, undefined, ctx);
  return { ...rest, packed: packExtents(extents) };
}

export async function findDuplicates(
  resolve: (p: string) => Promise<ExtendedBackend>,
  paths: string[],
  ctx: EngineContext,
  opts: DedupeFindOptions = {},
): Promise<DedupePlan> {
  const t0 = performance.now();
  const chunk = opts.chunk ?? DEFAULT_DEDUPE_CHUNK;
  const minSize = opts.minSize ?? DEFAULT_DEDUPE_MIN_SIZE;
  if (typeof chunk !== 'bigint' || chunk <= 0n || chunk > 1n << 30n)
    throw new FsctlError({
      operation: 'dedupe',
      code: 'E_BAD_INPUT',
      paths,
      message: `dedupe: the chunk size ${String(chunk)} must be between 1 byte and 1 GiB (a multiple of the block size) (E_BAD_INPUT).`,
    });
  const errors: DedupeError[] = [];
  const misaligned = (p: string, filesystem: string, blockSize: number): FsctlError =>
    new FsctlError({
      operation: 'dedupe',
      code: 'E_MISALIGNED',
      paths: [p],
      message: `dedupe: the chunk size ${chunk} is not a multiple of the block size of ${filesystem} (${blockSize} bytes) holding ${p}; choose a multiple such as ${blockSize * 32} (E_MISALIGNED).`,
    });
  const notes: string[] = [];
  const fsByDev = new Map<bigint, FsFacts>();
  let small = 0;

  const files: Hashed[] = [];
  let dataBytes = 0n;
  let hashed = 0n;
  let done = 0;
  const ok = new Set<Hashed>();
  const failed = (f: Hashed, code: string, message: string): void => {
    errors.push({ path: f.path, code, message });
  };
  const report = (): void =>
    ctx.progress({ done: hashed, total: dataBytes, files: done, message: `${done} of ${files.length} files hashed` });
  // Hashing threads start once the walk has found enough local data to be worth them, so they
  // start up while it goes on (~50 ms each).
  const threads = poolSize();
  let pool: WorkPool<Hashed> | undefined;
  let localBytes = 0n;
  const startHashing = (): WorkPool<Hashed> =>
    startPool<Hashed, HashOutcome>({
      job: 'hash',
      threads,
      ctx,
      chunk,
      bytesOf: (f) => f.size,
      here: (batch) => hashBatch(batch, chunk, ctx),
      done: (f, r) => {
        done++;
        if ('read' in r) {
          // the keys made in another thread come back with its reply
          f.chunkKeys = r.chunkKeys;
          f.wholeKey = r.wholeKey;
          hashed += r.read;
          ok.add(f);
        } else failed(f, r.code, r.message);
        report();
      },
    });

  // 1. The walk, mapping as it goes: regular files of at least minSize, each once (local folders
  // and smb:// ones). A named local folder is walked by its backend where it has its own walk
  // (Linux: space-walk.ts, openat/statx/FIEMAP/close per file, as for the space accounting);
  // otherwise walk.ts meets the files and each is mapped through its backend. The maps give the
  // data runs (holes are the gaps) with their physical offsets. Each mapped file of at least one
  // chunk is queued for hashing at once (the threads start once there is enough local data);
  // a smaller one waits for step 2.
  const met = new FilesMet(paths.length > 1);
  let symlinks = 0;
  /** Mapped; its file system's facts are read between the walk's steps (they are async). */
  const mapped: { f: Hashed; dev: bigint }[] = [];
  /** Smaller than one chunk: they can match only a file of their own size (step 2). */
  const held: Hashed[] = [];
  const sizeCount = new Map<string, number>();
  /** Local files queued before the threads started. */
  const unpooled: Hashed[] = [];
  const factsOf = async (p: string, dev: bigint): Promise<FsFacts> => {
    let f = fsByDev.get(dev);
    if (f) return f;
    const b = await resolve(p);
    // over SMB the volume the server reports (its cluster size); locally statfs
    const info = isSmbPath(p) ? await b.volume(p).catch(() => undefined) : b.fsInfo ? await b.fsInfo(p).catch(() => undefined) : undefined;
    f = { key: fileSystemKey(p, dev), filesystem: info?.filesystem ?? 'unknown', blockSize: info?.blockSize ?? 4096 };
    if (chunk % BigInt(f.blockSize) !== 0n) throw misaligned(p, f.filesystem, f.blockSize);
    fsByDev.set(dev, f);
    return f;
  };
  const queue = (f: Hashed): void => {
    files.push(f);
    for (const len of f.len) dataBytes += len;
    if (threads < 2 || isSmbPath(f.path)) return;
    if (pool) return pool.add(f);
    unpooled.push(f);
    if ((localBytes += f.size) < POOL_MIN_BYTES) return;
    pool = startHashing();
    for (const u of unpooled.splice(0)) pool.add(u);
  };
  let lastTurn = performance.now();
  const settleMapped = async (): Promise<void> => {
    for (const { f, dev } of mapped.splice(0)) {
      const facts = await factsOf(f.path, dev);
      f.filesystem = facts.filesystem;
      f.fsKey = facts.key;
      f.blockSize = facts.blockSize;
      const sk = `${facts.key}/${f.size}`;
      sizeCount.set(sk, (sizeCount.get(sk) ?? 0) + 1);
      if (f.size < chunk) held.push(f);
      else queue(f);
    }
    if (!pool)
      ctx.progress({ done: 0n, total: 0n, files: files.length + held.length, message: `${files.length + held.length} files mapped` });
    // Let the event loop turn every few ms so the threads' replies are taken (they get more work).
    await ctx.maybeYield();
    if (pool && performance.now() - lastTurn > 5) {
      await new Promise((r) => setImmediate(r));
      lastTurn = performance.now();
    }
  };
  const unknownFacts = { filesystem: '', fsKey: '', blockSize: 0 };
  const changedError = (p: string, before: bigint, after: bigint): DedupeError => ({
    path: p,
    code: 'E_CHANGED',
    message: `dedupe: ${p} changed during the scan (size ${before}, then ${after}); it was skipped (E_CHANGED).`,
  });
  const sink: SpaceSink = {
    meet(dev, ino, nlink, size) {
      if (!met.meet(dev, ino, nlink)) return false;
      if (size >= minSize && size > 0n) return true;
      small++;
      return false;
    },
    file(p, dev, _ino, size, packed) {
      // the columns are the walk's, reused: fileDataOf copies what it keeps
      mapped.push({ f: { ...fileDataOf(p, { size, packed }, unknownFacts), chunkKeys: [] }, dev });
    },
    changed(p, before, after) {
      const i = mapped.findIndex((m) => m.f.path === p);
      if (i >= 0) mapped.splice(i, 1);
      errors.push(changedError(p, before, after));
    },
    symlink: () => void symlinks++,
    notRegular: (p, kind) => void errors.push(notRegularPathError('dedupe', p, kind)),
    error(p, e) {
      if (isCancelled(e)) throw e;
      errors.push(pathError('dedupe', p, e));
    },
  };
  /** A named local folder its backend walks (true), or undefined where it has no walk of its own. */
  const backendWalk = async (p: string): Promise<boolean> => {
    if (isSmbPath(p)) return false;
    const walk = (await resolve(p)).spaceWalk?.(p, sink, ctx);
    if (!walk) return false;
    try {
      while (!walk.step(256)) await settleMapped();
    } finally {
      walk.close();
    }
    await settleMapped();
    return true;
  };
  let walked: { symlinks: number; hardLinks: number };
  try {
    walked = await walkSelection(
      paths,
      resolve,
      ctx,
      {
        file: async (p, st) => {
          if (st.size < minSize || st.size === 0n) {
            small++;
            return;
          }
          let m: PackedExtentMap;
          try {
            m = await mapOf(await resolve(p), p, ctx);
          } catch (e) {
            if (isCancelled(e)) throw e;
            const x = nodeFsError('dedupe', e, [p]);
            errors.push({ path: p, code: x.code, message: x.message });
            return;
          }
          if (m.size !== st.size) errors.push(changedError(p, st.size, m.size));
          else mapped.push({ f: { ...fileDataOf(p, m, unknownFacts), chunkKeys: [] }, dev: st.dev });
          await settleMapped();
        },
        error: (e) => errors.push(e),
        folder: backendWalk,
      },
      met,
    );

    // 2. Size classes: a file smaller than one chunk can match only a file of its own size.
    for (const f of held) if (sizeCount.get(`${f.fsKey}/${f.size}`)! > 1) queue(f);
  } catch (e) {
    await pool?.stop(); // started during the walk: a misaligned chunk or a cancel ends it
    throw e;
  }
  const unmatched = held.filter((f) => sizeCount.get(`${f.fsKey}/${f.size}`)! < 2).length;

  try {
    // 3. Hash the data of every chunk (never a hole): what the threads have not done yet, with
    // the calling thread's help; smb:// files here.
    await pool?.finish();
    for (const f of files) {
      if (pool && !isSmbPath(f.path)) continue;
      ctx.checkCancelled();
      await ctx.maybeYield();
      try {
        const reader = isSmbPath(f.path) ? await backendReader(await resolve(f.path), f) : localReader(f);
        hashed += await hashFile(f, reader, chunk, ctx, report);
        ok.add(f);
      } catch (e) {
        if (isCancelled(e)) throw e;
        const x = e instanceof FsctlError ? e : nodeFsError('dedupe', e, [f.path]);
        failed(f, x.code, x.message);
      }
      done++;
      report();
    }
  } finally {
    await pool?.stop();
  }
  const usable = files.filter((f) => ok.has(f));

  // 4. Whole files first (same size class, same chunk keys), then the remaining chunks.
  const groups: DedupeGroup[] = [];
  const members = new Map<string, Hashed[]>();
  for (const f of usable) {
    if (!f.wholeKey || sizeCount.get(`${f.fsKey}/${f.size}`)! < 2) continue;
    const list = members.get(f.wholeKey) ?? [];
    list.push(f);
    members.set(f.wholeKey, list);
  }
  const wholeRanges: { files: Hashed[]; offsets: bigint[]; length: bigint; whole: boolean }[] = [];
  /** Files whose every chunk is already in a whole-file group as a destination. */
  const covered = new Set<Hashed>();
  for (const list of members.values()) {
    if (list.length < 2) continue;
    wholeRanges.push({ files: list, offsets: list.map(() => 0n), length: list[0].size, whole: true });
    for (let i = 1; i < list.length; i++) covered.add(list[i]);
  }
  const byChunk = new Map<string, { file: Hashed; offset: bigint }[]>();
  for (const f of usable) {
    if (covered.has(f)) continue;
    f.chunkKeys.forEach((key, i) => {
      if (key === undefined) return;
      const k = `${f.fsKey}/${key}`;
      const list = byChunk.get(k);
      const entry = { file: f, offset: BigInt(i) * chunk };
      if (list) list.push(entry);
      else byChunk.set(k, [entry]);
    });
  }
  const chunkRanges = mergeAdjacent(
    [...byChunk.values()]
      .filter((l) => l.length > 1)
      .map((l) => ({
        files: l.map((e) => e.file),
        offsets: l.map((e) => e.offset),
        length: chunkLength(l[0].file, l[0].offset, chunk),
        whole: false,
      })),
    chunk,
  );
  for (const r of [...wholeRanges, ...chunkRanges]) groups.push(groupSaving(r.files, r.offsets, r.length, r.whole));
  const byPath = new Map(usable.map((f) => [f.path, f]));
  sharedBlockSavings(groups, byPath);
  partialExtentWarnings(groups, byPath);
  fragmentationWarnings(groups);

  groups.sort((a, b) =>
    a.netSaving !== b.netSaving ? (b.netSaving > a.netSaving ? 1 : -1) : b.length > a.length ? 1 : b.length < a.length ? -1 : 0,
  );
  let candidateBytes = 0n;
  let netSaving = 0n;
  for (const g of groups) {
    candidateBytes += g.candidateBytes;
    netSaving += g.netSaving;
  }
  // Notes are read in the view as well as the CLI: no flag names, no raw byte counts (the totals have them).
  if (small > 0) notes.push(`${small} file${small === 1 ? ' was' : 's were'} smaller than the minimum size and not examined.`);
  if (unmatched > 0)
    notes.push(`${unmatched} file${unmatched === 1 ? '' : 's'} smaller than one chunk had no other file of the same size: not read.`);
  symlinks += walked.symlinks;
  if (symlinks > 0) notes.push(`${symlinks} symbolic link${symlinks === 1 ? ' was' : 's were'} not followed.`);
  if (walked.hardLinks > 0)
    notes.push(
      `${walked.hardLinks} hard link${walked.hardLinks === 1 ? '' : 's'} to files already examined ${walked.hardLinks === 1 ? 'was' : 'were'} skipped.`,
    );
  if (usable.some((f) => f.phys.some((p) => p < 0n)))
    notes.push('Some files have no physical offsets in their maps (tmpfs, SMB): their saving is counted in full, an upper bound.');
  notes.push(
    'Only data was read and hashed (xxHash128, in aligned chunks: candidates only, every range is compared byte for byte before it is shared): holes and unwritten (preallocated) extents were not.',
  );
  const cannotApply = await probeDedupe(resolve, groups, byPath);
  return {
    groups,
    total: { groups: groups.length, candidateBytes, netSaving, files: usable.length, hashedBytes: hashed },
    errors,
    ...(cannotApply.length > 0 ? { cannotApply } : {}),
    notes,
    durationMs: Math.round((performance.now() - t0) * 1000) / 1000,
  };
}

/**
 * Whether each file system holding a group can dedupe: the probe engine.dedupe makes before any
 * change (dedupeSupport: FIDEDUPERANGE with no destinations), made here so the plan can say so
 * before anyone is asked to confirm. One entry per file system that cannot, saying what to do.
 */
async function probeDedupe(
  resolve: (p: string) => Promise<ExtendedBackend>,
  groups: DedupeGroup[],
  byPath: Map<string, FileData>,
): Promise<DedupeError[]> {
  const out: DedupeError[] = [];
  const probed = new Set<string>();
  for (const g of groups) {
    const f = byPath.get(g.ranges[0].path);
    if (!f || probed.has(f.fsKey)) continue;
    probed.add(f.fsKey);
    const fsName = f.filesystem === 'unknown' ? 'This file system' : f.filesystem;
    const b = await resolve(f.path);
    if (!b.dedupeSupport || !b.dedupeRange) {
      out.push({
        path: f.path,
        code: 'EOPNOTSUPP',
        message:
          process.platform === 'darwin'
            ? 'macOS has no call that compares and shares ranges of existing files, so nothing can be deduplicated here (EOPNOTSUPP).'
            : `${fsName} cannot share blocks here (${b.name} has no compare-and-share call) (EOPNOTSUPP).`,
      });
      continue;
    }
    try {
      await b.dedupeSupport(f.path);
    } catch (e) {
      if (isCancelled(e)) throw e;
      const x = e instanceof FsctlError ? e : nodeFsError('dedupe', e, [f.path]);
      out.push({
        path: f.path,
        code: x.code,
        message:
          x.code === 'EOPNOTSUPP' || x.code === 'EINVAL' || x.code === 'ENOTTY'
            ? `${fsName} cannot share blocks (${x.code}): use btrfs, or XFS made with reflink=1 (over SMB: a share on one of those).`
            : x.message,
      });
    }
  }
  return out;
}

/** The length of the chunk at `offset` of `f` (the last one may be short). */
function chunkLength(f: FileData, offset: bigint, chunk: bigint): bigint {
  return f.size - offset < chunk ? f.size - offset : chunk;
}

interface RangeSet {
  files: Hashed[];
  offsets: bigint[];
  length: bigint;
  whole: boolean;
}

/**
 * Join chunk groups that continue one another in every file (the same files, each next range
 * right after the previous one), so a run of equal chunks becomes one range: fewer calls, and
 * whole extents shared rather than pieces of them.
 */
function mergeAdjacent(sets: RangeSet[], chunk: bigint): RangeSet[] {
  const at = (f: Hashed, o: bigint): string => `${f.path}\0${o}`;
  for (const s of sets) {
    const order = s.files
      .map((_, i) => i)
      .sort((a, b) =>
        s.files[a].path < s.files[b].path ? -1 : s.files[a].path > s.files[b].path ? 1 : s.offsets[a] < s.offsets[b] ? -1 : 1,
      );
    s.files = order.map((i) => s.files[i]);
    s.offsets = order.map((i) => s.offsets[i]);
  }
  const byFirst = new Map<string, RangeSet>();
  for (const s of sets) byFirst.set(at(s.files[0], s.offsets[0]), s);
  const gone = new Set<RangeSet>();
  const ordered = [...sets].sort((a, b) =>
    a.files[0].path < b.files[0].path ? -1 : a.files[0].path > b.files[0].path ? 1 : a.offsets[0] < b.offsets[0] ? -1 : 1,
  );
  for (const s of ordered) {
    if (gone.has(s)) continue;
    for (;;) {
      if (s.length % chunk !== 0n) break; // a file's short last chunk ends the run
      const next = byFirst.get(at(s.files[0], s.offsets[0] + s.length));
      if (!next || next === s || gone.has(next) || next.files.length !== s.files.length) break;
      const fits = next.files.every((f, i) => f === s.files[i] && next.offsets[i] === s.offsets[i] + s.length);
      // Ranges of one file must not come to overlap.
      const grown = s.length + next.length;
      const overlaps = s.files.some((f, i) => i > 0 && f === s.files[i - 1] && s.offsets[i - 1] + grown > s.offsets[i]);
      if (!fits || overlaps) break;
      s.length = grown;
      gone.add(next);
    }
  }
  return sets.filter((s) => !gone.has(s));
}
