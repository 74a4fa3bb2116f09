// The typed protocol between the extension host (src/views/*) and the webviews (webview/*).
// Both sides import this file; it imports nothing from Node or VS Code.
//
// Webview messages travel as JSON, which has no bigint: every offset and size is a decimal
// string on the wire (exact above 2^53) and becomes a bigint again on each side (see
// toWire/fromWire). Everything the webview sends is untrusted: the host passes it through
// `parseWebviewMessage`, which returns undefined for anything unknown or malformed.
// The webview's check of what the host sends is beside it, in host-message-check.ts.
// (Over 400 lines on purpose: every message type of both directions and the host's check of what
// a webview sends, the one contract both sides import; the check reads the types it guards.)

/** Extent classes the map draws, in drawing priority order. */
export const EXTENT_CLASSES = ['data', 'unwritten', 'shared', 'delalloc', 'inline', 'encoded'] as const;
export type ExtentClass = (typeof EXTENT_CLASSES)[number];

/** Decimal string of a non-negative 64-bit integer. */
export type U64String = string;

/** Decimal string of a signed 64-bit integer (a change that can go either way). */
export type I64String = string;

export interface WireExtent {
  offset: U64String;
  length: U64String;
  physical: U64String | null;
  flags: string[];
  refcount?: number;
  /** Index of this extent in the whole map (0-based on the wire; people see it + 1, as the CLI prints). */
  index?: number;
}

export interface WireSummary {
  path: string;
  name: string;
  size: U64String;
  allocated: U64String;
  /** holes / size, 0..1 */
  sparseRatio: number;
  extentCount: number;
  sharedBytes: U64String;
  unwrittenBytes: U64String;
  filesystem: string;
  blockSize: number;
  /** Absent when unknown (the volume could not be probed, or was not queried). */
  supportsClone?: boolean;
  supportsSparse: boolean;
  /** MapSource of the engine ('fiemap', 'seek', ...) */
  source: string;
  /** One sentence on clone support evidence. */
  cloneEvidence: string;
  /**
   * The full map is still being read: size, file system and clone support are exact, but
   * `allocated` comes from the file's block count and the extent count, shared, unwritten and
   * sparse figures are not known yet (the final summary follows).
   */
  pending?: boolean;
  /**
   * The file has more extents than the inspector holds (extentLens.inspector.maxExtents): the
   * first `extentCount` were read, up to this offset, and every figure counts only that part.
   * The map reads what lies after it with bounded reads of the visible part.
   */
  truncatedAt?: U64String;
  /** What the map cannot show, one sentence each (ExtentMap.notes: tmpfs's reserved pages). */
  notes?: string[];
  /**
   * Bytes of extents past the end of the file's last block (preallocated beyond EOF: fallocate
   * --keep-size, XFS speculative preallocation). `allocated` and `unwrittenBytes` include them,
   * as du does; the sparse ratio covers the logical size only. Absent when none.
   */
  pastEof?: U64String;
  /**
   * The part of `pastEof` in extents that are not unwritten (XFS's speculative preallocation
   * is delayed allocation until written back; a written extent can straddle EOF): not data,
   * though `allocated - unwrittenBytes` includes it. Absent when none.
   */
  pastEofData?: U64String;
  /**
   * Every extent is inline: the file system keeps the data in its metadata (btrfs, a small
   * file), with no block of its own, though FIEMAP gives one block and du counts it.
   */
  inline?: boolean;
}

/**
 * A drawable window of the map. When the window holds few extents the host sends them
 * exactly; when it holds more than the webview can draw, it sends `bins` instead: `binCount`
 * equal slices of the window, and for each slice the fraction (0..1) covered by each class in
 * EXTENT_CLASSES order (flattened: bins[i * EXTENT_CLASSES.length + c]).
 */
