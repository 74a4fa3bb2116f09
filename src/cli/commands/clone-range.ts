// extent-lens clone-range SRC SRC_OFFSET DEST DEST_OFFSET LENGTH: share LENGTH bytes of SRC
// at DEST_OFFSET of DEST (FICLONERANGE, FSCTL_DUPLICATE_EXTENTS_TO_FILE[_EX]). DEST may be SRC
// itself (non-overlapping ranges). Offsets and length must be block aligned (the length may
// end at SRC's end of file); the engine checks that first and names the block size.

import { choice } from '../args';
import type { Command } from '../command';
import { dec, str } from '../json';
import { INT64_MAX, parseSize } from '../numbers';
import { UsageError } from '../usage-error';
import { asFsctlError } from '../errors';
import { writeReport } from '../report';
import { FALLBACK } from './clone';
import { amountOf } from '../status-line';

/**
 * --atomic where the OS has no all-or-nothing clone (Linux): refused by the engine before any
 * call (FsctlError.refusedOption, not its words), a wrong option here (exit 2), not a failed
 * clone. Anything else as it came.
 */
export function asUsageError(e: unknown): unknown {
  const f = asFsctlError(e);
  if (f?.refusedOption !== 'atomic') return e;
  const sentence = f.message.replace(/^clone-range: /, '').replace(/^an atomic \(all or nothing\) clone/, 'an all-or-nothing clone');
  return new UsageError(`--atomic: ${sentence}`);
}

export const cloneRangeCommand: Command = {
  name: 'clone-range',
  summary: 'Clone a byte range from one file into another (or into the same file).',
  args: ['SRC', 'SRC_OFFSET', 'DEST', 'DEST_OFFSET', 'LENGTH'],
  longRunning: (v) => v.fallback === 'copy',
  options: {
    atomic: {
      type: 'boolean',
      help: 'all or nothing (Windows/ReFS and SMB: DUPLICATE_EXTENTS_DATA_EX_SOURCE_ATOMIC); refused on Linux, whose FICLONERANGE has no such mode',
    },
    'no-extend': { type: 'boolean', help: 'fail instead of extending DEST when the range ends past its end' },
    fallback: FALLBACK,
  },
  description: `DEST must exist. Offsets and LENGTH accept 4k, 1MiB, 0x1000 or plain decimals.
LENGTH 0 means "to the end of SRC" (from SRC_OFFSET), as for FICLONERANGE.

JSON: {"method","source","destination","sourceOffset":"N","destinationOffset":"N",
       "length":"N","bytes":"N","calls":N,"durationMs":N,"operation","fellBack","copied","fallbackReason"?,"notes"?}`,
  examples: [
    {
      command: 'extent-lens clone-range base.img 0 vm.img 1M 1M',
      says: '1 MiB of base.img shared into vm.img at 1 MiB (vm.img must exist)',
    },
    { command: 'extent-lens clone-range vm.img 0 vm.img 16M 1M', says: 'within one file: its first MiB shared again at 16 MiB' },
  ],
  async run(ctx) {
    const [source, so, destination, dO, len] = ctx.positionals;
    const sourceOffset = parseSize(so, 'SRC_OFFSET');
    const destinationOffset = parseSize(dO, 'DEST_OFFSET');
    const length = parseSize(len, 'LENGTH');
    // wrong in the arguments themselves, as for punch: a usage error (exit 2), not the engine's E_RANGE (exit 1)
    if (sourceOffset + length > INT64_MAX)
      throw new UsageError(`SRC_OFFSET + LENGTH (${sourceOffset} + ${length}) ends past the largest file size, 2^63 - 1 bytes.`);
    if (destinationOffset + length > INT64_MAX)
      throw new UsageError(`DEST_OFFSET + LENGTH (${destinationOffset} + ${length}) ends past the largest file size, 2^63 - 1 bytes.`);
    const fallback = choice(ctx.values, 'fallback', ['none', 'copy'] as const, 'none');
    const engine = await ctx.engine();
    const atomic = ctx.values.atomic === true;
    const r = await engine
      .cloneRange(source, sourceOffset, destination, destinationOffset, length, {
        signal: ctx.signal,
        atomic,
        extend: ctx.values['no-extend'] !== true,
        fallback,
        onProgress: ctx.progress((p) => `${amountOf(p.done, p.total)} done`),
      })
      .catch((e: unknown) => {
        throw asUsageError(e);
      });
    writeReport(ctx.json, r, {
      source,
      destination,
      head: [
        ['source', str(r.source ?? source)],
        ['destination', str(r.destination ?? destination)],
        ['sourceOffset', dec(sourceOffset)],
        ['destinationOffset', dec(destinationOffset)],
        ['length', dec(length)],
      ],
      what: `${source}@${sourceOffset} -> ${destination}@${destinationOffset}`,
    });
  },
};
