// Validation of the Clone Range inputs, run on every keystroke (showInputBox validateInput).
// The rule shown to the person is the kernel's / NTFS-ReFS's: offsets are multiples of the
// volume's block (cluster) size; the length too, unless the range ends exactly at the
// source's end of file, and then that partial last block must land at (or past) the
// destination's end: a partial block cannot be placed inside a file (Linux
// generic_remap_checks; the engine refuses it with E_MISALIGNED). Within one file the two
// ranges must not overlap. Every suggestion a message makes (an aligned offset, a length) is
// itself a valid answer.

import * as path from 'node:path';
import { bytesText, groupNumber, parseByteInput } from '../../host/logic/bytes';
import { humanBytes } from '../../protocol/format';
import { plainT, type Translate } from '../../host/logic/translate';

const INT64_MAX = (1n << 63n) - 1n;

/** The rule as one sentence, shown as the input box prompt. */
export function alignmentRule(blockSize: number, t: Translate = plainT): string {
  return t(
    "Offsets must be multiples of {0} ({1} bytes, this volume's block size); so must the length, unless the range ends at the end of the source file.",
    humanBytes(BigInt(blockSize)),
    groupNumber(blockSize),
  );
}

export type Checked = { value: bigint; error?: undefined } | { value?: undefined; error: string };

/**
 * A source or destination offset. `limit` (the source size) applies to the source offset only;
 * `sourceOffset` is given for the destination offset within the same file (it must differ).
 */
export function checkOffset(
  text: string,
  blockSize: number,
  opts: { limit?: bigint; what: 'source' | 'destination'; sourceOffset?: bigint },
  t: Translate = plainT,
): Checked {
  const p = parseByteInput(text, t);
  if ('error' in p) return { error: p.error };
  const bs = BigInt(blockSize) > 0n ? BigInt(blockSize) : 1n;
  const { limit } = opts;
  if (limit !== undefined && p.value >= limit && !(p.value === 0n && limit === 0n)) {
    const last = ((limit - 1n) / bs) * bs;
    return {
      error: t(
        'The source file is {0} long; the source offset must be below that (the last block starts at {1}).',
        bytesText(limit, t),
        groupNumber(last),
      ),
    };
  }
  if (p.value > INT64_MAX) return { error: t('Offsets above 2^63 − 1 are not possible.') };
  if (p.value % bs !== 0n) {
    const down = (p.value / bs) * bs;
    const up = down + bs;
    const upValid = (limit === undefined || up < limit) && up <= INT64_MAX && up !== opts.sourceOffset;
    const downValid = down !== opts.sourceOffset;
    const tries = [downValid ? down : undefined, upValid ? up : undefined].filter((x): x is bigint => x !== undefined);
    const args = [groupNumber(p.value), groupNumber(blockSize)];
    if (tries.length === 2)
      return { error: t('{0} is not a multiple of the block size {1}; try {2} or {3}.', ...args, ...tries.map(groupNumber)) };
    if (tries.length === 1) return { error: t('{0} is not a multiple of the block size {1}; try {2}.', ...args, groupNumber(tries[0])) };
    return { error: t('{0} is not a multiple of the block size {1}.', ...args) };
  }
  if (opts.sourceOffset !== undefined && p.value === opts.sourceOffset) {
    return {
      error: t(
        'Within one file the destination offset must differ from the source offset ({0}): the ranges would overlap.',
        groupNumber(p.value),
      ),
    };
  }
  return { value: p.value };
}

interface LengthContext {
  blockSize: number;
  sourceSize: bigint;
  sourceOffset: bigint;
  /** Same file: the destination range may not overlap the source range. */
  sameFile: boolean;
  destinationOffset: bigint;
  /** The destination file's size (the source's within one file): a partial last block must end at or past it. */
  destinationSize: bigint;
}

