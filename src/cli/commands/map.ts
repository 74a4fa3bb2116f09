// extent-lens map FILE [--offset N] [--length N]: every extent with its physical offset and
// flags (unwritten, shared, ...), as FIEMAP (Linux) or the retrieval pointers (Windows) give it.

import { writePackedMapHuman, writePackedMapJson } from './map-packed';
import type { Command } from '../command';
import { WINDOW_OPTIONS, windowFrom } from '../window';
import { amountOf } from '../status-line';

export const mapCommand: Command = {
  name: 'map',
  summary: 'Show the extent map of a file: logical and physical offsets, lengths and flags.',
  args: ['FILE'],
  readOnly: true,
  options: { ...WINDOW_OPTIONS },
  description: `Linux: FS_IOC_FIEMAP, paged until the last extent (flags: unwritten, shared,
delalloc, inline, encoded, last, ...). tmpfs and macOS have no FIEMAP: the map then holds
the data ranges without flags (source "seek"); a whole file's block count holding more than
its map can place (tmpfs: pages fallocate reserved; XFS, ext4: metadata blocks) is given in
"heldOutsideExtents" and a note. Windows: retrieval pointers with reference
counts on ReFS (shared when > 1). SMB: the allocated ranges (source "allocated-ranges");
a file not marked sparse is given as one range over all of it, and where its allocation size
is less the map says so ("allocationSize" and a note; set-sparse makes the server show holes).
Compressed (encoded) extents are summed at their uncompressed length; on btrfs, as root, their
compressed extents' size on disk is given too ("encodedOnDisk"), as compsize gives it.

JSON: {"path","size":"N","blockSize":N,"extents":[{"offset":"N","length":"N",
       "physical":"N"|null,"flags":[...]},...],"source","window","calls","durationMs",
       "notes":[...],"heldOutsideExtents":"N","allocationSize":"N","encodedOnDisk":"N"}  (the last four only where they apply)`,
  examples: [
    { command: 'extent-lens map vm.img', says: "a VM image's extents: physical offsets, shared, unwritten" },
    { command: 'extent-lens map vm.img --offset 32M --length 4M', says: 'only the extents in that window of the file' },
  ],
  async run(ctx) {
    const window = windowFrom(ctx.values); // usage errors before the engine loads
    const engine = await ctx.engine();
    const path = ctx.positionals[0];
    // The packed (columnar) map on every OS: no object and four BigInts per extent, which is
    // most of the cost of printing 10^5..10^6 extents; ReFS reference counts travel with it.
    const p = await engine.mapPacked(path, {
      signal: ctx.signal,
      window,
      onProgress: ctx.progress((e) => `${amountOf(e.done, e.total)} read${e.message ? `, ${e.message}` : ''}`),
    });
    if (ctx.json) writePackedMapJson(p);
    else writePackedMapHuman(p);
  },
};
