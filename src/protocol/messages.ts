// The typed protocol between the extension host (src/views/*) and the webviews (webview/*).
// Both sides import this file; it imports nothing from Node or VS Code.
//
// Webview messages travel as JSON, which has no bigint: every offset and size is a decimal
// string on the wire (exact above 2^53) and becomes a bigint again on each side (see
// toWire/fromWire). Everything the webview sends is untrusted: the host passes it through
// `parseWebviewMessage`, which returns undefined for anything unknown or malformed.

/** Extent classes the map draws, in drawing priority order. */
export const EXTENT_CLASSES = ['data', 'unwritten', 'shared', 'delalloc', 'inline', 'encoded'] as const;
export type ExtentClass = (typeof EXTENT_CLASSES)[number];

/** Decimal string of a non-negative 64-bit integer. */
export type U64String = string;

export interface WireExtent {
  offset: U64String;
  length: U64String;
  physical: U64String | null;
  flags: string[];
  refcount?: number;
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
  supportsClone: boolean;
  supportsSparse: boolean;
  /** MapSource of the engine ('fiemap', 'seek', ...) */
  source: string;
  /** One sentence on clone support evidence. */
  cloneEvidence: string;
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
  /** The clone-results view's data (see CloneResultsData). */
  | { type: 'cloneResults'; data: CloneResultsData };

export interface CloneSide {
  path: string;
  size: U64String;
  before?: WireWindow;
  after: WireWindow;
  sharedBytes: U64String;
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
  | { type: 'requestWindow'; requestId: number; offset: U64String; length: U64String; maxExtents: number }
  | { type: 'requestRows'; requestId: number; start: number; count: number }
  | { type: 'refresh' }
  | { type: 'export'; format: 'json' | 'csv' }
  | { type: 'copyText'; text: string }
  | { type: 'compareWithCopy' };

const U64_RE = /^(0|[1-9][0-9]{0,19})$/;
const U64_MAX = (1n << 64n) - 1n;

export function isU64String(v: unknown): v is U64String {
  return typeof v === 'string' && U64_RE.test(v) && BigInt(v) <= U64_MAX;
}

function isInt(v: unknown, min: number, max: number): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
}

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
    case 'compareWithCopy':
      return { type: o.type };
    case 'requestWindow':
      if (isInt(o.requestId, 0, Number.MAX_SAFE_INTEGER) && isU64String(o.offset) && isU64String(o.length) && isInt(o.maxExtents, 1, 1_000_000)) {
        return { type: 'requestWindow', requestId: o.requestId, offset: o.offset, length: o.length, maxExtents: o.maxExtents };
      }
      return undefined;
    case 'requestRows':
      if (isInt(o.requestId, 0, Number.MAX_SAFE_INTEGER) && isInt(o.start, 0, Number.MAX_SAFE_INTEGER) && isInt(o.count, 1, 10_000)) {
        return { type: 'requestRows', requestId: o.requestId, start: o.start, count: o.count };
      }
      return undefined;
    case 'export':
      return o.format === 'json' || o.format === 'csv' ? { type: 'export', format: o.format } : undefined;
    case 'copyText':
      return typeof o.text === 'string' && o.text.length <= MAX_COPY_TEXT ? { type: 'copyText', text: o.text } : undefined;
    default:
      return undefined;
  }
}

// ---- bigint <-> wire -------------------------------------------------------------------

export const toWire = (v: bigint): U64String => v.toString(10);
export const fromWire = (s: U64String): bigint => BigInt(s);
