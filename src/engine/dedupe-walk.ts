// The dedupe search's walk (dedupe-find.ts, steps 1 and 2): the selection walked once, each
// regular file of at least minSize mapped as it is met, and handed on with its file system's
// facts. A named local folder goes through its backend's own walk where it has one (Linux:
// space-walk.ts, openat/statx/FIEMAP/close per file, as for the space accounting), everything
// else through walk.ts with each file mapped through its backend. The maps give the data runs
// (holes are the gaps) with their physical offsets.
//
// A file of at least one chunk is handed on at once; a smaller one can match only a file of its
// own size on its file system, so it waits for the end of the walk and is handed on only if
// another file of that size was met ("size classes").
//
// A file met through an overlayfs merged view is handed on as its layer's own file, by that
// file's path and on the file system beneath, and an overlay whose layers the selection holds is
// not walked (dedupe-overlay.ts says why).

import { quietContext } from './backend';
import type { ExtendedBackend, SpaceSink } from './backend-ext';
import type { EngineContext } from './context';
import type { Hashed } from './dedupe-hash';
import { activeSwapFiles } from './swap-files';
import { DedupeOverlays } from './dedupe-overlay';
import { unmatchedThroughOverlay } from './overlays-met';
import { fileDataOf } from './dedupe-file-data';
import type { DedupeError } from './dedupe-types';
import { nodeFsError } from './errno';
import { FsctlError, isCancelled } from './errors';
import type { PackedExtentMap } from './map-format';
import { isSmbPath, smbShareOf } from './smb-path';
import { fileSystemKey, mountPointOf } from './space-fs';
import { backendFolderWalk, FilesMet, notRegularPathError, pathError, walkSelection, wholeMap } from './walk';

interface FsFacts {
  key: string;
  filesystem: string;
  blockSize: number;
}

interface WalkAndMapOptions {
  chunk: bigint;
  minSize: bigint;
  /** Paths that could not be used go here (the walk goes on). */
  errors: DedupeError[];
  /** A mapped file to hash, its file system's facts filled in. */
  queue(f: Hashed): void;
  /** Awaited between steps of the walk, with the number of files mapped so far. */
  between(mapped: number): Promise<void>;
}

/** What the walk saw besides the files it handed on (for the plan's notes and the whole-file groups). */
export interface MappedSelection {
  /** Files below minSize, not examined. */
  small: number;
  /** Empty files (nothing to share), not examined. */
  empty: number;
  /** Files smaller than one chunk with no other file of their size: not read. */
  unmatched: number;
  symlinks: number;
  hardLinks: number;
  /** Folders met again by another name (walk.ts WalkSummary.foldersAgain): not walked again. */
  foldersAgain: number;
  /** Active swap files met (activeSwapFiles), left out: the kernel changes none while in use. */
  swapFiles: number;
  /** Files per `${fsKey}/${size}`. */
  sizeCount: Map<string, number>;
  /**
   * The other names met of files handed on, by `${dev}:${ino}` (hard links, a bind mount, a
   * path named twice): a read-only mount's name may have a writable twin (dedupe-find.ts).
   */
  otherNames: Map<string, string[]>;
  /** What was done of the overlays met (dedupe-overlay.ts). */
  overlayNotes: string[];
}