export function checkLength(text: string, c: LengthContext, t: Translate = plainT): Checked {
  const p = parseByteInput(text, t);
  if ('error' in p) return { error: p.error };
  const len = p.value;
  if (len === 0n) return { error: t('The length must be more than 0 bytes.') };
  const end = c.sourceOffset + len;
  if (end > c.sourceSize) {
    return {
      error: t(
        "The range ends past the source's end of file; at most {0} fit from that offset.",
        bytesText(c.sourceSize - c.sourceOffset, t),
      ),
    };
  }
  const bs = BigInt(c.blockSize);
  if (bs > 0n && len % bs !== 0n && end !== c.sourceSize) {
    return {
      error: t(
        "{0} is not a multiple of the block size {1}, and the range does not end at the source's end of file ({2}).",
        groupNumber(len),
        groupNumber(c.blockSize),
        groupNumber(c.sourceSize),
      ),
    };
  }
  if (bs > 0n && len % bs !== 0n && c.destinationOffset + len < c.destinationSize) {
    const whole = (len / bs) * bs;
    const args = [groupNumber(c.destinationSize), groupNumber(c.destinationOffset + len)];
    return {
      error:
        whole > 0n
          ? t(
              "A partial last block can only be cloned to the destination's end ({0}); this range would end at {1}, inside it. Try {2} (whole blocks).",
              ...args,
              groupNumber(whole),
            )
          : t(
              "A partial last block can only be cloned to the destination's end ({0}); this range would end at {1}, inside it. Go back and choose a destination offset nearer the end.",
              ...args,
            ),
    };
  }
  if (c.destinationOffset + len > INT64_MAX) return { error: t('The destination range would end above 2^63 − 1.') };
  if (c.sameFile && rangesOverlap(c.sourceOffset, c.destinationOffset, len)) {
    return {
      error: t(
        'Within one file the source and destination ranges must not overlap: at most {0} fit between these offsets.',
        bytesText(maxLength(c), t),
      ),
    };
  }
  return { value: len };
}

/**
 * The destination offset first offered within one file: the first block past its end (no
 * overlap; the file grows), or, for a file reaching up to 2^63 − 1 (an 8 EiB sparse image, no
 * block past its end), the nearest offset that does not overlap the source offset's block: 0,
 * or the next block when the source offset is 0. Always a valid answer, with a valid length.
 */
export function sameFileDestinationDefault(sourceSize: bigint, sourceOffset: bigint, blockSize: number): bigint {
  const bs = BigInt(Math.max(1, blockSize));
  const past = ((sourceSize + bs - 1n) / bs) * bs;
  if (past + bs <= INT64_MAX) return past;
  return sourceOffset >= bs ? 0n : bs;
}

export function rangesOverlap(a: bigint, b: bigint, len: bigint): boolean {
  return a < b + len && b < a + len;
}

/** The length that reaches the source's end of file from `sourceOffset`. */
export function lengthToEof(sourceSize: bigint, sourceOffset: bigint): bigint {
  return sourceSize > sourceOffset ? sourceSize - sourceOffset : 0n;
}

/**
 * The longest valid length for these offsets (the length box's default): to the source's end
 * of file, in whole blocks where that end's partial block would land inside the destination,
 * and within one file no further than the distance between the two offsets (both are
 * block-aligned, so that length is too). 0 when no length is valid.
 */
export function maxLength(c: LengthContext): bigint {
  let toEof = lengthToEof(c.sourceSize, c.sourceOffset);
  const bs = BigInt(c.blockSize);
  if (bs > 0n && toEof % bs !== 0n && c.destinationOffset + toEof < c.destinationSize) toEof = (toEof / bs) * bs;
  if (c.destinationOffset + toEof > INT64_MAX) toEof = roomBelowMax(c);
  if (!c.sameFile) return toEof;
  const gap = c.destinationOffset > c.sourceOffset ? c.destinationOffset - c.sourceOffset : c.sourceOffset - c.destinationOffset;
  return gap < toEof ? gap : toEof;
}

/**
 * The most that fits from the destination offset up to 2^63 − 1 (the largest file end): whole
 * blocks, since such a range stops short of the source's end (a partial block only ends there).
 */
function roomBelowMax(c: LengthContext): bigint {
  const room = c.destinationOffset < INT64_MAX ? INT64_MAX - c.destinationOffset : 0n;
  const bs = BigInt(c.blockSize);
  return bs > 0n ? (room / bs) * bs : room;
}

/**
 * The length box's prompt: the longest length and what sets it (the source's end, whole blocks
 * before a destination's end, or within one file the distance between the offsets: the two
 * ranges may not overlap), then the block-size rule.
 */
