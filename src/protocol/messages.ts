// The typed protocol between the extension host (src/views/*) and the webviews (webview/*).
// Both sides import this file; it imports nothing from Node or VS Code.
//
// Webview messages travel as JSON, which has no bigint: every offset and size is a decimal
// string on the wire (exact above 2^53) and becomes a bigint again on each side (see
// toWire/fromWire). Everything the webview sends is untrusted: the host passes it through
// `parseWebviewMessage`, which returns undefined for anything unknown or malformed.
// (Over 400 lines on purpose: each message type stands next to its validator, so a new field
// cannot be added on one side only.)

/** Extent classes the map draws, in drawing priority order. */
export const EXTENT_CLASSES = ['data', 'unwritten', 'shared', 'delalloc', 'inline', 'encoded'] as const;
export type ExtentClass = (typeof EXTENT_CLASSES)[number];

/** Decimal string of a non-negative 64-bit integer. */
export type U64String = string;

/** Decimal string of a signed 64-bit integer (a change that can go either way). */
type I64String = string;

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
}

export interface CloneResultsData {
  operation: string;
  method: string;
  fellBack: boolean;
  fallbackReason?: string;
  bytes: U64String;
  calls: number;
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
const MAX_DEDUPE_GROUPS = 10_000_000;
const MAX_DEDUPE_RANGES = 10_000_000;

/** Most files one Space view message names (an index into SpaceData.files is below this). */
const MAX_SPACE_FILES = 50_000_000;
/** Most file systems one Space analysis spans. */
const MAX_SPACE_FILE_SYSTEMS = 4096;

const U64_RE = /^(0|[1-9][0-9]{0,19})$/;
const U64_MAX = (1n << 64n) - 1n;

export function isU64String(v: unknown): v is U64String {
  return typeof v === 'string' && U64_RE.test(v) && BigInt(v) <= U64_MAX;
}

const I64_RE = /^-?(0|[1-9][0-9]{0,18})$/;

function isI64String(v: unknown): v is I64String {
  if (typeof v !== 'string' || !I64_RE.test(v)) return false;
  const n = BigInt(v);
  return n >= -(1n << 63n) && n < 1n << 63n;
}

function isInt(v: unknown, min: number, max: number): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
}

/** Most bins one window may be split into (a very wide canvas at devicePixelRatio 4). */
export const MAX_BINS = 32_768;

/** Most files one clone-results view lists. */
const MAX_RESULT_ITEMS = 10_000;

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

// ---- host -> webview validation ---------------------------------------------------------
// The webview validates what the host sends too: a bug on the host (or a stale message from a
// previous document) must not make the map draw nonsense. Malformed messages give undefined
// and the webview ignores them.

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStr = (v: unknown, max = 1 << 20): v is string => typeof v === 'string' && v.length <= max;
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isStrArr = (v: unknown, maxLen = 64): v is string[] => Array.isArray(v) && v.length <= maxLen && v.every((x) => isStr(x, 256));

export function isWireExtent(v: unknown): v is WireExtent {
  if (!isObj(v)) return false;
  if (!isU64String(v.offset) || !isU64String(v.length)) return false;
  if (!(v.physical === null || isU64String(v.physical))) return false;
  if (!isStrArr(v.flags)) return false;
  if (v.refcount !== undefined && !isInt(v.refcount, 0, 0xffffffff)) return false;
  if (v.index !== undefined && !isInt(v.index, 0, Number.MAX_SAFE_INTEGER)) return false;
  return BigInt(v.offset) + BigInt(v.length) <= U64_MAX;
}

