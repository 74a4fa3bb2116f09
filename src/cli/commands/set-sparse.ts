// extent-lens set-sparse FILE [--clear]: mark a file sparse (Windows/SMB FSCTL_SET_SPARSE; a
// no-op on Linux and macOS, where every file may have holes, and the report says so).

import type { Command } from '../command';
import { str } from '../json';
import { writeReport } from '../report';
import { exactAndHuman } from '../format';
import { isSmbUri } from '../../protocol/shown-path';

export const setSparseCommand: Command = {
  name: 'set-sparse',
  summary: 'Mark a file sparse (or not, with --clear); needed on Windows/SMB before punching holes.',
  args: ['FILE'],
  options: { clear: { type: 'boolean', help: 'clear the sparse flag instead of setting it' } },
  description: `JSON: {"method","path","sparse":bool,"bytes":"0","calls":N,"durationMs":N,...}
With --clear, on a file with holes over SMB or on Windows, a note says how many bytes of holes
the file system may now allocate as zeros (NTFS and ReFS do; Samba keeps the holes).`,
  examples: [
    { command: 'extent-lens set-sparse vm.img', says: 'mark it sparse (Windows, SMB); on Linux nothing needs doing and it says so' },
    {
      command: 'extent-lens set-sparse vm.img --clear',
      says: 'clear it (Windows, SMB: a note says how many bytes of holes may now be allocated)',
    },
  ],
  async run(ctx) {
    const [path] = ctx.positionals;
    const sparse = ctx.values.clear !== true;
    const engine = await ctx.engine();
    // Where there is a sparse attribute (SMB, Windows), clearing it can allocate the file's holes
    // (VS Code's Clear Sparse asks first; --clear is the choice made): said after, with how many.
    let holes = 0n;
    if (!sparse && (isSmbUri(path) || process.platform === 'win32')) {
      const m = await engine.ranges(path, { signal: ctx.signal });
      holes = m.size - m.ranges.reduce((n, x) => n + x.length, 0n);
    }
    const r = await engine.setSparse(path, sparse, { signal: ctx.signal });
    if (holes > 0n)
      r.notes = [
        ...(r.notes ?? []),
        `the file had ${exactAndHuman(holes)} of holes: clearing the attribute asks the file system to allocate them as zeros. ` +
          'Windows (NTFS, ReFS) does, so the file now takes that much more on the volume; Samba keeps the holes and no longer reports them. The data is unchanged.',
      ];
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
