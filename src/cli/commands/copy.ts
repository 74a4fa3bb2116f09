// extent-lens copy SRC DEST: an in-kernel or server-side copy (copy_file_range, SMB
// COPYCHUNK, fcopyfile), falling back to a copy that keeps holes. The report names the method.

import type { ExistingPolicy } from '../../engine';
import { choice } from '../args';
import type { Command } from '../command';
import { writeReport } from '../report';
import { UsageError } from '../usage-error';
import { ON_EXISTING } from './clone';
import { amountOf } from '../status-line';

export const copyCommand: Command = {
  name: 'copy',
  summary: 'Copy a file server-side or in the kernel (copy_file_range, SMB copychunk), keeping holes.',
  args: ['SRC', 'DEST'],
  longRunning: () => true,
  options: {
    'on-existing': { ...ON_EXISTING, help: 'when DEST exists: fail (default), rename to "name (copy).ext", or overwrite' },
    reflink: {
      type: 'string',
      value: 'auto|never',
      help: "auto (default): the kernel may share SRC's blocks (copy_file_range on XFS/btrfs; the report says how many); never: write blocks of its own, as cp --reflink=never",
    },
  },
  description: `DEST is an existing folder or a new file path. The copy has no name until it is
complete (Linux: O_TMPFILE; elsewhere a hidden temporary name, renamed at the end): after an
error or a cancel (Ctrl-C, SIGTERM, SIGHUP) nothing of it is left behind. It reads SRC until
EOF (files in /proc and /sys copy exactly); if SRC changes size or is written meanwhile the
copy fails with E_CHANGED. The new file gets cp's mode (SRC's permission bits less the umask).
Unwritten (preallocated) extents of SRC stay holes (a note gives their bytes). On XFS and
btrfs copy_file_range may share SRC's blocks rather than write new ones: the report says how
many bytes it shared ("sharedBytes", "0" when none; Linux); --reflink never reads and writes,
so the copy has blocks of its own. "bytes" is the data copied: holes are not counted (a 10000-byte file whose
first 4096 bytes are a hole copies 5904 bytes), where clone's "bytes" is the file's size. The
copy's data is on the disk (fdatasync) before it gets its name.

JSON: {"method","source","destination","bytes":"N","calls":N,"durationMs":N,"operation",...,"sharedBytes":"N"}`,
  examples: [
    { command: 'extent-lens copy vm.img backup', says: 'a copy in the folder backup, holes kept, by the kernel (or server-side over SMB)' },
    { command: 'extent-lens copy vm.img vm-full.img --reflink never', says: 'a copy with blocks of its own, shared with nothing' },
  ],
  async run(ctx) {
    const [source, destination] = ctx.positionals;
    const onExisting = choice<ExistingPolicy>(ctx.values, 'on-existing', ['fail', 'rename', 'overwrite'], 'fail');
    // cp's --reflink=always is this tool's `clone`: say so rather than only listing the words
    if (ctx.values.reflink === 'always')
      throw new UsageError(
        '--reflink must be one of auto, never (got "always"); for a copy that must share blocks, as cp --reflink=always, run extent-lens clone SRC DEST',
      );
    const reflink = choice<'auto' | 'never'>(ctx.values, 'reflink', ['auto', 'never'], 'auto');
    const engine = await ctx.engine();
    const r = await engine.copy(source, destination, {
      signal: ctx.signal,
      onExisting,
      reflink,
      // (the engine's words where it has them: "writing the copy to the disk", its last wait)
      onProgress: ctx.progress((p) => `${amountOf(p.done, p.total)} copied${p.message ? `; ${p.message}` : ''}`),
    });
    writeReport(ctx.json, r, { source, destination });
  },
};