export function isWireWindow(v: unknown): v is WireWindow {
  if (!isObj(v)) return false;
  if (!isU64String(v.offset) || !isU64String(v.length)) return false;
  if (!isInt(v.extentCount, 0, Number.MAX_SAFE_INTEGER)) return false;
  if (v.prevEnd !== undefined && !isU64String(v.prevEnd)) return false;
  if (v.nextStart !== undefined && !isU64String(v.nextStart)) return false;
  if (v.firstIndex !== undefined && !isInt(v.firstIndex, 0, Number.MAX_SAFE_INTEGER)) return false;
  if (v.sampled !== undefined && typeof v.sampled !== 'boolean') return false;
  if (v.extents !== undefined) {
    if (!Array.isArray(v.extents) || v.extents.length > 1_000_000 || !v.extents.every(isWireExtent)) return false;
  }
  if (v.bins !== undefined || v.binCount !== undefined) {
    if (!isInt(v.binCount, 1, MAX_BINS) || !Array.isArray(v.bins)) return false;
    if (v.bins.length !== v.binCount * EXTENT_CLASSES.length) return false;
    if (!v.bins.every((b) => isNum(b) && b >= 0 && b <= 1.000001)) return false;
    const B = v.binCount;
    const perBin = (a: unknown): boolean => a === undefined || (Array.isArray(a) && a.length === B && a.every((x) => isNum(x) && x >= 0));
    if (!perBin(v.binExtents) || !perBin(v.binBytes) || !perBin(v.binFirst)) return false;
  } else if (v.binExtents !== undefined || v.binBytes !== undefined || v.binFirst !== undefined) {
    return false;
  }
  return v.extents !== undefined || v.bins !== undefined;
}

export function isWireSummary(v: unknown): v is WireSummary {
  return (
    isObj(v) &&
    isStr(v.path, 8192) &&
    isStr(v.name, 4096) &&
    isU64String(v.size) &&
    isU64String(v.allocated) &&
    isNum(v.sparseRatio) &&
    v.sparseRatio >= 0 &&
    v.sparseRatio <= 1 &&
    isInt(v.extentCount, 0, Number.MAX_SAFE_INTEGER) &&
    isU64String(v.sharedBytes) &&
    isU64String(v.unwrittenBytes) &&
    isStr(v.filesystem, 256) &&
    isInt(v.blockSize, 0, 0xffffffff) &&
    (v.supportsClone === undefined || typeof v.supportsClone === 'boolean') &&
    typeof v.supportsSparse === 'boolean' &&
    isStr(v.source, 64) &&
    isStr(v.cloneEvidence, 4096) &&
    (v.pending === undefined || typeof v.pending === 'boolean') &&
    (v.truncatedAt === undefined || isU64String(v.truncatedAt)) &&
    (v.pastEof === undefined || isU64String(v.pastEof)) &&
    (v.pastEofData === undefined || isU64String(v.pastEofData)) &&
    (v.inline === undefined || typeof v.inline === 'boolean') &&
    (v.notes === undefined || (Array.isArray(v.notes) && v.notes.length <= 16 && v.notes.every((n) => isStr(n, 4096))))
  );
}

function isCloneSide(v: unknown): v is CloneSide {
  return (
    isObj(v) &&
    isStr(v.path, 8192) &&
    isU64String(v.size) &&
    (v.sizeBefore === undefined || isU64String(v.sizeBefore)) &&
    (v.before === undefined || isWireWindow(v.before)) &&
    isWireWindow(v.after) &&
    isU64String(v.sharedBytes) &&
    (v.sharingUnknown === undefined || typeof v.sharingUnknown === 'boolean') &&
    (v.existedBefore === undefined || typeof v.existedBefore === 'boolean')
  );
}

const isNotes = (v: unknown): v is string[] => Array.isArray(v) && v.length <= 1000 && v.every((x) => isStr(x, 8192));

export function isCloneResultsData(v: unknown): v is CloneResultsData {
  if (!isObj(v)) return false;
  if (!isStr(v.operation, 64) || !isStr(v.method, 64) || typeof v.fellBack !== 'boolean') return false;
  if (v.fallbackReason !== undefined && !isStr(v.fallbackReason, 4096)) return false;
  if (!isU64String(v.bytes) || !isInt(v.calls, 0, Number.MAX_SAFE_INTEGER) || !isNum(v.durationMs) || v.durationMs < 0) return false;
  if (!isU64String(v.spaceSaved) || !isCloneSide(v.source) || !isCloneSide(v.destination)) return false;
  // (notes are sentences, not capped at a flag's 256 characters: a 500-character note of an SMB
  // copy had every Clone Results panel of it blank, the message refused)
  if (!isNotes(v.notes)) return false;
  if (v.comparison !== undefined) {
    const c = v.comparison;
    if (!isObj(c) || !isNum(c.copyMs) || c.copyMs < 0 || !isU64String(c.copyBytes) || !isNum(c.cloneMs) || c.cloneMs < 0) return false;
  }
  return true;
}

