// extent-lens dig-holes FILE: find all-zero blocks and punch them, so that a file full of
// written zeros becomes sparse. The content reads the same afterwards.

import type { Command } from '../command';
import { str } from '../json';
import { parseCount } from '../numbers';
import { writeReport } from '../report';

export const digHolesCommand: Command = {
  name: 'dig-holes',
  summary: 'Find all-zero blocks in a file and punch them into holes (content unchanged).',
  args: ['FILE'],
  longRunning: () => true,
  options: {
    'block-size': { type: 'string', value: 'N', help: 'granularity of the zero scan (default: the file system block size)' },
  },
  description: `JSON: {"method":"dig-holes","path","bytes":"N" (bytes punched),"calls":N,"durationMs":N,...}`,
  async run(ctx) {
    const [path] = ctx.positionals;
    const bs = ctx.values['block-size'];
    const blockSize = typeof bs === 'string' ? parseCount(bs, '--block-size') : undefined;
    const engine = await ctx.engine();
    const r = await engine.digHoles(path, { signal: ctx.signal, blockSize });
    writeReport(ctx.json, r, { head: [['path', str(path)]], what: path });
  },
};
