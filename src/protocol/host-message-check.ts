// The webview's check of what the host sends (src/protocol/messages.ts has the types): a bug on
// the host (or a stale message from a previous document) must not make a view draw nonsense.
// parseHostMessage gives undefined for anything unknown or malformed, and the webview ignores it.
// The host's check of what a webview sends, parseWebviewMessage, is in messages.ts.
// (Just over 400 lines: one check per message type the host sends, each beside the types it
// guards; split by view they would share most of the field checks.)

import {
  EXTENT_CLASSES,
  MAX_BINS,
  MAX_DEDUPE_GROUPS,
  MAX_DEDUPE_RANGES,
  MAX_RESULT_ITEMS,
  MAX_SPACE_FILES,
  MAX_SPACE_FILE_SYSTEMS,
  MAX_SPACE_ROWS_MESSAGE,
  U64_MAX,
  isInt,
  isStr,
  isU64String,
  type CloneResultsData,
  type CloneSide,
  type DedupeWirePlan,
  type DedupeWireReport,
  type HostMessage,
  type I64String,
  type SpaceData,
  type SpaceWireRow,
  type SpaceWireTotals,
  type WireExtent,
  type WireSummary,
  type WireWindow,
} from './messages';

const I64_RE = /^-?(0|[1-9][0-9]{0,18})$/;

function isI64String(v: unknown): v is I64String {
  if (typeof v !== 'string' || !I64_RE.test(v)) return false;
  const n = BigInt(v);
  return n >= -(1n << 63n) && n < 1n << 63n;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
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
    (v.existedBefore === undefined || typeof v.existedBefore === 'boolean') &&
    (v.range === undefined || (isObj(v.range) && isU64String(v.range.offset) && isU64String(v.range.length)))
  );
}

const isNotes = (v: unknown): v is string[] => Array.isArray(v) && v.length <= 1000 && v.every((x) => isStr(x, 8192));

/** OperationReport.otherCalls: a few calls by name, each counted. */
const isCallCounts = (v: unknown): boolean =>
  isObj(v) && Object.keys(v).length <= 32 && Object.entries(v).every(([k, n]) => isStr(k, 64) && isInt(n, 0, Number.MAX_SAFE_INTEGER));

export function isCloneResultsData(v: unknown): v is CloneResultsData {
  if (!isObj(v)) return false;
  if (!isStr(v.operation, 64) || !isStr(v.method, 64) || typeof v.fellBack !== 'boolean') return false;
  if (v.fallbackReason !== undefined && !isStr(v.fallbackReason, 4096)) return false;
  if (!isU64String(v.bytes) || !isInt(v.calls, 0, Number.MAX_SAFE_INTEGER) || !isNum(v.durationMs) || v.durationMs < 0) return false;
  if (v.otherCalls !== undefined && !isCallCounts(v.otherCalls)) return false;
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

/** The figures a total and a path given share: files, sums, what deleting frees. */
function isSpaceFigures(v: unknown): v is Omit<SpaceWireTotals, 'unique'> {
  return (
    isObj(v) &&
    isInt(v.files, 0, MAX_SPACE_FILES) &&
    isSizeSumString(v.size) &&
    isU64String(v.allocated) &&
    isU64String(v.shared) &&
    isU64String(v.exclusive) &&
    isU64String(v.reclaimable) &&
    typeof v.reclaimableExact === 'boolean' &&
    isU64String(v.reclaimableMax) &&
    typeof v.reclaimableBounds === 'boolean'
  );
}

const isSpaceTotals = (v: unknown): v is SpaceWireTotals => isSpaceFigures(v) && isU64String((v as { unique?: unknown }).unique);

/** One path given's figures (SpaceWirePathTotals). */
const isSpacePathTotals = (v: unknown): boolean =>
  isObj(v) &&
  isStr(v.path, 8192) &&
  (v.sharingUnknownFiles === undefined || isInt(v.sharingUnknownFiles, 0, MAX_SPACE_FILES)) &&
  (v.unread === undefined || typeof v.unread === 'boolean') &&
  (v.without === undefined ||
    (Array.isArray(v.without) && v.without.length <= 100_000 && v.without.every((p: unknown) => isStr(p, 8192)))) &&
  isSpaceFigures(v);

/** Per-path failures: { path, code, message }. */
const isPathErrors = (v: unknown): boolean =>
  Array.isArray(v) &&
  v.length <= MAX_SPACE_FILES &&
  v.every((e) => isObj(e) && isStr(e.path, 8192) && isStr(e.code, 128) && isStr(e.message, 8192));

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
  if (v.paths !== undefined && (!Array.isArray(v.paths) || v.paths.length > v.roots.length || !v.paths.every(isSpacePathTotals)))
    return false;
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