/**
 * A sum of the sizes of up to MAX_SPACE_FILES files (a Space total's apparent size): three
 * 8 EiB sparse images already pass 2^64, so it is bounded by the file count, not by 64 bits.
 */
const SIZE_SUM_MAX = U64_MAX * BigInt(MAX_SPACE_FILES);
const SUM_RE = /^(0|[1-9][0-9]{0,29})$/;

function isSizeSumString(v: unknown): v is string {
  return typeof v === 'string' && SUM_RE.test(v) && BigInt(v) <= SIZE_SUM_MAX;
}

function isSpaceTotals(v: unknown): v is SpaceWireTotals {
  return (
    isObj(v) &&
    isInt(v.files, 0, MAX_SPACE_FILES) &&
    isSizeSumString(v.size) &&
    isU64String(v.allocated) &&
    isU64String(v.shared) &&
    isU64String(v.exclusive) &&
    isU64String(v.unique) &&
    isU64String(v.reclaimable) &&
    typeof v.reclaimableExact === 'boolean' &&
    isU64String(v.reclaimableMax) &&
    typeof v.reclaimableBounds === 'boolean'
  );
}

/** Per-path failures: { path, code, message }. */
const isPathErrors = (v: unknown): boolean =>
  Array.isArray(v) &&
  v.length <= MAX_SPACE_FILES &&
  v.every((e) => isObj(e) && isStr(e.path, 8192) && isStr(e.code, 128) && isStr(e.message, 8192));

/** Sentences (notes): up to 1,000 of up to 8,192 characters. */

/** A file's numbers (a SpaceWireFile but for its sharing), on a file system index below `nfs`. */
function isSpaceRow(f: unknown, nfs: number): f is SpaceWireRow {
  if (!isObj(f) || !isStr(f.path, 8192) || !isU64String(f.size) || !isU64String(f.allocated)) return false;
  if (!isU64String(f.shared) || !isU64String(f.exclusive) || !isInt(f.fileSystem, 0, Math.max(0, nfs - 1))) return false;
  if (f.sharedInside !== undefined && !isU64String(f.sharedInside)) return false;
  if (f.encoded !== undefined && !isU64String(f.encoded)) return false;
  return f.sharingUnknown === undefined || typeof f.sharingUnknown === 'boolean';
}

/** A file's partners ([index, bytes] pairs, each index below `n`, at most 100) and their count. */
function isPartners(partners: unknown, count: unknown, n: number): boolean {
  if (!Array.isArray(partners) || partners.length > 100 || !isInt(count, partners.length, Number.MAX_SAFE_INTEGER)) return false;
  for (const p of partners as unknown[]) {
    if (!Array.isArray(p) || p.length !== 2 || !isInt(p[0], 0, n - 1) || !isU64String(p[1])) return false;
  }
  return true;
}

/** A spaceDone message: the rest of the result, a sharing entry for every file, every index inside them. */
function isSpaceDone(m: Record<string, unknown>): boolean {
  if (!isSpaceData(m.data) || m.data.files.length !== 0 || !isInt(m.start, 0, MAX_SPACE_FILES)) return false;
  if (!Array.isArray(m.rows) || !Array.isArray(m.sharing)) return false;
  const n = m.sharing.length;
  if (n !== m.start + m.rows.length || n > MAX_SPACE_FILES) return false;
  const nfs = m.data.fileSystems.length;
  if (!m.rows.every((r) => isSpaceRow(r, nfs))) return false;
  for (const s of m.sharing as unknown[]) {
    if (!Array.isArray(s) || s.length < 2 || s.length > 3 || !isInt(s[0], 0, Math.max(0, n - 1)) || !isU64String(s[1])) return false;
    if (s[2] !== undefined && !isU64String(s[2])) return false;
  }
  return true;
}