export interface WireWindow {
  offset: U64String;
  length: U64String;
  extents?: WireExtent[];
  binCount?: number;
  bins?: number[];
  /** Number of extents intersecting the window (exact). */
  extentCount: number;
  /**
   * End of the last extent that ends at or before the window start ('0' when none), and the
   * start of the first extent that begins at or after the window end (the file size when
   * none): with them the webview can name a hole's exact bounds even when the hole reaches
   * outside the window.
   */
  prevEnd?: U64String;
  nextStart?: U64String;
  /** Index (in the whole map) of the first extent intersecting the window. */
  firstIndex?: number;
  /**
   * The bins come from bounded reads (src/views/map-sampler.ts): exact up to where the first
   * read stopped, then each bin estimated from its first extents. `extentCount` is then the
   * number of extents read, a lower bound.
   */
  sampled?: boolean;
  /**
   * Per bin (binCount entries each, exact, absent when sampled): the extents intersecting the
   * bin, its allocated bytes (a double: exact below 2^53 bytes per bin), and the index of the
   * first extent ending after the bin's start (the extent `n` selects after a click on the bin).
   */
  binExtents?: number[];
  binBytes?: number[];
  binFirst?: number[];
}

// ---- host -> webview -------------------------------------------------------------------

export type HostMessage =
  | { type: 'summary'; summary: WireSummary }
  /** The whole file at low resolution, for the overview strip. */
  | { type: 'overview'; window: WireWindow }
  | { type: 'window'; requestId: number; window: WireWindow }
  | { type: 'rows'; requestId: number; start: number; total: number; rows: WireExtent[] }
  | { type: 'selectRange'; offset: U64String; length: U64String }
  | { type: 'progress'; message: string; done?: U64String; total?: U64String }
  | { type: 'error'; code: string; message: string }
  /**
   * The answer to a `copyText` that carried a `requestId`: whether the clipboard write worked
   * (`error`: why not), so the webview can say "Copied 3 rows" or that the copy failed.
   */
  | { type: 'copied'; requestId: number; ok: boolean; error?: string }
  /**
   * The clone-results view's data (see CloneResultsData). `items`: every file of one operation
   * (e.g. Block Clone Here of several files), in order, when there are several; `data` is then
   * items[0].
   */
  | { type: 'cloneResults'; data: CloneResultsData; items?: CloneResultsData[] }
  /** The Space view: the scan so far (files and allocated bytes mapped), while it runs. */
  | { type: 'spaceProgress'; files: number; bytes: U64String; message: string; exactScan: boolean }
  /**
   * The Space view, while the analysis runs: files as they are mapped, placed at `start`,
   * `start + 1`, ... of the result's `files` (the same places the final `space` message gives
   * them, with sharesWith). `start` 0 begins a new analysis. `base`/`sep` as in SpaceData, so far.
   */
  | { type: 'spaceRows'; start: number; rows: SpaceWireRow[]; base: string; sep: '/' | '\\'; exactScan: boolean }
  /** The Space view: the whole result of one analysis (see SpaceData). */
  | { type: 'space'; data: SpaceData }
  /**
   * The Space view, at the end of an analysis whose rows it was sent (spaceRows, from 0 up to
   * `start`): the rows not sent yet, what the sweep adds to every row (`sharing[i]`: file i's),
   * and the rest of the result (`data`, whose `files` is empty). The same result as a `space`
   * message without the rows crossing twice (100,000 files: ~6 MB instead of ~25 MB). A view
   * that lacks those rows asks for the whole result ('ready').
   */
  | { type: 'spaceDone'; start: number; rows: SpaceWireRow[]; sharing: SpaceWireSharing[]; data: SpaceData }
  /**
   * The Space view: the answer to its `spacePartners` (file `index` of the result on show): the
   * files of the selection it shares physical ranges with, [index, bytes in common], most bytes
   * first (at most 100), and how many there are in all. Asked for when a file is selected, so the
   * rows need not carry them (20,000 clones of one file: 2 million pairs).
   */
  | { type: 'spacePartners'; index: number; partners: Array<[number, U64String]>; count: number }
  /**
   * The Dedupe view: finding (files and bytes hashed) or deduplicating (bytes done of total), while
   * it runs. `message` is the sentence the host's progress notification shows for the same update
   * (src/views/dedupe-progress.ts): the view shows it as it is, so the two always agree.
   */
  | { type: 'dedupeProgress'; phase: 'find' | 'apply'; files: number; bytes: U64String; total?: U64String; message: string }
  /**
   * The Dedupe view's whole state: the plan, whether Deduplicate may run (trusted workspace,
   * the platform can, nothing running) and, after it ran, the measured report.
   */
  | {
      type: 'dedupe';
      plan: DedupeWirePlan;
      canApply: boolean;
      cannotApplyReason?: string;
      report?: DedupeWireReport;
      /** What the host is running now (a search again, or a deduplication); absent: nothing. */
      running?: 'find' | 'apply';
    };

