// extent-lens punch FILE OFFSET LENGTH / extent-lens zero FILE OFFSET LENGTH.
// punch deallocates the range (it reads as zeros; the size does not change); zero makes the
// range read as zeros, punching where the file system can and writing zeros otherwise, or with
// --keep-allocated keeping it allocated (FALLOC_FL_ZERO_RANGE).

import type { ByteRange, Engine, OperationReport, RunOptions } from '../../engine';
import type { Command, CommandContext } from '../command';
import { dec, str } from '../json';
import { INT64_MAX, parseSize } from '../numbers';
import { writeReport } from '../report';
import { UsageError } from '../usage-error';
import { amountOf } from '../status-line';

async function runRangeOp(
  ctx: CommandContext,
  op: (e: Engine, path: string, range: ByteRange, opts: RunOptions) => Promise<OperationReport>,
): Promise<void> {
  const [path, o, l] = ctx.positionals;
  const offset = parseSize(o, 'OFFSET');
  const length = parseSize(l, 'LENGTH');
  if (offset + length > INT64_MAX)
    throw new UsageError(`OFFSET + LENGTH (${offset} + ${length}) ends past the largest file size, 2^63 - 1 bytes.`);
  const engine = await ctx.engine();
  const r = await op(
    engine,
    path,
    { offset, length },
    { signal: ctx.signal, onProgress: ctx.progress((p) => `${amountOf(p.done, p.total)} done`) },
  );
  writeReport(ctx.json, r, {
    head: [
      ['path', str(path)],
      ['offset', dec(offset)],
      ['length', dec(length)],
    ],
    what: `${path} [${offset}, ${offset + length})`,
  });
}

export const punchCommand: Command = {
  name: 'punch',
  summary: 'Punch a hole: deallocate a byte range (it reads as zeros; the file size stays).',
  args: ['FILE', 'OFFSET', 'LENGTH'],
  options: {},
  description: `Linux: fallocate(FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE). Windows/SMB:
FSCTL_SET_ZERO_DATA on a sparse file. macOS: fcntl(F_PUNCHHOLE). "bytes" is what was
deallocated (measured on Linux, Windows and SMB), not LENGTH: holes and bytes past the end of
the file free nothing. On Linux also "sharedBytes" (of those bytes, the ones other files
shared: their blocks stay in use) and "fsFreed" (what the file system gained, after sync).

JSON: {"method","path","offset":"N","length":"N","bytes":"N","calls":N,"durationMs":N,
       "sharedBytes":"N","fsFreed":"N",...}`,
  examples: [{ command: 'extent-lens punch vm.img 0 1M', says: 'free the first MiB of the image; it reads as zeros, the size stays' }],
  run: (ctx) => runRangeOp(ctx, (e, p, r, o) => e.punch(p, r, o)),
};

export const zeroCommand: Command = {
  name: 'zero',
  summary: 'Make a byte range read as zeros (punching where possible, writing zeros otherwise).',
  args: ['FILE', 'OFFSET', 'LENGTH'],
  longRunning: () => true, // may write zeros where punching is impossible
  options: {
    'keep-allocated': {
      type: 'boolean',
      help: 'keep the range allocated (Linux FALLOC_FL_ZERO_RANGE, as fallocate -z; zeros written where the file system cannot): a preallocated image stays preallocated',
    },
  },
  description: `Without --keep-allocated the range is punched where the file system can (its space freed,
preallocated space too; the note says how much), as fallocate -p; with it, it stays allocated.

JSON: {"method","path","offset":"N","length":"N","bytes":"N","calls":N,"durationMs":N,...}`,
  examples: [
    { command: 'extent-lens zero vm.img 32M 1M', says: 'that MiB reads as zeros, its blocks freed where the file system can' },
    { command: 'extent-lens zero vm.img 32M 1M --keep-allocated', says: 'zeros, but still allocated (a preallocated image stays so)' },
  ],
  run: (ctx) => runRangeOp(ctx, (e, p, r, o) => e.zero(p, r, { ...o, keepAllocated: ctx.values['keep-allocated'] === true })),
};