/** A Space view result: every field typed. */
export function isSpaceData(v: unknown): v is SpaceData {
  if (!isObj(v)) return false;
  if (!Array.isArray(v.roots) || v.roots.length > 100_000 || !v.roots.every((r) => isStr(r, 8192))) return false;
  if (!isStr(v.base, 8192) || (v.sep !== '/' && v.sep !== '\\') || typeof v.exactScan !== 'boolean') return false;
  if (!isSpaceTotals(v.total) || !Array.isArray(v.fileSystems) || v.fileSystems.length > MAX_SPACE_FILE_SYSTEMS) return false;
  const nfs = v.fileSystems.length;
  const isFs = (f: unknown): boolean =>
    isSpaceTotals(f) &&
    isObj(f) &&
    isStr(f.filesystem, 256) &&
    (f.mountPoint === undefined || isStr(f.mountPoint, 8192)) &&
    isNotes(f.notes) &&
    (f.exactScan === undefined || f.exactScan === 'ran' || f.exactScan === 'possible') &&
    (f.encoded === undefined || isU64String(f.encoded));
  if (!v.fileSystems.every(isFs)) return false;
  if (!Array.isArray(v.files) || v.files.length > MAX_SPACE_FILES) return false;
  const n = v.files.length;
  for (const f of v.files as unknown[]) {
    if (!isSpaceRow(f, nfs)) return false;
    const { sharesWithCount, overlap } = f as { sharesWithCount?: unknown; overlap?: unknown };
    if (sharesWithCount !== undefined && !isInt(sharesWithCount, 0, Math.max(0, n - 1))) return false;
    if (overlap !== undefined && !isU64String(overlap)) return false;
  }
  if (!isPathErrors(v.errors) || !isNotes(v.notes)) return false;
  return (
    isInt(v.symlinks, 0, Number.MAX_SAFE_INTEGER) &&
    isInt(v.hardLinks, 0, Number.MAX_SAFE_INTEGER) &&
    (v.foldersAgain === undefined || isInt(v.foldersAgain, 1, Number.MAX_SAFE_INTEGER)) &&
    (v.mountedAgain === undefined || isInt(v.mountedAgain, 1, Number.MAX_SAFE_INTEGER)) &&
    isNum(v.durationMs) &&
    v.durationMs >= 0 &&
    (v.finishedAt === undefined || (isNum(v.finishedAt) && v.finishedAt >= 0))
  );
}

