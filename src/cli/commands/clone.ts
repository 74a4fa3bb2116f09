// extent-lens clone SRC DEST: share all of SRC's data with a new file (FICLONE, clonefile,
// FSCTL_DUPLICATE_EXTENTS_TO_FILE). DEST is an existing folder (the clone keeps SRC's name)
// or a new file path. Like `cp --reflink=always`: no data is copied unless --fallback copy.

import type { ExistingPolicy } from '../../engine';
import { choice } from '../args';
import type { Command, OptionSpec } from '../command';
import { writeReport } from '../report';
import { amountOf } from '../status-line';

export const ON_EXISTING: OptionSpec = {
  type: 'string',
  value: 'fail|rename|overwrite',
  help: 'when DEST exists: fail (default), rename to "name (clone).ext" ("name (copy).ext" for a copy --fallback made), or overwrite',
};
export const FALLBACK: OptionSpec = {
  type: 'string',
  value: 'none|copy',
  help: 'none (default): fail when cloning is impossible; copy: copy the data instead and say so',
};

export const cloneCommand: Command = {
  name: 'clone',
  summary: 'Clone a whole file without copying its data (block cloning / reflink).',
  args: ['SRC', 'DEST'],
  longRunning: (v) => v.fallback === 'copy',
  options: { 'on-existing': ON_EXISTING, fallback: FALLBACK },
  description: `The clone has no name in DEST's folder until it is complete (Linux: O_TMPFILE;
elsewhere a hidden temporary name, renamed at the end): after an error or a cancel (Ctrl-C,
SIGTERM, SIGHUP) nothing of it is left behind. An existing DEST is never overwritten unless
--on-existing overwrite is given. The new file gets cp's mode (SRC's permission bits less the
umask; set-id bits dropped).

JSON: {"method","source","destination","bytes":"N","calls":N,"durationMs":N,
       "operation","fellBack":bool,"copied":bool,"sharedBytes"?:"N","replaced"?:true,"fallbackReason"?,"notes"?}`,
  examples: [
    { command: 'extent-lens clone base.img vm2.img', says: 'a new VM image sharing every block of base.img, made at once' },
    {
      command: 'extent-lens clone base.img vm.img',
      says: 'refused (exit 1): vm.img exists, and nothing is overwritten without --on-existing',
    },
    { command: 'extent-lens clone base.img vm.img --on-existing rename', says: 'the clone is named "vm (clone).img" instead' },
  ],
  async run(ctx) {
    const [source, destination] = ctx.positionals;
    const onExisting = choice<ExistingPolicy>(ctx.values, 'on-existing', ['fail', 'rename', 'overwrite'], 'fail');
    const fallback = choice(ctx.values, 'fallback', ['none', 'copy'] as const, 'none');
    const engine = await ctx.engine();
    const r = await engine.clone(source, destination, {
      signal: ctx.signal,
      onExisting,
      fallback,
      onProgress: ctx.progress((p) => `${amountOf(p.done, p.total)} done`),
    });
    writeReport(ctx.json, r, { source, destination });
  },
};