// ---- the Dedupe view (engine.findDuplicates / engine.dedupe, issue 14) -----------------------
// Byte counts and offsets are decimal strings. Ranges name their file by index into `files`,
// and the webview names groups and ranges to the host only by index, so it cannot make the host
// act on a path (or a group) that is not in the plan.

export interface DedupeWireRange {
  /** Index into DedupeWirePlan.files. */
  file: number;
  offset: U64String;
  /** Its physical extents are already the group's first range's (a clone): it frees nothing. */
  alreadyShared?: boolean;
  /** DedupeRange.readOnly: the kernel will not change its file for this user (the source, or one of DedupeWireGroup.readOnly). */
  readOnly?: boolean;
  /** DedupeRange.freesNothing: wholly in extents other references keep; Deduplicate leaves it alone. */
  freesNothing?: boolean;
}

export interface DedupeWireGroup {
  length: U64String;
  /** The first range is the source the others will share. */
  ranges: DedupeWireRange[];
  netSaving: U64String;
  /** The least it frees (DedupeGroup.netSavingMin); absent: netSaving. */
  netSavingMin?: U64String;
  /** DedupeGroup.countedElsewhere: bytes it frees that an earlier group's saving counts; shared even at a saving of 0. */
  countedElsewhere?: U64String;
  /** Data bytes in the ranges beyond the first (holes count zero). */
  candidateBytes: U64String;
  /** DedupeGroup.alreadySharedBytes: of those, the bytes already at the source's place. */
  alreadySharedBytes?: U64String;
  wholeFiles: boolean;
  warnings: string[];
  /** DedupeGroup.compressed: some of the other ranges' data is compressed (its size on disk unknown). */
  compressed?: boolean;
  /** DedupeGroup.placeUnknown: some of the other ranges' data has no known place (SMB): it may already be shared. */
  placeUnknown?: boolean;
  /** DedupeGroup.readOnly: more ranges with the data, in files no one here may change (listed, never shared). */
  readOnly?: DedupeWireRange[];
  /** DedupeGroup.cannotShare: its file system cannot share blocks (the sentence); its saving is 0. */
  cannotShare?: string;
}

export interface DedupeWirePlan {
  /** The paths searched, as given; the folder every file lies under, and the separator. */
  roots: string[];
  base: string;
  sep: '/' | '\\';
  /** The options the search ran with. */
  chunk: U64String;
  minSize: U64String;
  /** Every path a range names. */
  files: string[];
  groups: DedupeWireGroup[];
  total: {
    groups: number;
    candidateBytes: U64String;
    netSaving: U64String;
    netSavingMin?: U64String;
    files: number;
    hashedBytes: U64String;
    /** DedupePlan.total.lockedIn: sets of identical data in files no one here may change (not groups). */
    lockedIn?: number;
  };
  errors: Array<{ path: string; code: string; message: string }>;
  /** File systems holding groups that cannot dedupe (DedupePlan.cannotApply; Deduplicate leaves their groups alone). */
  cannotApply?: Array<{ path: string; code: string; message: string }>;
  notes: string[];
  durationMs: number;
}