/** A Dedupe view plan: every field typed, every range's file index inside `files`, each group at least two ranges. */
export function isDedupeWirePlan(v: unknown): v is DedupeWirePlan {
  if (!isObj(v)) return false;
  if (!Array.isArray(v.roots) || v.roots.length > 100_000 || !v.roots.every((r) => isStr(r, 8192))) return false;
  if (!isStr(v.base, 8192) || (v.sep !== '/' && v.sep !== '\\') || !isU64String(v.chunk) || !isU64String(v.minSize)) return false;
  if (!Array.isArray(v.files) || v.files.length > MAX_SPACE_FILES || !v.files.every((f) => isStr(f, 8192))) return false;
  const n = v.files.length;
  if (!Array.isArray(v.groups) || v.groups.length > MAX_DEDUPE_GROUPS) return false;
  for (const g of v.groups as unknown[]) {
    if (!isObj(g) || !isU64String(g.length) || !isU64String(g.netSaving) || typeof g.wholeFiles !== 'boolean') return false;
    if (g.compressed !== undefined && typeof g.compressed !== 'boolean') return false;
    if (g.placeUnknown !== undefined && typeof g.placeUnknown !== 'boolean') return false;
    if (!isU64String(g.candidateBytes) || (g.netSavingMin !== undefined && !isU64String(g.netSavingMin))) return false;
    if (g.alreadySharedBytes !== undefined && !isU64String(g.alreadySharedBytes)) return false;
    if (!Array.isArray(g.warnings) || g.warnings.length > 64 || !g.warnings.every((w) => isStr(w, 4096))) return false;
    if (!Array.isArray(g.ranges) || g.ranges.length < 2 || g.ranges.length > MAX_DEDUPE_RANGES) return false;
    if (g.readOnly !== undefined && (!Array.isArray(g.readOnly) || g.readOnly.length > MAX_DEDUPE_RANGES)) return false;
    if (g.cannotShare !== undefined && !isStr(g.cannotShare, 4096)) return false;
    for (const r of [...g.ranges, ...((g.readOnly as unknown[] | undefined) ?? [])] as unknown[]) {
      if (!isObj(r) || !isInt(r.file, 0, n - 1) || !isU64String(r.offset)) return false;
      if (r.alreadyShared !== undefined && typeof r.alreadyShared !== 'boolean') return false;
      if (r.readOnly !== undefined && typeof r.readOnly !== 'boolean') return false;
      if (r.freesNothing !== undefined && typeof r.freesNothing !== 'boolean') return false;
      if (BigInt(r.offset) + BigInt(g.length) > U64_MAX) return false;
    }
  }
  const t = v.total;
  if (!isObj(t) || !isInt(t.groups, 0, MAX_DEDUPE_GROUPS) || !isU64String(t.candidateBytes) || !isU64String(t.netSaving)) return false;
  if (!isInt(t.files, 0, MAX_SPACE_FILES) || !isU64String(t.hashedBytes)) return false;
  if (t.netSavingMin !== undefined && !isU64String(t.netSavingMin)) return false;
  if (t.lockedIn !== undefined && !isInt(t.lockedIn, 0, MAX_SPACE_FILES)) return false;
  if (v.cannotApply !== undefined && !isPathErrors(v.cannotApply)) return false;
  return isPathErrors(v.errors) && isNotes(v.notes) && isNum(v.durationMs) && v.durationMs >= 0;
}

export function isDedupeWireReport(v: unknown): v is DedupeWireReport {
  if (!isObj(v)) return false;
  if (!isInt(v.groups, 0, MAX_DEDUPE_GROUPS) || !isInt(v.files, 0, MAX_SPACE_FILES) || !isU64String(v.deduped)) return false;
  if (!isU64String(v.alreadyShared)) return false;
  if (!isInt(v.differed, 0, Number.MAX_SAFE_INTEGER) || !isInt(v.calls, 0, Number.MAX_SAFE_INTEGER)) return false;
  if (!isI64String(v.freed) || !isU64String(v.estimated) || !isStr(v.method, 256) || !isNotes(v.notes)) return false;
  if (v.remeasured !== undefined) {
    const m = v.remeasured;
    if (!isObj(m) || !isInt(m.afterS, 0, 86_400) || typeof m.pending !== 'boolean') return false;
  }
  if (v.estimatedMin !== undefined && !isU64String(v.estimatedMin)) return false;
  if (v.cancelled !== undefined) {
    const c = v.cancelled;
    if (!isObj(c) || !isInt(c.groups, 0, MAX_DEDUPE_GROUPS) || !isInt(c.groupsDone, 0, c.groups as number)) return false;
    if (typeof c.countsAtLeast !== 'boolean') return false;
  }
  if (!Array.isArray(v.skipped) || v.skipped.length > MAX_DEDUPE_RANGES) return false;
  for (const k of v.skipped as unknown[]) {
    if (!isObj(k) || !isStr(k.path, 8192) || !isU64String(k.offset) || !isU64String(k.length)) return false;
    if (!isStr(k.reason, 128) || !isStr(k.message, 8192)) return false;
  }
  return isNum(v.durationMs) && v.durationMs >= 0;
}

