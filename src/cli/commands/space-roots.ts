// `extent-lens space A B …`: the rows summed per path given, so that "which backup day costs how
// much" is one run, as `btrfs filesystem du -s` gives one line per argument (a trial asked for it).
// A row belongs to the path it was walked from: the walk names every file by that path and the
// names below it, so the given text is its prefix (a file under two nested paths goes to the
// deeper one; the walk counts it once). unique and what deleting frees are not sums of files:
// they are the selection's, so they are given for the whole selection only.

import type { SpaceFile } from '../../engine';

/** The sums of one path given. */
export interface RootSums {
  path: string;
  files: number;
  size: bigint;
  allocated: bigint;
  shared: bigint;
  exclusive: bigint;
  /** Files whose sharing is unknown (over SMB): shared and exclusive count them as the rows do. */
  sharingUnknown: number;
}

export class PerRoot {
  readonly sums: RootSums[];
  /** The paths as prefixes, longest first, each with its index in `sums`. */
  private readonly order: { prefix: string; at: number }[];

  constructor(roots: readonly string[]) {
    this.sums = roots.map((path) => ({ path, files: 0, size: 0n, allocated: 0n, shared: 0n, exclusive: 0n, sharingUnknown: 0 }));
    // a trailing separator is the walk's too ("day1/" walks "day1/f"): kept, matched as given
    this.order = roots.map((prefix, at) => ({ prefix, at })).sort((a, b) => b.prefix.length - a.prefix.length);
  }

  add(f: SpaceFile): void {
    const s = this.sums[this.rootOf(f.path)];
    if (!s) return;
    s.files++;
    s.size += f.size;
    s.allocated += f.allocated;
    s.shared += f.shared;
    s.exclusive += f.exclusive;
    if (f.sharingUnknown) s.sharingUnknown++;
  }

  private rootOf(p: string): number {
    for (const { prefix, at } of this.order) {
      if (p === prefix) return at;
      if (!p.startsWith(prefix)) continue;
      const next = p.charCodeAt(prefix.length);
      const last = prefix.charCodeAt(prefix.length - 1);
      // "/b/day1" is not under "/b/day"; "day1/f" is under "day1/"
      if (next === 0x2f || last === 0x2f || (process.platform === 'win32' && (next === 0x5c || last === 0x5c))) return at;
    }
    return -1;
  }
}
