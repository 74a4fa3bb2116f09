// Finding duplicate data (engine.findDuplicates): walk the selection, mapping every candidate
// file as it goes (dedupe-walk.ts), hash only its allocated data in fixed aligned chunks, and
// group identical ranges: whole files first, then chunks. What sharing a group would free is
// computed from the physical offsets in dedupe-saving.ts. Definitions: docs/ENGINE.md,
// "Deduplication".
//
// Cheap rejections before any byte is read: files below minSize; files smaller than one chunk
// whose size no other file on their file system has (they can match only as whole files);
// holes (a chunk that is a hole is never read, and a hole never equals data, so sharing can
// never allocate a hole). The chunk keys and the choice of xxHash128: dedupe-hash.ts.

import type { ExtendedBackend } from './backend-ext';
import type { EngineContext } from './context';
import { groupTotals, lockedInAdvice, type DedupeError, type DedupeFindOptions, type DedupeGroup, type DedupePlan } from './dedupe-types';
import { fragmentationWarnings, sharedBlockSavings } from './dedupe-saving';
import { dataBytesOf } from './dedupe-file-data';
import { countPlacesOnce } from './dedupe-counted-once';
import { LeftOut } from './dedupe-left-out';
import { partialExtentWarnings } from './dedupe-extents';
import { smallerChunkNote } from './dedupe-continued';
import { bookendGains, compressedSavings, wantsExtentItems } from './dedupe-extent-sizes';
import { heldOutsideOf, NO_OWNERS, ownerLookups } from './dedupe-owners';
import { formGroups, sourceNotHeld } from './dedupe-form-groups';
import { nodeFsError } from './errno';
import { FsctlError, isCancelled } from './errors';
import { backendReader, dropZeroChunks, hashBatch, hashFile, localReader, UNSHAREABLE, type Hashed, type HashOutcome } from './dedupe-hash';
import { POOL_MIN_BYTES, poolSize, startPool, type WorkPool } from './dedupe-pool';
import { isSmbPath } from './smb-path';
import { foldersAgainNote, removedError, SMB_LINKS } from './walk';
import { linearPhysical } from './map-format';
import { walkAndMap, type MappedSelection } from './dedupe-walk';
import { ChunkTwins } from './dedupe-twins';
import { probeDedupe } from './dedupe-probe';
import { NoCowSplit } from './dedupe-nocow';
import { readOnlyFiles, sharesReadOnly, writableNames } from './dedupe-read-only';
import { onlyInLowerLayers } from './overlay-layers';
import { ShareVolumes } from './dedupe-volumes';

const DEFAULT_DEDUPE_CHUNK = 128n * 1024n;
/** The smallest hash chunk. */
const MIN_DEDUPE_CHUNK = 4096n;
const DEFAULT_DEDUPE_MIN_SIZE = 4096n;