/** Validate one message from the host (webview side). Unknown or malformed: undefined. */
export function parseHostMessage(m: unknown): HostMessage | undefined {
  if (!isObj(m)) return undefined;
  switch (m.type) {
    case 'summary':
      return isWireSummary(m.summary) ? (m as HostMessage) : undefined;
    case 'overview':
      return isWireWindow(m.window) ? (m as HostMessage) : undefined;
    case 'window':
      return isInt(m.requestId, 0, Number.MAX_SAFE_INTEGER) && isWireWindow(m.window) ? (m as HostMessage) : undefined;
    case 'rows':
      return isInt(m.requestId, 0, Number.MAX_SAFE_INTEGER) &&
        isInt(m.start, 0, Number.MAX_SAFE_INTEGER) &&
        isInt(m.total, 0, Number.MAX_SAFE_INTEGER) &&
        Array.isArray(m.rows) &&
        m.rows.length <= 10_000 &&
        m.start + m.rows.length <= m.total &&
        m.rows.every(isWireExtent)
        ? (m as HostMessage)
        : undefined;
    case 'selectRange':
      return isU64String(m.offset) && isU64String(m.length) ? (m as HostMessage) : undefined;
    case 'progress':
      return isStr(m.message, 4096) && (m.done === undefined || isU64String(m.done)) && (m.total === undefined || isU64String(m.total))
        ? (m as HostMessage)
        : undefined;
    case 'error':
      return isStr(m.code, 128) && isStr(m.message, 8192) ? (m as HostMessage) : undefined;
    case 'copied':
      return isInt(m.requestId, 0, Number.MAX_SAFE_INTEGER) &&
        typeof m.ok === 'boolean' &&
        (m.error === undefined || (isStr(m.error, 4096) && !m.ok))
        ? (m as HostMessage)
        : undefined;
    case 'cloneResults':
      if (!isCloneResultsData(m.data)) return undefined;
      if (m.items === undefined) return m as HostMessage;
      return Array.isArray(m.items) && m.items.length >= 1 && m.items.length <= MAX_RESULT_ITEMS && m.items.every(isCloneResultsData)
        ? (m as HostMessage)
        : undefined;
    case 'spaceProgress':
      return isInt(m.files, 0, Number.MAX_SAFE_INTEGER) &&
        isU64String(m.bytes) &&
        isStr(m.message, 4096) &&
        typeof m.exactScan === 'boolean'
        ? (m as HostMessage)
        : undefined;
    case 'spaceRows':
      return isInt(m.start, 0, MAX_SPACE_FILES) &&
        Array.isArray(m.rows) &&
        m.rows.length <= MAX_SPACE_ROWS_MESSAGE &&
        m.start + m.rows.length <= MAX_SPACE_FILES &&
        // (how many file systems the analysis spans is known only at its end)
        m.rows.every((r) => isSpaceRow(r, MAX_SPACE_FILE_SYSTEMS)) &&
        isStr(m.base, 8192) &&
        (m.sep === '/' || m.sep === '\\') &&
        typeof m.exactScan === 'boolean'
        ? (m as HostMessage)
        : undefined;
    case 'space':
      return isSpaceData(m.data) ? (m as HostMessage) : undefined;
    case 'spaceDone':
      return isSpaceDone(m) ? (m as HostMessage) : undefined;
    case 'spacePartners':
      // (the view checks the indices against the files it has)
      return isInt(m.index, 0, MAX_SPACE_FILES - 1) && isPartners(m.partners, m.count, MAX_SPACE_FILES) ? (m as HostMessage) : undefined;
    case 'dedupeProgress':
      return (m.phase === 'find' || m.phase === 'apply') &&
        isInt(m.files, 0, Number.MAX_SAFE_INTEGER) &&
        isU64String(m.bytes) &&
        (m.total === undefined || isU64String(m.total)) &&
        isStr(m.message, 4096)
        ? (m as HostMessage)
        : undefined;
    case 'dedupe':
      return isDedupeWirePlan(m.plan) &&
        typeof m.canApply === 'boolean' &&
        (m.cannotApplyReason === undefined || isStr(m.cannotApplyReason, 4096)) &&
        (m.report === undefined || isDedupeWireReport(m.report)) &&
        (m.running === undefined || m.running === 'find' || m.running === 'apply')
        ? (m as HostMessage)
        : undefined;
    default:
      return undefined;
  }
}
