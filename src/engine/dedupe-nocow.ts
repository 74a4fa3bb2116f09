// btrfs shares extents only between files alike in nodatacow (chattr +C, FS_NOCOW_FL): for a
// pair that differ FIDEDUPERANGE answers EINVAL. The search (dedupe-find.ts) therefore groups
// them apart, so no saving is promised across them, and says so in a note.

import type { ExtendedBackend } from './backend-ext';
import type { Hashed } from './dedupe-hash';

export class NoCowSplit {
  private readonly known = new Map<string, boolean>();
  /** Files of sets of identical data split because some of their files are nodatacow and some not (the note). */
  readonly split = new Set<string>();

  constructor(private readonly resolve: (p: string) => Promise<ExtendedBackend>) {}

  /** Ask each btrfs file of the candidate lists once (resolve is async; parts() is not). */
  async learn(lists: Iterable<readonly Hashed[]>): Promise<void> {
    for (const list of lists) {
      if (list.length < 2) continue;
      for (const f of list) {
        if (f.filesystem !== 'btrfs' || this.known.has(f.path)) continue;
        const b = await this.resolve(f.path);
        this.known.set(f.path, b.noCow?.(f.path) ?? false);
      }
    }
  }

  /** `files` (with their `offsets`, index for index, where given) in parts alike in nodatacow: one part where they all are. */
  parts(files: Hashed[], offsets: bigint[] = []): { files: Hashed[]; offsets: bigint[] }[] {
    const noCow = files.map((f) => this.known.get(f.path) === true);
    if (noCow.every((x) => x === noCow[0])) return [{ files, offsets }];
    for (const f of files) this.split.add(f.path);
    return [true, false].map((kind) => ({
      files: files.filter((_, i) => noCow[i] === kind),
      offsets: offsets.filter((_, i) => noCow[i] === kind), // (none where none were given)
    }));
  }
}
