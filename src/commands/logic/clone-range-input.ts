// Validation of the Clone Range inputs, run on every keystroke (showInputBox validateInput).
// The rule shown to the person is the kernel's / NTFS-ReFS's: offsets are multiples of the
// volume's block (cluster) size; the length too, unless the range ends exactly at the
// source's end of file. Within one file the two ranges must not overlap.

import { formatBytes, parseByteInput } from '../../host/logic/bytes';
import { plainT, type Translate } from '../../host/logic/translate';

export const INT64_MAX = (1n << 63n) - 1n;

/** The rule as one sentence, shown as the input box prompt. */
export function alignmentRule(blockSize: number, t: Translate = plainT): string {
  return t(
    "Offsets must be multiples of {0} ({1} bytes, this volume's block size); so must the length, unless the range ends at the end of the source file.",
    formatBytes(BigInt(blockSize)),
    blockSize,
  );
}

export type Checked = { value: bigint; error?: undefined } | { value?: undefined; error: string };

/** A source or destination offset. `limit` (the source size) applies to the source offset only. */
export function checkOffset(
  text: string,
  blockSize: number,
  opts: { limit?: bigint; what: 'source' | 'destination' },
  t: Translate = plainT,
): Checked {
  const p = parseByteInput(text, t);
  if ('error' in p) return { error: p.error };
  const bs = BigInt(blockSize);
  if (bs > 0n && p.value % bs !== 0n) {
    const down = (p.value / bs) * bs;
    return {
      error: t(
        '{0} is not a multiple of the block size {1}; try {2} or {3}.',
        p.value.toString(),
        blockSize,
        down.toString(),
        (down + bs).toString(),
      ),
    };
  }
  if (opts.limit !== undefined && p.value >= opts.limit && !(p.value === 0n && opts.limit === 0n)) {
    return { error: t('The source file is {0} bytes long; the source offset must be below that.', opts.limit.toString()) };
  }
  if (p.value > INT64_MAX) return { error: t('Offsets above 2^63 - 1 are not possible.') };
  return { value: p.value };
}

export interface LengthContext {
  blockSize: number;
  sourceSize: bigint;
  sourceOffset: bigint;
  /** Same file: the destination range may not overlap the source range. */
  sameFile: boolean;
  destinationOffset: bigint;
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
        "The range ends past the source's end of file; at most {0} bytes fit from that offset.",
        (c.sourceSize - c.sourceOffset).toString(),
      ),
    };
  }
  const bs = BigInt(c.blockSize);
  if (bs > 0n && len % bs !== 0n && end !== c.sourceSize) {
    return {
      error: t(
        "{0} is not a multiple of the block size {1}, and the range does not end at the source's end of file ({2}).",
        len.toString(),
        c.blockSize,
        c.sourceSize.toString(),
      ),
    };
  }
  if (c.destinationOffset + len > INT64_MAX) return { error: t('The destination range would end above 2^63 - 1.') };
  if (c.sameFile && rangesOverlap(c.sourceOffset, c.destinationOffset, len)) {
    return { error: t('Within one file the source and destination ranges must not overlap.') };
  }
  return { value: len };
}

export function rangesOverlap(a: bigint, b: bigint, len: bigint): boolean {
  return a < b + len && b < a + len;
}

/** The length that reaches the source's end of file from `sourceOffset` (the box's default). */
export function lengthToEof(sourceSize: bigint, sourceOffset: bigint): bigint {
  return sourceSize > sourceOffset ? sourceSize - sourceOffset : 0n;
}