export interface DedupeWireReport {
  /** How many groups and distinct files the run was asked to share. */
  groups: number;
  files: number;
  deduped: U64String;
  /** Data bytes already sharing the source's extents when applied (no call made). */
  alreadyShared: U64String;
  differed: number;
  skipped: Array<{ path: string; offset: U64String; length: U64String; reason: string; message: string }>;
  calls: number;
  /** The change in free space, measured: below zero when the file system grew its own metadata more than it freed (or others wrote). */
  freed: I64String;
  /**
   * `freed` measured again after the run, where the file system counts freed space only when it
   * commits (DedupeReport.remeasure: SMB, Windows): seconds after the run of the figure shown,
   * and whether it is still being measured.
   */
  remeasured?: { afterS: number; pending: boolean };
  /** DedupeReport.cancelled: the run stopped part way; the figures are what it did. */
  cancelled?: { groupsDone: number; groups: number; countsAtLeast: boolean };
  estimated: U64String;
  /** The least the search said it would free; absent: estimated. */
  estimatedMin?: U64String;
  method: string;
  /** DedupeReport.fileSystems: the file systems the run measured, as mounted; absent: none named. */
  fileSystems?: string[];
  notes: string[];
  durationMs: number;
}

// ---- the Space view (engine.space, issue 13) ------------------------------------------------
// Byte counts are decimal strings. Files name each other by index into `files` (spacePartners),
// and the webview names a file to the host only by that index, so it cannot make the host act
// on a path outside the analysis.

export interface SpaceWireTotals {
  files: number;
  /** The sum of the files' sizes: past 2^64 for three 8 EiB images (decimal, up to 30 digits). */
  size: string;
  allocated: U64String;
  shared: U64String;
  exclusive: U64String;
  unique: U64String;
  reclaimable: U64String;
  reclaimableExact: boolean;
  reclaimableMax: U64String;
  /** False: the two figures are an estimate, or the lower one only a floor (SpaceTotals.reclaimableBounds). */
  reclaimableBounds: boolean;
}

/**
 * One path given (SpaceResult.paths): its files summed and what deleting it alone, the other
 * paths kept, frees (the totals' definitions); `without`: the paths given inside it, whose files
 * it leaves out.
 */
export interface SpaceWirePathTotals {
  path: string;
  files: number;
  size: string;
  allocated: U64String;
  shared: U64String;
  exclusive: U64String;
  sharingUnknownFiles?: number;
  reclaimable: U64String;
  reclaimableExact: boolean;
  reclaimableMax: U64String;
  reclaimableBounds: boolean;
  /** Some of it could not be read: `reclaimable` is a floor (none of it read with `files` 0). */
  unread?: boolean;
  without?: string[];
}

/** A file's numbers, as mapped (while the analysis runs, spaceRows) and in the result. */
export interface SpaceWireRow {
  path: string;
  size: U64String;
  allocated: U64String;
  shared: U64String;
  exclusive: U64String;
  /** Of shared, what deleting the selection frees (SpaceFile.sharedInside): where that is exact. */
  sharedInside?: U64String;
  fileSystem: number;
  sharingUnknown?: boolean;
  /** Bytes of its allocated in compressed (encoded) extents, counted at their uncompressed length (SpaceFile.encoded). */
  encoded?: U64String;
}

/**
 * A file of the result as the view gets it: its row, how many files of the selection it shares
 * physical ranges with, and the sum of the bytes it has in common with them (`overlap`, the
 * treemap's "shared inside" where `sharedInside` is not given). Who they are is asked for
 * (spacePartners) when the file is selected; the host keeps them while the view is open.
 */
export interface SpaceWireFile extends SpaceWireRow {
  /** How many other files of the selection it shares physical ranges with; absent while the scan runs. */
  sharesWithCount?: number;
  /** Physical bytes in common with those files, summed over the first 100 (most bytes first); absent: 0. */
  overlap?: U64String;
}

/** What the sweep adds to a row (spaceDone), as in SpaceWireFile; a tuple, as it comes once per file. */
export type SpaceWireSharing = [sharesWithCount: number, overlap: U64String, sharedInside?: U64String];

/** Most rows in one spaceRows message. */
export const MAX_SPACE_ROWS_MESSAGE = 10_000;

