// A share may hold several volumes as its server sees them: Samba takes each btrfs subvolume and
// snapshot (anything with its own st_dev, a file system mounted inside the share too) for a
// volume of its own and refuses to clone from one into another (STATUS_INVALID_HANDLE), though
// the share's volume id is the same for all. The search (dedupe-find.ts) therefore groups the
// files of a share by the volume the server puts them on, as it groups nodatacow files apart
// (dedupe-nocow.ts): no saving is promised across volumes, and a copy alone on its volume is in
// no group. Without it, each search offered such groups again (a trial: "up to 3145728" on every
// run, and every --apply refused them).
//
// Which volume: the server is asked whether it clones from a file of one volume into another
// file, with a clone of 0 bytes that clones nothing (ExtendedBackend.clonesBetween, nt/probes.ts).
// Files in one folder are on one volume (a subvolume or a mount is a folder), so a folder is asked
// about once, against one file of each volume found so far on its share.

import type { ExtendedBackend } from './backend-ext';
import type { Hashed } from './dedupe-hash';
import { isSmbPath } from './smb-path';

export class ShareVolumes {
  /** Volume (a number per share and volume) of each folder asked about. */
  private readonly ofFolder = new Map<string, number>();
  /** One file of each volume found so far: what a new folder's file is asked against. */
  private readonly firsts: Hashed[] = [];
  /** Files of sets of identical data split because they lie on different volumes of a share (the note). */
  readonly split = new Set<string>();

  constructor(
    private readonly resolve: (p: string) => Promise<ExtendedBackend>,
    private readonly readOnly: { has(path: string): boolean },
  ) {}

  private volumeOf(f: Hashed): number | undefined {
    return this.ofFolder.get(folderOf(f.path));
  }

  /** Ask about the folder of each file on a share of the candidate lists once (the server is async; parts() is not). */
  async learn(lists: Iterable<readonly Hashed[]>): Promise<void> {
    for (const list of lists) {
      if (list.length < 2) continue;
      for (const f of list) {
        if (!isSmbPath(f.path) || this.volumeOf(f) !== undefined) continue;
        let volume = -1;
        for (const [v, first] of this.firsts.entries()) {
          if (first.fsKey !== f.fsKey) continue; // (another share: fsKey keeps them apart already)
          if ((await this.clones(first, f)) !== false) {
            volume = v; // the same volume, or the server does not say: together, as before
            break;
          }
        }
        if (volume < 0) {
          volume = this.firsts.length;
          this.firsts.push(f);
        }
        this.ofFolder.set(folderOf(f.path), volume);
      }
    }
  }

  /** Whether the server clones between `a` and `b`, into whichever of them this user may change. */
  private async clones(a: Hashed, b: Hashed): Promise<boolean | undefined> {
    const [source, target] = !this.readOnly.has(b.path) ? [a, b] : !this.readOnly.has(a.path) ? [b, a] : [];
    if (!source || !target) return undefined;
    const backend = await this.resolve(target.path);
    return backend.clonesBetween?.(source.path, target.path);
  }

  /** `files` (with their `offsets`, index for index, where given) in parts by volume: one part where they are all on one. */
  parts(files: Hashed[], offsets: bigint[] = []): { files: Hashed[]; offsets: bigint[] }[] {
    const volumes = files.map((f) => this.volumeOf(f) ?? -1);
    if (volumes.every((v) => v === volumes[0])) return [{ files, offsets }];
    for (const f of files) this.split.add(f.path);
    return [...new Set(volumes)].map((v) => ({
      files: files.filter((_, i) => volumes[i] === v),
      offsets: offsets.filter((_, i) => volumes[i] === v), // (none where none were given)
    }));
  }

  /** The search's note, where sets were split. */
  notes(): string[] {
    if (this.split.size === 0) return [];
    return [
      `${this.split.size} files on a share hold identical data on different volumes behind it (Samba takes each btrfs ` +
        'subvolume and snapshot, and each file system mounted in the share, for a volume of its own): the server does not ' +
        'clone from one volume into another (asked with a clone of 0 bytes: STATUS_INVALID_HANDLE), so the copies on ' +
        'each volume were grouped apart, a copy alone on its volume is in no group, and no saving is counted across ' +
        "volumes. Run 'extent-lens dedupe' on the server itself to share them (btrfs clones across subvolumes).",
    ];
  }
}

/** The folder part of a path (up to its last '/'), as the walk gave it: no other form of it is made. */
function folderOf(p: string): string {
  return p.slice(0, p.lastIndexOf('/'));
}
