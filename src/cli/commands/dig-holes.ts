// extent-lens dig-holes FILE: find all-zero blocks and punch them, so that a file full of
// written zeros becomes sparse. The content reads the same afterwards.

import type { Command } from '../command';
import { asFsctlError } from '../errors';
import { str } from '../json';
import { parseCount } from '../numbers';
import { writeReport } from '../report';
import { UsageError } from '../usage-error';
import { amountOf } from '../status-line';

export const digHolesCommand: Command = {
  name: 'dig-holes',
  summary: 'Find all-zero blocks in a file and punch them into holes (content unchanged).',
  args: ['FILE'],
  longRunning: () => true,
  options: {
    'block-size': {
      type: 'string',
      value: 'N',
      help: 'granularity of the zero scan: a power of two from the file system block size (the default) up to 1M',
    },
  },
  description: `Only whole file system blocks can be deallocated, so a --block-size below the file system's
block size is refused as a usage error (exit 2), like any other wrong option value. An
all-zero partial last block is freed too. On Linux it holds the file alone while it works (a
write lease): a file another program has open (a running VM, a database) is refused
(E_IN_USE; fuser or lsof name who, or the refusal names the loop device the file backs), and a program that opens it meanwhile waits while the dig
stops before its next read or punch and says what it had deallocated. Where no lease can be
had (not the file's owner; SMB, Windows) each run of zeros is read again just before it is
punched and a note says what could not be made sure of: stop writers first there.

JSON: {"method":"dig-holes","path","bytes":"N" (bytes deallocated, measured),"calls":N,"durationMs":N,
       "sharedBytes":"N" (of those, shared with other files; Linux),"fsFreed":"N" (the file system's gain; Linux),...}`,
  examples: [
    { command: 'extent-lens dig-holes vm.img', says: "free the image's all-zero blocks; its content is unchanged" },
    { command: 'extent-lens dig-holes vm.img --block-size 64k', says: 'only whole 64 KiB runs of zeros' },
  ],
  async run(ctx) {
    const [path] = ctx.positionals;
    const bs = ctx.values['block-size'];
    const blockSize = typeof bs === 'string' ? parseCount(bs, '--block-size') : undefined;
    if (blockSize !== undefined && (blockSize & (blockSize - 1)) !== 0)
      throw new UsageError(`--block-size: ${bs} is not a power of two (512, 4k, 64k, ...).`);
    const engine = await ctx.engine();
    const r = await engine
      .digHoles(path, { signal: ctx.signal, blockSize, onProgress: ctx.progress((p) => `${amountOf(p.done, p.total)} scanned`) })
      .catch((e: unknown) => {
        // The file system's block size is known only once the file is open: still a wrong --block-size (exit 2).
        const f = asFsctlError(e);
        throw blockSize !== undefined && f?.code === 'E_BAD_INPUT' && /block size/.test(f.message)
          ? new UsageError(`--block-size: ${f.message.replace(/^dig-holes: /, '')}`)
          : e;
      });
    writeReport(ctx.json, r, { head: [['path', str(path)]], what: path });
  },
};
