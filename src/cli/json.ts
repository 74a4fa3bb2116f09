// JSON text for machines. Every offset and size is written as a decimal STRING ("N"): JSON
// numbers are doubles in most parsers and would round above 2^53. Counts that cannot reach
// 2^53 (calls, blockSize, durationMs) stay numbers.
//
// Documents are assembled from string pieces (no JSON.stringify with a replacer per value,
// which is slow for a million extents) and written in ~1 MiB chunks by ChunkWriter.

import type { ChunkWriter } from './output';

/** Printable ASCII without '"' and '\\': such a string is its own JSON literal between quotes. */
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/** A JSON string literal (most paths are plain: quoted as they are, ~7x faster than JSON.stringify). */
export const str = (s: string): string => (PLAIN.test(s) ? '"' + s + '"' : JSON.stringify(s));

/** A bigint as a JSON decimal string: "1152921504606846977". */
export const dec = (b: bigint): string => '"' + b.toString() + '"';

/** A finite number (durations are rounded to microseconds to keep the text short). */
export const num = (n: number): string => (Number.isFinite(n) ? String(Math.round(n * 1000) / 1000) : 'null');

export type JsonValue = string; // already-encoded JSON text

/** An object from already-encoded members, skipping undefined ones, keeping the given order. */
export function obj(members: [string, JsonValue | undefined][]): string {
  let s = '{';
  let first = true;
  for (const [k, v] of members) {
    if (v === undefined) continue;
    s += (first ? '' : ',') + str(k) + ':' + v;
    first = false;
  }
  return s + '}';
}

/**
 * Write `{head..., "key": [items...], tail...}` to `w`, encoding items in batches. `head` and
 * `tail` are already-encoded members; `encode` turns one item into JSON text.
 */
export function writeObjectWithArray<T>(
  w: ChunkWriter,
  head: [string, JsonValue | undefined][],
  key: string,
  items: readonly T[],
  /** Must return ASCII-only JSON (numbers, flags): it is copied byte for byte. */
  encode: (item: T) => string,
  tail: [string, JsonValue | undefined][],
): void {
  const headText = obj(head);
  w.push(headText.slice(0, -1) + (headText.length > 2 ? ',' : '') + str(key) + ':[');
  for (let i = 0; i < items.length; i++) {
    if (i > 0) w.ascii(',');
    w.ascii(encode(items[i]));
  }
  const tailText = obj(tail);
  w.push(']' + (tailText.length > 2 ? ',' + tailText.slice(1) : '}') + '\n');
  w.flush();
}