export interface SpaceData {
  /** The paths analysed, as given. */
  roots: string[];
  /** The folder every file lies under (the treemap's root), and the path separator. */
  base: string;
  sep: '/' | '\\';
  /** An exact scan ran (every other file of a file system was mapped): some fileSystems[].exactScan is 'ran'. */
  exactScan: boolean;
  files: SpaceWireFile[];
  total: SpaceWireTotals;
  /** Each path given, in the order given: what deleting it alone frees (SpaceResult.paths). */
  paths?: SpaceWirePathTotals[];
  /** exactScan as the engine gives it (SpaceFileSystem): 'possible' is where the view offers Exact scan. */
  fileSystems: Array<
    SpaceWireTotals & {
      filesystem: string;
      mountPoint?: string;
      notes: string[];
      exactScan?: 'ran' | 'possible';
      /** Of allocated, bytes in compressed (encoded) extents, counted uncompressed (SpaceFileSystem.encoded). */
      encoded?: U64String;
    }
  >;
  errors: Array<{ path: string; code: string; message: string }>;
  notes: string[];
  symlinks: number;
  hardLinks: number;
  /** Folders met again by another name, not walked again (SpaceResult.foldersAgain). */
  foldersAgain?: number;
  /** Files met again through a mount inside the selection, counted once (SpaceResult.mountedAgain). */
  mountedAgain?: number;
  durationMs: number;
  /** When the analysis finished (ms since the epoch), for the view's "Analyzed at": a refresh shows as a new time. */
  finishedAt?: number;
}

export interface CloneSide {
  path: string;
  size: U64String;
  /** The size before the operation, where it existed and the operation changed it. */
  sizeBefore?: U64String;
  before?: WireWindow;
  after: WireWindow;
  sharedBytes: U64String;
  /**
   * true: the map has no sharing information (an SMB server reports allocated ranges only), so
   * sharedBytes is not a measurement and the view says "not reported".
   */
  sharingUnknown?: boolean;
  /**
   * false: the file was created by the operation (a new name, a rename after a collision, a
   * copy), so there is no "before"; true: it existed (`before` absent = it could not be mapped).
   * Absent (older hosts): `before` absent means it did not exist.
   */
  existedBefore?: boolean;
  /** Clone Range: the bytes it cloned (or copied) in this file, [offset, offset + length). */
  range?: { offset: U64String; length: U64String };
}

export interface CloneResultsData {
  operation: string;
  method: string;
  fellBack: boolean;
  fallbackReason?: string;
  bytes: U64String;
  /** Calls of `method` (OperationReport.calls). */
  calls: number;
  /** The other calls made on the way, by name (OperationReport.otherCalls: lseek, FS_IOC_FIEMAP; the sparse flag, ...). */
  otherCalls?: Record<string, number>;
  durationMs: number;
  /** Bytes that did not need new space because they are shared. */
  spaceSaved: U64String;
  source: CloneSide;
  destination: CloneSide;
  notes: string[];
  /** Present after the person asked for a measured comparison with a physical copy. */
  comparison?: { copyMs: number; copyBytes: U64String; cloneMs: number };
}

// ---- webview -> host -------------------------------------------------------------------