export function lengthPrompt(c: LengthContext, rule: string, t: Translate = plainT): string {
  const longest = maxLength(c);
  const toEof = lengthToEof(c.sourceSize, c.sourceOffset);
  const bs = BigInt(c.blockSize);
  const wholeBlocks = bs > 0n && toEof % bs !== 0n && c.destinationOffset + toEof < c.destinationSize;
  const why =
    longest === 0n
      ? t("from the source offset to the source's end: {0}", groupNumber(toEof))
      : c.destinationOffset + toEof > INT64_MAX && longest === roomBelowMax(c)
        ? t('at most {0}: whole blocks up to the largest file end, 2^63 − 1, from the destination offset', groupNumber(longest))
        : c.sameFile && longest < (wholeBlocks ? (toEof / bs) * bs : toEof)
          ? t('at most {0}: within one file the two ranges may not overlap', groupNumber(longest))
          : wholeBlocks
            ? t(
                "at most {0}: whole blocks to the source's end, since a partial last block may only land at the destination's end",
                groupNumber(longest),
              )
            : t("at most {0}: to the source's end", groupNumber(longest));
  return t('Length in bytes ({0}). {1}', why, rule);
}

/**
 * What the confirmation adds when the destination range ends past the destination's end of
 * file: the file grows (and a gap before the range becomes a hole). undefined when it does not.
 */
export function growthNote(
  name: string,
  destinationSize: bigint,
  destinationOffset: bigint,
  length: bigint,
  t: Translate = plainT,
): string | undefined {
  const end = destinationOffset + length;
  if (end <= destinationSize) return undefined;
  if (destinationOffset > destinationSize) {
    return t(
      '{0} grows from {1} to {2} bytes; bytes {1}–{3}, past its old end, become a hole.',
      name,
      groupNumber(destinationSize),
      groupNumber(end),
      groupNumber(destinationOffset),
    );
  }
  return t('{0} grows from {1} to {2} bytes.', name, groupNumber(destinationSize), groupNumber(end));
}

/** What Clone Range asks before it runs: the question (with how the file grows) and the modal's detail. */
interface RangeConfirmation {
  question: string;
  detail: string;
}

/**
 * The confirmation of a Clone Range (or its copy). A destination range that starts at or past the
 * destination's end replaces nothing, so it is not worded as a replacement; one that ends past
 * it says how the file grows (growthNote).
 */
export function rangeConfirmation(
  r: {
    source: string;
    target: string;
    sourceOffset: bigint;
    targetOffset: bigint;
    length: bigint;
    destinationSize: bigint;
    copy: boolean;
    /** Bytes of data in the source range (the rest is hole), where known. */
    sourceData?: bigint;
  },
  t: Translate = plainT,
): RangeConfirmation {
  const pastEnd = r.targetOffset >= r.destinationSize;
  const nums = [
    groupNumber(r.targetOffset),
    groupNumber(r.targetOffset + r.length),
    r.target,
    groupNumber(r.sourceOffset),
    groupNumber(r.sourceOffset + r.length),
    r.source,
  ] as const;
  const question = !pastEnd
    ? t('Replace bytes {0}–{1} of {2} with bytes {3}–{4} of {5}?', ...nums)
    : r.copy
      ? t('Copy bytes {3}–{4} of {5} to bytes {0}–{1} of {2}, past its end?', ...nums)
      : t('Clone bytes {3}–{4} of {5} to bytes {0}–{1} of {2}, past its end?', ...nums);
  const growth = growthNote(path.basename(r.target), r.destinationSize, r.targetOffset, r.length, t);
  const size = bytesText(r.length, t);
  const detail = pastEnd
    ? r.copy
      ? t('{0}. Nothing in the destination is overwritten: it gets a copy (its own blocks, nothing shared) past its old end.', size)
      : t('{0}. Nothing in the destination is overwritten: it gets shared (cloned) blocks past its old end.', size)
    : r.copy
      ? t('{0}. The destination range is overwritten in place by a copy (its own blocks, nothing shared).', size)
      : r.sourceData === 0n
        ? t('{0}. That range of the source is a hole: the destination range becomes a hole, its data there deallocated.', size)
        : t('{0}. The destination range is overwritten in place by shared (cloned) blocks.', size);
  // part hole: those bytes of the destination become holes too (inside it: data deallocated)
  const holes =
    !r.copy && !pastEnd && r.sourceData !== undefined && r.sourceData > 0n && r.sourceData < r.length
      ? ' ' + t('{0} of it are holes in the source: those bytes of the destination become holes.', bytesText(r.length - r.sourceData, t))
      : '';
  // "A–B" is half open, as the inspector's "End (exclusive)": said, not left to be read as inclusive (a trial did)
  const halfOpen = t('Each range runs from its first byte up to, not including, its end.');
  return { question: growth ? `${question} ${growth}` : question, detail: `${detail}${holes} ${halfOpen}` };
}