export async function walkAndMap(
  paths: string[],
  resolve: (p: string) => Promise<ExtendedBackend>,
  ctx: EngineContext,
  o: WalkAndMapOptions,
): Promise<MappedSelection> {
  const { chunk, minSize, errors } = o;
  const otherNames = new Map<string, string[]>();
  const overlays = new DedupeOverlays(paths);
  // Every file remembered, not only those with several links: a bind mount inside the selection
  // shows a file again under another name, and a file counted twice would be its own duplicate.
  const met = new FilesMet(
    true,
    (key, p) => {
      const names = otherNames.get(key);
      if (!names) otherNames.set(key, [p]);
      else if (!names.includes(p)) names.push(p);
    },
    overlays.through,
  );
  /** The file `p` shows: its layer's own through an overlay (path, dev and ino), else itself. */
  const layerOf = (p: string, dev: bigint, ino: bigint): { p: string; dev: bigint; ino: bigint } => {
    const through = met.lastThrough?.path === p ? met.lastThrough.layer : undefined;
    return through ? { p: through.path, dev: through.dev, ino: through.ino } : { p, dev, ino };
  };
  let small = 0;
  let empty = 0;
  /** A file too small to examine: counted for the notes (empty files apart). */
  const notExamined = (size: bigint): void => {
    if (size === 0n) empty++;
    else small++;
  };
  let symlinks = 0;
  const swaps = activeSwapFiles();
  let swapFiles = 0;
  /** An active swap file: counted for the notes, never read or grouped (one not in use: swap-files.ts). */
  const isSwap = (dev: bigint, ino: bigint): boolean => {
    if (swaps.size === 0 || !swaps.has(`${dev}:${ino}`)) return false;
    swapFiles++;
    return true;
  };
  let count = 0;
  const fsByDev = new Map<bigint | string, FsFacts>();
  /** Files examined through an overlay (not matched to their layer files), per overlay: its first file's path. */
  const throughOverlay = new Map<string, { files: number; first: string }>();
  /** Mapped; its file system's facts are read between the walk's steps (they are async). */
  const mapped: { f: Hashed; dev: bigint }[] = [];
  /** Smaller than one chunk: handed on after the walk if another file has their size. */
  const held: Hashed[] = [];
  const sizeCount = new Map<string, number>();
  const factsOf = async (p: string, dev: bigint): Promise<FsFacts> => {
    // over SMB one volume per session (user@host:port/share as written): a server clones only
    // within one, so another spelling of the user is another file system here (a note says so)
    const byDev = isSmbPath(p) ? `${dev}|${smbShareOf(p)}` : dev;
    let f = fsByDev.get(byDev);
    if (f) return f;
    const b = await resolve(p);
    // over SMB the volume the server reports (its cluster size); locally statfs
    const info = isSmbPath(p) ? await b.volume(p).catch(() => undefined) : b.fsInfo ? await b.fsInfo(p).catch(() => undefined) : undefined;
    f = { key: fileSystemKey(p, dev), filesystem: info?.filesystem ?? 'unknown', blockSize: info?.blockSize ?? 4096 };
    if (chunk % BigInt(f.blockSize) !== 0n)
      throw new FsctlError({
        operation: 'dedupe',
        code: 'E_MISALIGNED',
        paths: [p],
        message: `dedupe: the chunk size ${chunk} is not a multiple of the block size of ${f.filesystem} (${f.blockSize} bytes) holding ${p}; choose a multiple such as ${f.blockSize * 32} (E_MISALIGNED).`,
      });
    fsByDev.set(byDev, f);
    return f;
  };
  const settleMapped = async (): Promise<void> => {
    for (const { f, dev } of mapped.splice(0)) {
      const facts = await factsOf(f.path, dev);
      f.filesystem = facts.filesystem;
      f.fsKey = facts.key;
      f.blockSize = facts.blockSize;
      if (facts.filesystem === 'overlayfs') {
        const n = throughOverlay.get(facts.key) ?? { files: 0, first: f.path };
        throughOverlay.set(facts.key, n);
        n.files++;
      }
      const sk = `${facts.key}/${f.size}`;
      sizeCount.set(sk, (sizeCount.get(sk) ?? 0) + 1);
      count++;
      if (f.size < chunk) held.push(f);
      else o.queue(f);
    }
    await o.between(count);
  };
  const unknownFacts = { filesystem: '', fsKey: '', blockSize: 0 };
  const changedError = (p: string, before: bigint, after: bigint): DedupeError => ({
    path: p,
    code: 'E_CHANGED',
    message: `dedupe: ${p} changed during the scan (size ${before}, then ${after}); it was skipped (E_CHANGED).`,
  });
  const sink: SpaceSink = {
    meet(dev, ino, nlink, size, p) {
      if (!met.meet(dev, ino, nlink, p) || isSwap(dev, ino)) return false;
      if (size >= minSize && size > 0n) return true;
      notExamined(size);
      return false;
    },
    file(named, namedDev, namedIno, size, packed) {
      const { p, dev, ino } = layerOf(named, namedDev, namedIno);
      // the columns are the walk's, reused: fileDataOf copies what it keeps
      mapped.push({ f: { ...fileDataOf(p, { size, packed }, unknownFacts, { dev, ino }), chunkAt: [], chunkKeys: [] }, dev });
    },
    changed(named, before, after) {
      const p = layerOf(named, 0n, 0n).p;
      const i = mapped.findIndex((m) => m.f.path === p);
      if (i >= 0) mapped.splice(i, 1);
      errors.push(changedError(p, before, after));
    },
    symlink: () => void symlinks++,
    ...(overlays.enter ? { enter: overlays.enter } : {}),
    notRegular: (p, kind) => void errors.push(notRegularPathError('dedupe', p, kind)),
    error(p, e) {
      if (isCancelled(e)) throw e;
      errors.push(pathError('dedupe', p, e, true)); // (met already: ENOENT means removed since)
    },
  };
  const walked = await walkSelection(
    paths,
    resolve,
    ctx,
    {
      file: async (p, st) => {
        if (isSwap(st.dev, st.ino)) return;
        if (st.size < minSize || st.size === 0n) return notExamined(st.size);
        const { p: at, dev, ino } = layerOf(p, st.dev, st.ino); // (asked before the await: met.lastThrough is this name's now)
        let m: PackedExtentMap;
        try {
          m = await wholeMap(await resolve(p), p, quietContext(ctx)); // (a map's progress is over its size: not hashing)
        } catch (e) {
          if (isCancelled(e)) throw e;
          const x = nodeFsError('dedupe', e, [p]);
          errors.push({ path: p, code: x.code, message: x.message });
          return { failed: x };
        }
        if (m.size !== st.size) errors.push(changedError(at, st.size, m.size));
        else mapped.push({ f: { ...fileDataOf(at, m, unknownFacts, { dev, ino }), chunkAt: [], chunkKeys: [] }, dev });
        await settleMapped();
      },
      error: (e) => errors.push(e),
      folder: async (p) => backendFolderWalk(await resolve(p), p, sink, quietContext(ctx), settleMapped), // (as above)
    },
    met,
  );
  let unmatched = 0;
  for (const f of held)
    if (sizeCount.get(`${f.fsKey}/${f.size}`)! > 1) o.queue(f);
    else unmatched++;
  return {
    small,
    empty,
    unmatched,
    symlinks: symlinks + walked.symlinks,
    hardLinks: walked.hardLinks,
    foldersAgain: walked.foldersAgain,
    swapFiles,
    sizeCount,
    otherNames,
    overlayNotes: [...overlays.notes(met.layerAgain), ...(fsByDev.size > 1 ? unmatchedOverlayNotes(throughOverlay) : [])],
  };
}

/**
 * Files examined through an overlay whose layers are not to be seen from here, beside files of
 * other file systems: if those are its layers, the same blocks are met twice, and the space freed
 * is measured on the overlay (whose free space is its upper layer's file system's) and on the
 * file system beneath, the same blocks twice. Said, as space says it (space-overlay.ts).
 */
function unmatchedOverlayNotes(throughOverlay: ReadonlyMap<string, { files: number; first: string }>): string[] {
  return [...throughOverlay.values()].map(
    ({ files, first }) =>
      `${unmatchedThroughOverlay(mountPointOf(first) ?? first, files)}, so ${files === 1 ? 'it was' : 'they were'} examined through the overlay, ` +
      'which shares only between files both in its upper layer: if the selection holds those layers too, the same data is offered twice ' +
      '(already shared: no saving), and the space a deduplication frees is measured on the overlay and on the file system beneath, the same blocks twice.',
  );
}
