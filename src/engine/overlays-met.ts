// The overlays a walk of a selection meets, for space (space-overlay.ts) and dedupe
// (dedupe-overlay.ts) alike. Through overlayfs a file is its layer's own file (FIEMAP gives the
// blocks of the file system beneath), so a file met through a merged view is met as its layer
// file (overlay-layers.ts layerFileLookup: its dev:ino, so walk.ts's FilesMet meets it once,
// and its path, which names the file system beneath); a lower-only file whose layer the
// selection holds is met there, not through the overlay. An overlay mounted inside a folder
// given, whose layers the selection holds, is not walked at all (Docker's containers under
// /var/lib/docker). Each user says what was done, per overlay, in its own words.

import { layerFileLookup, overlaysInsideWithLayers, overlaysReached } from './overlay-layers';
import { isSmbPath } from './smb-path';
import type { ThroughLayer } from './walk';

export class OverlaysMet {
  /** Where a name shows its layer's file (FilesMet's `through`); undefined when no overlay is reached. */
  readonly through: ThroughLayer | undefined;
  /** An overlay is reached: a file may be met through it and in its layer, so every file is remembered. */
  readonly reached: boolean;
  /** Overlays mounted inside a folder given whose layers the selection holds: not walked (the walk's path to each: its mount point). */
  protected readonly skipped: Map<string, string>;
  /** Per overlay mount point: files met through it as their layer's, and of those, lower-only ones met in their layer instead. */
  protected readonly layerFiles = new Map<string, { files: number; inLowerLayer: number }>();

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

  /**
   * What was done of each overlay, in its user's words (`say`): each overlay not walked (its mount
   * point), each met, with how many files were met through it as their layer's and how many of
   * those lie only in a lower layer the selection holds (met there); and how many of the files
   * met again as their layer's (`layerAgain`, from FilesMet) were met in an upper layer too.
   */
  protected overlayNotes(
    layerAgain: number,
    say: { skipped(at: string): string; met(at: string, files: number, inLowerLayer: number): string; upperAgain(files: number): string },
  ): string[] {
    const notes = [...this.skipped.values()].map((at) => say.skipped(at));
    let inLowerLayers = 0;
    for (const [at, { files, inLowerLayer }] of this.layerFiles) {
      inLowerLayers += inLowerLayer;
      notes.push(say.met(at, files, inLowerLayer));
    }
    const upperAgain = layerAgain - inLowerLayers;
    if (upperAgain > 0) notes.push(say.upperAgain(upperAgain));
    return notes;
  }

  /** The walk's question before it opens a folder (SpaceSink.enter), where an overlay is skipped. */
  get enter(): ((p: string) => boolean) | undefined {
    const skipped = this.skipped;
    return skipped.size > 0 ? (p) => !skipped.has(p) : undefined;
  }
}

/**
 * The opening both users say of files met through overlay `at` that were not matched to their
 * layer files (the layers are not to be seen from here): what happened to them follows, in each
 * user's words.
 */
export function unmatchedThroughOverlay(at: string, files: number): string {
  return (
    `${files === 1 ? 'One file' : `${files} files`} seen through the overlay on ${at} could not be matched to ` +
    `${files === 1 ? 'its layer file' : 'their layer files'} (its layers are not to be seen from here: given as paths relative to where mount ran, ` +
    'not found from its mount point, or from another mount namespace)'
  );
}