export async function findDuplicates(
  resolve: (p: string) => Promise<ExtendedBackend>,
  paths: string[],
  ctx: EngineContext,
  opts: DedupeFindOptions = {},
): Promise<DedupePlan> {
  const t0 = performance.now();
  const chunk = opts.chunk ?? DEFAULT_DEDUPE_CHUNK;
  const minSize = opts.minSize ?? DEFAULT_DEDUPE_MIN_SIZE;
  // At least 4 KiB (as duperemove): chunk indexes then stay below 2^53 for any offset up to 2^63,
  // exact as numbers (dedupe-hash.ts lists chunks by index).
  if (typeof chunk !== 'bigint' || chunk < MIN_DEDUPE_CHUNK || chunk > 1n << 30n)
    throw new FsctlError({
      operation: 'dedupe',
      code: 'E_BAD_INPUT',
      paths,
      message: `dedupe: the chunk size ${String(chunk)} must be between 4 KiB and 1 GiB (a multiple of the block size) (E_BAD_INPUT).`,
    });
  const errors: DedupeError[] = [];
  const notes: string[] = [];

  const files: Hashed[] = [];
  let dataBytes = 0n;
  /** Bytes of the files hashed (read) in this thread outside the pool, and of those the pool hashed. */
  let hashed = 0n;
  let hashedInPool = 0n;
  let done = 0;
  const ok = new Set<Hashed>();
  const failed = (f: Hashed, code: string, message: string): void => {
    // (the walk met it: gone now means removed during the scan, not a wrong path)
    errors.push(code === 'ENOENT' ? removedError('dedupe', f.path) : { path: f.path, code, message });
  };
  /** `reading`: bytes of the file being hashed here read so far. */
  const report = (reading = 0n): void => {
    const read = hashed + reading + (pool?.worked() ?? 0n);
    // (a file read again in full, its chunk's twin unreadable, can take it past the total)
    ctx.progress({
      done: read < dataBytes ? read : dataBytes,
      total: dataBytes,
      files: done,
      message: `${done} of ${files.length} files hashed`,
    });
  };
  // While the threads hash, progress is told every 250 ms too: one big file's outcome comes only at its end.
  let ticker: ReturnType<typeof setInterval> | undefined;
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
      bytesOf: dataBytesOf, // what is read: a sparse image's size is no measure of its work
      here: (batch, worked) => hashBatch(batch, chunk, ctx, worked),
      done: (f, r) => {
        done++;
        if ('read' in r) {
          // the keys made in another thread come back with its reply
          f.chunkAt = r.chunkAt;
          f.chunkKeys = r.chunkKeys;
          f.wholeKey = r.wholeKey;
          f.zeroChunks = r.zeroChunks;
          f.swapSignature = r.swapSignature;
          hashedInPool += r.read; // (progress has them from pool.worked(), as they were read)
          ok.add(f);
        } else failed(f, r.code, r.message);
        report();
      },
    });

  // 1-2. The walk, mapping as it goes (dedupe-walk.ts): each mapped file of at least one chunk is
  // queued for hashing at once (the threads start once there is enough local data), a smaller one
  // once the walk has shown another file of its size.
  /** Local files queued before the threads started. */
  const unpooled: Hashed[] = [];
  const twins = new ChunkTwins(chunk);
  const queue = (f: Hashed): void => {
    files.push(f);
    dataBytes += dataBytesOf(f);
    dataBytes -= twins.note(f);
    if (threads < 2 || isSmbPath(f.path)) return;
    if (pool) return pool.add(f);
    unpooled.push(f);
    if ((localBytes += dataBytesOf(f)) < POOL_MIN_BYTES) return;
    pool = startHashing();
    ticker = setInterval(() => report(), 250);
    for (const u of unpooled.splice(0)) pool.add(u);
  };
  let lastTurn = performance.now();
  let walked: MappedSelection;
  try {
    walked = await walkAndMap(paths, resolve, ctx, {
      chunk,
      minSize,
      errors,
      queue,
      between: async (mapped) => {
        if (!pool) ctx.progress({ done: 0n, total: 0n, files: mapped, message: `${mapped} files mapped` });
        // Let the event loop turn every few ms so the threads' replies are taken (they get more work).
        await ctx.maybeYield();
        if (pool && performance.now() - lastTurn > 5) {
          await new Promise((r) => setImmediate(r));
          lastTurn = performance.now();
        }
      },
    });
  } catch (e) {
    clearInterval(ticker);
    await pool?.stop(); // started during the walk: a misaligned chunk or a cancel ends it
    throw e;
  }
  const { sizeCount } = walked;

  try {
    // 3. Hash the data of every chunk (never a hole): what the threads have not done yet, with
    // the calling thread's help; smb:// files here.
    await pool?.finish();
    const hashHere = async (f: Hashed): Promise<void> => {
      ctx.checkCancelled();
      await ctx.maybeYield();
      try {
        const reader = isSmbPath(f.path) ? await backendReader(await resolve(f.path), f) : localReader(f);
        hashed += await hashFile(f, reader, chunk, ctx, (now) => report(now));
        ok.add(f);
      } catch (e) {
        if (isCancelled(e)) throw e;
        const x = e instanceof FsctlError ? e : nodeFsError('dedupe', e, [f.path]);
        failed(f, x.code, x.message);
      }
    };
    for (const f of files) {
      if (pool && !isSmbPath(f.path)) continue;
      await hashHere(f);
      done++;
      report();
    }
    // Chunks that stood in for their twins get their keys; where a twin could not be read, the file is read in full.
    for (const f of await twins.fill(ok)) {
      ok.delete(f);
      await hashHere(f);
    }
  } finally {
    clearInterval(ticker);
    await pool?.stop();
  }
  const usable = files.filter((f) => ok.has(f));
  // Zeros that may be holes the server did not show are not data (dedupe-hash.ts).
  for (const f of usable) dropZeroChunks(f, chunk);
  // Files only in an overlay's lower layer, seen through it, take no part: overlayfs shares blocks
  // only between files both in its upper layer (FIDEDUPERANGE otherwise fails with EPERM, and
  // nothing is copied up for it), and opening one for writing would copy it up whole (a trial:
  // "freed -2 MiB"). Only where its layers cannot be looked in: else the walk gave each file as
  // its layer's own (dedupe-overlay.ts).
  const lowerLayer = onlyInLowerLayers(usable);
  // Swap files not in use (their signature, seen in the bytes hashed): never shared, or swapon
  // would refuse them (swap-files.ts).
  const idleSwapFiles = usable.filter((f) => f.swapSignature).length;
  const shareable = lowerLayer.size === 0 && idleSwapFiles === 0 ? usable : usable.filter((f) => !lowerLayer.has(f) && !f.swapSignature);

  // 4. Whole files first (same size class, same chunk keys), then the remaining chunks
  // (dedupe-form-groups.ts).
  const readOnly = readOnlyFiles(await sharesReadOnly(shareable, resolve), resolve);
  writableNames(shareable, walked.otherNames, readOnly);
  const noCow = new NoCowSplit(resolve);
  const volumes = new ShareVolumes(resolve, readOnly);
  let { groups, lockedIn } = await formGroups(shareable, sizeCount, chunk, readOnly, noCow, volumes);
  const byPath = new Map(shareable.map((f) => [f.path, f]));
  let owners = await ownerLookups(groups, byPath, resolve, wantsExtentItems);
  let compressedSized = 0;
  let partialExtentBytes = 0n;
  /** The groups partialExtentWarnings took bytes out of: where a smaller chunk may match more. */
  const partial = new Set<DedupeGroup>();
  try {
    // A copy whose blocks files outside the selection keep (a snapshot) stays allocated whatever
    // the plan does: it should be the source, so that the others' blocks are freed. Only the file
    // system can say so (the owners, as root): where it does for a copy other than a group's
    // source, the groups are formed again with that known (a trial: 8 MiB of 16 MiB were kept).
    const held = heldOutsideOf(owners.byFs);
    if (groups.some((g) => sourceNotHeld(g, byPath, held))) {
      ({ groups, lockedIn } = await formGroups(shareable, sizeCount, chunk, readOnly, noCow, volumes, held));
      const first = owners;
      owners = NO_OWNERS; // (closed once: finally closes whichever is current)
      first.close();
      owners = await ownerLookups(groups, byPath, resolve, wantsExtentItems);
    }
    // (each rule takes out of a group's saving only what the rules before it left in: leftOut)
    const leftOut = new LeftOut();
    const onlyCompression = sharedBlockSavings(groups, byPath, owners.byFs, leftOut);
    bookendGains(groups, byPath, owners.byFs);
    compressedSized = compressedSavings(groups, byPath, owners.byFs, onlyCompression, leftOut);
    partialExtentBytes = partialExtentWarnings(groups, byPath, owners.byFs, leftOut, partial);
    countPlacesOnce(groups, byPath, leftOut);
  } finally {
    owners.close();
  }
  // Before the warnings on what sharing costs and the totals: a file system that cannot share frees nothing.
  const cannotApply = await probeDedupe(resolve, groups, byPath);
  fragmentationWarnings(groups);

  groups.sort((a, b) =>
    a.netSaving !== b.netSaving ? (b.netSaving > a.netSaving ? 1 : -1) : b.length > a.length ? 1 : b.length < a.length ? -1 : 0,
  );
  // Notes are read in the view as well as the CLI: no flag names, no raw byte counts (the totals have them).
  const { small, empty, unmatched, symlinks } = walked;
  if (small > 0) notes.push(`${small} file${small === 1 ? ' was' : 's were'} smaller than the minimum size and not examined.`);
  if (empty > 0) notes.push(`${empty} empty file${empty === 1 ? ' was' : 's were'} not examined.`);
  if (unmatched > 0)
    notes.push(`${unmatched} file${unmatched === 1 ? '' : 's'} smaller than one chunk had no other file of the same size: not read.`);
  if (symlinks > 0) notes.push(`${symlinks} symbolic link${symlinks === 1 ? ' was' : 's were'} not followed.`);
  if (walked.foldersAgain > 0) notes.push(foldersAgainNote(walked.foldersAgain));
  notes.push(...walked.overlayNotes);
  // One share named with two spellings of the user: two sessions, which a server does not clone between
  const sessions = new Map<bigint, Set<string>>();
  for (const f of usable)
    if (isSmbPath(f.path) && f.dev !== undefined) (sessions.get(f.dev) ?? sessions.set(f.dev, new Set()).get(f.dev)!).add(f.fsKey);
  const twoSessions = [...sessions.values()].find((k) => k.size > 1);
  if (twoSessions)
    notes.push(
      `Files on one share were named through ${twoSessions.size} sessions (${[...twoSessions].join(', ')}: the user written differently): ` +
        'a server clones only between files opened in one session, so identical data was grouped only among files named the same way. ' +
        'Name them all with one spelling of the user to find it across them.',
    );
  if (noCow.split.size > 0)
    notes.push(
      `${noCow.split.size} files hold identical data, some of them nodatacow (chattr +C) and some not: btrfs shares extents ` +
        'only between files alike in that, so each kind was grouped apart (a file of one kind is not shared with the other).',
    );
  notes.push(...volumes.notes());
  if (walked.swapFiles > 0)
    notes.push(
      `${walked.swapFiles === 1 ? 'One active swap file was' : `${walked.swapFiles} active swap files were`} left out: the kernel ` +
        'shares no blocks of a swap file in use, either way (ETXTBSY); nor after swapoff: btrfs and XFS refuse swapon for a file with shared extents.',
    );
  if (idleSwapFiles > 0)
    notes.push(
      `${idleSwapFiles === 1 ? "One swap file not in use (mkswap's signature) was" : `${idleSwapFiles} swap files not in use (mkswap's signature) were`} ` +
        'left out: btrfs and XFS refuse swapon for a file with shared extents, so sharing their blocks would make them unusable as swap.',
    );
  if (lowerLayer.size > 0)
    notes.push(
      `${lowerLayer.size === 1 ? 'One file lies' : `${lowerLayer.size} files lie`} only in a lower layer of an overlay: overlayfs ` +
        "shares blocks only between files that are both in its upper layer, so they were left out. Run dedupe on the layers' " +
        'own folders to share their data.',
    );
  const { lockedBy, readOnlyMounts } = await readOnly.lockedBy(lockedIn.groups > 0 ? lockedIn.files : []);
  if (lockedIn.groups > 0)
    notes.push(
      // "more" only beside listed groups: without any, these are all the duplicates there are
      `${lockedIn.groups}${groups.length > 0 ? ' more' : ''} set${lockedIn.groups === 1 ? '' : 's'} of identical data ` +
        `${lockedIn.groups === 1 ? 'lies' : 'lie'} only in files the kernel will not change for this user (read-only snapshots or file systems, ` +
        "immutable files, other users' files without write permission" +
        (paths.some(isSmbPath) ? '; on a share: a read-only share or files marked read-only' : '') +
        `): nothing can be shared there, so they are not listed. ${lockedInAdvice(lockedBy, readOnlyMounts)}`,
    );
  if (walked.hardLinks > 0)
    notes.push(
      `${walked.hardLinks} hard link${walked.hardLinks === 1 ? '' : 's'} to files already examined ${walked.hardLinks === 1 ? 'was' : 'were'} skipped.` +
        (paths.some(isSmbPath) ? SMB_LINKS : ''),
    );
  // (data kept in metadata or encrypted is never grouped: it has its own note)
  const placeless = (f: Hashed): boolean => f.phys.some((p, i) => (f.flags[i] & UNSHAREABLE) === 0 && !linearPhysical(p, f.flags[i]));
  // (only where some group still has two figures because of them: as root, btrfs sizes compressed data)
  const twoFigures = (g: DedupeGroup): boolean => (g.netSavingMin ?? g.netSaving) < g.netSaving;
  const unplacedOnShare = groups.some((g) => g.placeUnknown && twoFigures(g) && g.ranges.some((r) => isSmbPath(r.path)));
  // Over SMB: copies the server already shares (a reflink copy made there, an earlier run) cannot
  // be told apart, so the same groups come back on every search (a trial): said, and what is real.
  if (unplacedOnShare)
    notes.push(
      "Over SMB the server does not say where a file's data lies on its disk (no physical offsets), so whether these copies already " +
        'share blocks (an earlier deduplication or clone, a reflink copy made on the server) is not known: their saving is counted ' +
        'in full, an upper bound, and may be nothing. A group already shared is found again by every search, and sharing it again ' +
        "frees nothing. What deduplicating freed is measured from the server's free space before and after (freed): that is the real figure.",
    );
  const compressed = groups.some((g) => g.compressed && twoFigures(g));
  if (usable.some(placeless) && (compressed || (!unplacedOnShare && groups.some((g) => g.placeUnknown && twoFigures(g)))))
    notes.push(
      (compressed ? 'Some files are compressed (btrfs)' : 'Some files have no physical offsets in their maps') +
        ": their saving is counted in full where they do not already share the source's extent, an upper bound. The lower bound " +
        (compressed
          ? 'counts none of it: a compressed extent takes less on disk than the bytes it holds. As root, btrfs extent items give compressed data its size on disk.'
          : "counts none of it: data with no known place may already be the source's."),
    );
  if (compressedSized > 0)
    notes.push(
      `Compressed data is counted at its size on disk (btrfs extent items, read as root) in ${compressedSized === 1 ? 'one group' : `${compressedSized} groups`}: ` +
        'an extent is freed whole once every reference to it moves.',
    );
  const unshareable = usable.filter((f) => f.flags.some((x) => (x & UNSHAREABLE) !== 0)).length;
  if (unshareable > 0)
    notes.push(
      `${unshareable} file${unshareable === 1 ? ' keeps' : 's keep'} data inline in the file system's metadata (small btrfs files) or ` +
        'encrypted: that data cannot be shared, so it is in no group.',
    );
  const hiddenHoles = usable.filter((f) => f.zerosMayBeHoles).length;
  if (hiddenHoles > 0)
    notes.push(
      `${hiddenHoles} file${hiddenHoles === 1 ? ' is' : 's are'} not marked sparse on ${hiddenHoles === 1 ? 'its' : 'their'} SMB share but ` +
        `hold${hiddenHoles === 1 ? 's' : ''} less than ${hiddenHoles === 1 ? 'its' : 'their'} size, so the server gives holes there as data: ` +
        'all-zero chunks in them were taken as holes (not grouped, not counted in the saving). Marking a file sparse makes the server show its holes.',
    );
  const asked = [...owners.byFs.values()].filter((o) => o.forShared).map((o) => o.method);
  if (asked.length > 0 && owners.failures().length === 0)
    notes.push(
      `Who else references the shared blocks was asked of the file system (${[...new Set(asked)].join(', ')}): ` +
        'the saving leaves out blocks that files outside the selection keep.',
    );
  // (a range only where some group has two figures: blocks the plan keeps anyway need no owners)
  const ranged = groups.some(twoFigures) ? ', so the saving is a range' : '';
  for (const f of owners.failures()) notes.push(`Who else references the shared blocks could not be asked${ranged}: ${f}`);
  const smallerChunk = partialExtentBytes > 0n ? smallerChunkNote(chunk, shareable, partial, groups, byPath) : undefined;
  if (smallerChunk) notes.push(smallerChunk);
  notes.push(
    'Only data was read and hashed (xxHash128, in aligned chunks: candidates only, every range is compared byte for byte before it is shared): holes and unwritten (preallocated) extents were not' +
      (hiddenHoles > 0 ? ', except holes a server gave as data (above).' : '.'),
  );
  return {
    groups,
    total: {
      ...groupTotals(groups),
      files: usable.length,
      hashedBytes: hashed + hashedInPool,
      lockedIn: lockedIn.groups,
      ...(readOnlyMounts.length > 0 ? { readOnlyMounts } : {}),
      ...(lockedBy.length > 0 ? { lockedBy } : {}),
    },
    errors,
    ...(cannotApply.length > 0 ? { cannotApply } : {}),
    notes,
    durationMs: Math.round((performance.now() - t0) * 1000) / 1000,
  };
}