export type WebviewMessage =
  | { type: 'ready' }
  /**
   * `binCount` (optional): how many bins to use when the window holds more than maxExtents
   * extents (default min(maxExtents, 4096)); the webview asks for one bin per device pixel.
   */
  | { type: 'requestWindow'; requestId: number; offset: U64String; length: U64String; maxExtents: number; binCount?: number }
  | { type: 'requestRows'; requestId: number; start: number; count: number }
  | { type: 'refresh' }
  /**
   * Export the view's data. The Space view sends the files it shows in the table's order
   * (`shown`: indices into its files, each once) and, with a filter set or zoomed into a
   * folder, the filter text and the folder (relative to the analysis's base), for the save
   * dialog and the export's own note; `shown` without `filter` is every file, in that order.
   */
  | { type: 'export'; format: 'json' | 'csv'; shown?: number[]; filter?: string; folder?: string }
  /** `requestId` (optional): the host answers with `copied` (did the clipboard write work). */
  | { type: 'copyText'; text: string; requestId?: number }
  /** `item`: which file of a multi-file result (CloneResults `items` index; default 0). */
  | { type: 'compareWithCopy'; item?: number }
  /** Space view: analyse again (exactScan: map every other file of the file system). */
  | { type: 'spaceScan'; exactScan: boolean }
  /** Space view: stop the running analysis. */
  | { type: 'spaceCancel' }
  /** Space view: the rows before `upTo` arrived and are drawn (the host sends more only then: flow control). */
  | { type: 'spaceRowsSeen'; upTo: number }
  /** Space view: open the inspector on, or reveal in the explorer, files[index]. */
  | { type: 'spaceOpen'; index: number }
  | { type: 'spaceReveal'; index: number }
  /** Space view: which files of the selection files[index] shares with (answered by a spacePartners message). */
  | { type: 'spacePartners'; index: number }
  /** Space view: analyse the same selection again, the way it last ran (files deleted or changed since). */
  | { type: 'spaceRefresh' }
  /** Dedupe view: search again with the same settings. */
  | { type: 'dedupeFind' }
  /** Dedupe view: stop the search or the deduplication running. */
  | { type: 'dedupeCancel' }
  /** Dedupe view: Deduplicate these groups (indexes into the plan, each once); the host asks for confirmation. */
  | { type: 'dedupeApply'; groups: number[] }
  /** Dedupe view: open the inspector on, or reveal in the explorer, the file of plan.groups[group].ranges[range]. */
  | { type: 'dedupeOpen'; group: number; range: number }
  | { type: 'dedupeReveal'; group: number; range: number };

/** Most groups one Dedupe view shows (an index into DedupeWirePlan.groups is below this), and most ranges per group. */
export const MAX_DEDUPE_GROUPS = 10_000_000;
export const MAX_DEDUPE_RANGES = 10_000_000;

/** Most files one Space view message names (an index into SpaceData.files is below this). */
export const MAX_SPACE_FILES = 50_000_000;
/** Most file systems one Space analysis spans. */
export const MAX_SPACE_FILE_SYSTEMS = 4096;

const U64_RE = /^(0|[1-9][0-9]{0,19})$/;
export const U64_MAX = (1n << 64n) - 1n;

export function isU64String(v: unknown): v is U64String {
  return typeof v === 'string' && U64_RE.test(v) && BigInt(v) <= U64_MAX;
}

export function isInt(v: unknown, min: number, max: number): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
}

/** A string of at most `max` UTF-16 units (a path, a filter, a note). */
export const isStr = (v: unknown, max = 1 << 20): v is string => typeof v === 'string' && v.length <= max;

/** Most bins one window may be split into (a very wide canvas at devicePixelRatio 4). */
export const MAX_BINS = 32_768;

/** Most files one clone-results view lists. */
export const MAX_RESULT_ITEMS = 10_000;

/** Largest text a webview may ask the host to put on the clipboard (64 MiB). */
export const MAX_COPY_TEXT = 64 * 1024 * 1024;

/**
 * Validate one message from a webview. Unknown types, missing or extra-typed fields and out of
 * range numbers give undefined; the host logs and ignores those.
 */
