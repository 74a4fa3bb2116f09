// What punching a byte range can free. File systems deallocate whole blocks only: a partial
// block at either end of the range is zeroed and stays allocated, and past the end of the file
// there is nothing to free. The engine's note on a measured punch says so, and the Punch Hole
// confirmation asks with the same parts. Zeroing counts only what lies inside the file.

interface PunchParts {
  /** Bytes of the range in whole blocks: what can be deallocated, where it is allocated. */
  whole: bigint;
  /** Bytes of the range in partial blocks at its ends, below the end of the file: zeroed, not deallocated. */
  zeroed: bigint;
  /** Bytes of the range past the end of the file. */
  pastEnd: bigint;
}

export function punchParts(offset: bigint, length: bigint, size: bigint, blockSize: number): PunchParts {
  const end = offset + length;
  const bs = BigInt(blockSize > 0 ? blockSize : 1);
  const first = ((offset + bs - 1n) / bs) * bs;
  const last = (end / bs) * bs;
  const whole = last > first ? last - first : 0n;
  const partial: Array<[bigint, bigint]> =
    whole > 0n
      ? [
          [offset, first],
          [last, end],
        ]
      : [[offset, end]];
  let zeroed = 0n;
  for (const [a, b] of partial) {
    const top = b < size ? b : size;
    if (top > a) zeroed += top - a;
  }
  const pastEnd = end > size ? end - (offset > size ? offset : size) : 0n;
  return { whole, zeroed, pastEnd };
}

/**
 * The notes of a punch that freed `freed` bytes (measured) of `length` asked for: why the two
 * differ, from the parts above. Undefined when they are equal.
 */
export function punchNotes(
  offset: bigint,
  length: bigint,
  size: bigint,
  blockSize: number,
  freed: bigint,
  measuredWith: string,
): string[] | undefined {
  if (freed === length) return undefined;
  const { whole, zeroed, pastEnd } = punchParts(offset, length, size, blockSize);
  const notes = [`${length} byte${length === 1n ? '' : 's'} asked for; ${freed} bytes deallocated (measured with ${measuredWith})`];
  if (zeroed > 0n)
    notes.push(
      `${zeroed} ${zeroed === 1n ? 'byte lies' : 'bytes lie'} in partial ${blockSize}-byte blocks at the ends of the range: zeroed, not deallocated`,
    );
  if (pastEnd > 0n) notes.push(`${pastEnd} ${pastEnd === 1n ? 'byte lies' : 'bytes lie'} past the end of the file (${size} bytes)`);
  if (freed < whole)
    notes.push(
      `of the ${whole} bytes in whole blocks, ${whole - freed} were not allocated (holes already${pastEnd > 0n ? ', or past the end' : ''})`,
    );
  return notes;
}

/**
 * What zeroing `length` bytes at `offset` of a file of `size` bytes zeroes: the part inside the
 * file (zeroing never extends it), and a note for the part past its end, which is not counted.
 */
export function zeroedWithin(offset: bigint, length: bigint, size: bigint): { bytes: bigint; notes: string[] } {
  const end = offset + length < size ? offset + length : size;
  const bytes = end > offset ? end - offset : 0n;
  const pastEnd = length - bytes;
  return {
    bytes,
    notes:
      pastEnd > 0n
        ? [
            `${pastEnd} ${pastEnd === 1n ? 'byte of the range lies' : 'bytes of the range lie'} past the end of the file (${size} bytes): nothing there to zero, and the size is unchanged`,
          ]
        : [],
  };
}
