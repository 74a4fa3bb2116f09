// extent-lens set-sparse FILE [--clear]: mark a file sparse (Windows/SMB FSCTL_SET_SPARSE; a
// no-op on Linux and macOS, where every file may have holes, and the report says so).

import type { Command } from '../command';
import { str } from '../json';
import { writeReport } from '../report';

export const setSparseCommand: Command = {
  name: 'set-sparse',
  summary: 'Mark a file sparse (or not, with --clear); needed on Windows/SMB before punching holes.',
  args: ['FILE'],
  options: { clear: { type: 'boolean', help: 'clear the sparse flag instead of setting it' } },
  description: `JSON: {"method","path","sparse":bool,"bytes":"0","calls":N,"durationMs":N,...}`,
  async run(ctx) {
    const [path] = ctx.positionals;
    const sparse = ctx.values.clear !== true;
    const engine = await ctx.engine();
    const r = await engine.setSparse(path, sparse, { signal: ctx.signal });
    writeReport(ctx.json, r, {
      head: [
        ['path', str(path)],
        ['sparse', String(sparse)],
      ],
      what: path,
      verb: sparse ? 'set sparse flag on' : 'cleared sparse flag on',
    });
  },
};