export function parseWebviewMessage(m: unknown): WebviewMessage | undefined {
  if (typeof m !== 'object' || m === null || Array.isArray(m)) return undefined;
  const o = m as Record<string, unknown>;
  switch (o.type) {
    case 'ready':
    case 'refresh':
      return { type: o.type };
    case 'compareWithCopy':
      if (o.item === undefined) return { type: 'compareWithCopy' };
      return isInt(o.item, 0, MAX_RESULT_ITEMS - 1) ? { type: 'compareWithCopy', item: o.item } : undefined;
    case 'requestWindow':
      if (
        isInt(o.requestId, 0, Number.MAX_SAFE_INTEGER) &&
        isU64String(o.offset) &&
        isU64String(o.length) &&
        isInt(o.maxExtents, 1, 1_000_000)
      ) {
        if (BigInt(o.offset) + BigInt(o.length) > U64_MAX) return undefined;
        if (o.binCount === undefined) {
          return { type: 'requestWindow', requestId: o.requestId, offset: o.offset, length: o.length, maxExtents: o.maxExtents };
        }
        if (!isInt(o.binCount, 1, MAX_BINS)) return undefined;
        return {
          type: 'requestWindow',
          requestId: o.requestId,
          offset: o.offset,
          length: o.length,
          maxExtents: o.maxExtents,
          binCount: o.binCount,
        };
      }
      return undefined;
    case 'requestRows':
      if (isInt(o.requestId, 0, Number.MAX_SAFE_INTEGER) && isInt(o.start, 0, Number.MAX_SAFE_INTEGER) && isInt(o.count, 1, 10_000)) {
        return { type: 'requestRows', requestId: o.requestId, start: o.start, count: o.count };
      }
      return undefined;
    case 'export':
      if (o.format !== 'json' && o.format !== 'csv') return undefined;
      if (o.shown === undefined && o.filter === undefined && o.folder === undefined) return { type: 'export', format: o.format };
      return Array.isArray(o.shown) &&
        o.shown.length <= MAX_SPACE_FILES &&
        o.shown.every((i) => isInt(i, 0, MAX_SPACE_FILES - 1)) &&
        new Set(o.shown).size === o.shown.length &&
        (o.filter === undefined || isStr(o.filter, 4096)) &&
        (o.folder === undefined || isStr(o.folder, 4096))
        ? {
            type: 'export',
            format: o.format,
            shown: o.shown as number[],
            ...(o.filter !== undefined ? { filter: o.filter } : {}),
            ...(o.folder !== undefined ? { folder: o.folder } : {}),
          }
        : undefined;
    case 'spaceScan':
      return typeof o.exactScan === 'boolean' ? { type: 'spaceScan', exactScan: o.exactScan } : undefined;
    case 'spaceCancel':
      return { type: 'spaceCancel' };
    case 'spaceRowsSeen':
      return isInt(o.upTo, 0, MAX_SPACE_FILES) ? { type: 'spaceRowsSeen', upTo: o.upTo } : undefined;
    case 'spaceOpen':
    case 'spaceReveal':
    case 'spacePartners':
      return isInt(o.index, 0, MAX_SPACE_FILES - 1) ? { type: o.type, index: o.index } : undefined;
    case 'spaceRefresh':
      return { type: 'spaceRefresh' };
    case 'dedupeFind':
    case 'dedupeCancel':
      return { type: o.type };
    case 'dedupeApply': {
      const g = o.groups;
      if (!Array.isArray(g) || g.length === 0 || g.length > MAX_DEDUPE_GROUPS) return undefined;
      if (!g.every((i) => isInt(i, 0, MAX_DEDUPE_GROUPS - 1)) || new Set(g).size !== g.length) return undefined;
      return { type: 'dedupeApply', groups: [...(g as number[])] };
    }
    case 'dedupeOpen':
    case 'dedupeReveal':
      return isInt(o.group, 0, MAX_DEDUPE_GROUPS - 1) && isInt(o.range, 0, MAX_DEDUPE_RANGES - 1)
        ? { type: o.type, group: o.group, range: o.range }
        : undefined;
    case 'copyText':
      if (typeof o.text !== 'string' || o.text.length > MAX_COPY_TEXT) return undefined;
      if (o.requestId === undefined) return { type: 'copyText', text: o.text };
      return isInt(o.requestId, 0, Number.MAX_SAFE_INTEGER) ? { type: 'copyText', text: o.text, requestId: o.requestId } : undefined;
    default:
      return undefined;
  }
}

// ---- bigint <-> wire -------------------------------------------------------------------

export const toWire = (v: bigint): U64String => v.toString(10);
export const fromWire = (s: U64String): bigint => BigInt(s);
