// The overlays a space walk meets (issue 13). Through overlayfs a file is its layer's own file:
// FIEMAP gives the blocks of the file system beneath, so the merged view and its layers counted
// the same blocks twice. Here each file met through an overlay is met as its layer file
// (overlay-layers.ts layerFileLookup: its dev:ino, so walk.ts's FilesMet meets it once, and its
// file system, whose owner queries then name it), and a lower-only file whose layer the selection
// holds is counted there, not through the overlay (deleting the merged name frees nothing of it).
// An overlay mounted inside a folder given, whose layers the selection holds, is not walked at
// all (Docker's containers under /var/lib/docker). The notes say what was done, per overlay.

import { layerFileLookup, overlaysInsideWithLayers, overlaysReached } from './overlay-layers';
import { isSmbPath } from './smb-path';
import type { SpaceFileSystem } from './space-types';
import type { ThroughLayer } from './walk';

export class SpaceOverlays {
  /** Where a name shows its layer's file (FilesMet's `through`); undefined when no overlay is reached. */
  readonly through: ThroughLayer | undefined;
  /** An overlay is reached: a file may be met through it and in its layer, so every file is remembered. */
  readonly reached: boolean;
  /** Files (table indices) met only through an overlay that lie in a lower layer alone: deleting the merged name leaves them. */
  readonly lowerOnly = new Set<number>();
  /** Overlays mounted inside a folder given whose layers the selection holds: not walked (the walk's path to each: its mount point). */
  private readonly skipped: Map<string, string>;
  /** Per overlay mount point: files met through it as their layer's, and of those, lower-only ones counted in their layer. */
  private readonly layerFiles = new Map<string, { files: number; inLowerLayer: number }>();

  constructor(paths: readonly string[]) {
    const local = paths.filter((p) => !isSmbPath(p));
    const overlays = process.platform === 'linux' && local.length > 0 ? overlaysReached(local) : [];
    this.reached = overlays.length > 0;
    this.skipped = this.reached ? overlaysInsideWithLayers(local, overlays) : new Map<string, string>();
    const layerOf = this.reached ? layerFileLookup(local) : undefined;
    this.through =
      layerOf &&
      ((p, dev) => {
        const l = layerOf(p, dev);
        if (!l) return undefined;
        const n = this.layerFiles.get(l.overlay) ?? { files: 0, inLowerLayer: 0 };
        this.layerFiles.set(l.overlay, n);
        n.files++;
        if (l.inSelection) n.inLowerLayer++;
        return { dev: l.dev, ino: l.ino, nlink: l.nlink, skip: l.inSelection, lowerOnly: l.lowerOnly, path: l.path };
      });
  }

  /** The walk's question before it opens a folder (SpaceSink.enter), where an overlay is skipped. */
  get enter(): ((p: string) => boolean) | undefined {
    const skipped = this.skipped;
    return skipped.size > 0 ? (p) => !skipped.has(p) : undefined;
  }

  /** The notes, once the figures are made: `layerAgain` from FilesMet, `fileSystems` the figures. */
  notes(layerAgain: number, fileSystems: readonly SpaceFileSystem[]): string[] {
    const notes: string[] = [];
    for (const at of this.skipped.values())
      notes.push(
        `The overlay mounted on ${at} was not walked: its upper and lower layers lie inside the selection, which counts ` +
          'its files there (through overlayfs a file is its layer file, whose blocks lie on the file system beneath).',
      );
    let inLowerLayers = 0;
    for (const [at, { files: n, inLowerLayer: lower }] of this.layerFiles) {
      inLowerLayers += lower;
      const them = lower === 1 ? 'it' : 'them';
      notes.push(
        `The overlay on ${at}: ${n === 1 ? 'its file was' : `its ${n} files were`} counted as ${n === 1 ? "its layer's own file" : "their layers' own files"} ` +
          '(through overlayfs a file is its upper or lower layer file, whose blocks lie on the file system beneath), each once' +
          (lower === 0
            ? '.'
            : `; ${lower === 1 ? 'one lies' : `${lower} lie`} only in a lower layer the selection holds and ${lower === 1 ? 'counts' : 'count'} there: ` +
              `deleting ${them} through the overlay frees nothing of ${them} (a whiteout only hides ${them}).`),
      );
    }
    const upperAgain = layerAgain - inLowerLayers;
    if (upperAgain > 0)
      notes.push(
        `${upperAgain === 1 ? 'One file was' : `${upperAgain} files were`} met both through an overlay and in ${upperAgain === 1 ? 'its' : 'their'} ` +
          'layer, which the selection holds too, and counted once.',
      );
    // files through an overlay whose layers could not be looked in: the overlay's own file system
    for (const f of fileSystems)
      if (f.filesystem === 'overlayfs' && fileSystems.length > 1)
        notes.push(
          `${f.files === 1 ? 'One file' : `${f.files} files`} seen through the overlay on ${f.mountPoint ?? f.id} could not be matched to ` +
            `${f.files === 1 ? 'its layer file' : 'their layer files'} (its layers are not to be seen from here: relative or from another mount namespace), so ` +
            `${f.files === 1 ? 'it counts' : 'they count'} as the overlay's: if the selection holds those layers too, their blocks are counted twice in the total.`,
        );
    return notes;
  }
}
