// The overlays a space walk meets (issue 13): the merged view and its layers counted the same
// blocks twice. Each file met through an overlay is met as its layer file (overlays-met.ts: its
// file system, whose owner queries then name it), and a lower-only file whose layer the selection
// holds is counted there (deleting the merged name frees nothing of it); an overlay whose layers
// the selection holds is not walked. The notes say what was done, per overlay.

import { OverlaysMet, unmatchedThroughOverlay } from './overlays-met';
import type { SpaceFileSystem } from './space-types';

export class SpaceOverlays extends OverlaysMet {
  /** Files (table indices) met only through an overlay that lie in a lower layer alone: deleting the merged name leaves them. */
  readonly lowerOnly = new Set<number>();

  /** The notes, once the figures are made: `layerAgain` from FilesMet, `fileSystems` the figures. */
  notes(layerAgain: number, fileSystems: readonly SpaceFileSystem[]): string[] {
    const notes = this.overlayNotes(layerAgain, {
      skipped: (at) =>
        `The overlay mounted on ${at} was not walked: its upper and lower layers lie inside the selection, which counts ` +
        'its files there (through overlayfs a file is its layer file, whose blocks lie on the file system beneath).',
      met: (at, n, lower) => {
        const them = lower === 1 ? 'it' : 'them';
        return (
          `The overlay on ${at}: ${n === 1 ? 'its file was' : `its ${n} files were`} counted as ${n === 1 ? "its layer's own file" : "their layers' own files"} ` +
          '(through overlayfs a file is its upper or lower layer file, whose blocks lie on the file system beneath), each once' +
          (lower === 0
            ? '.'
            : `; ${lower === 1 ? 'one lies' : `${lower} lie`} only in a lower layer the selection holds and ${lower === 1 ? 'counts' : 'count'} there: ` +
              `deleting ${them} through the overlay frees nothing of ${them} (a whiteout only hides ${them}).`)
        );
      },
      upperAgain: (n) =>
        `${n === 1 ? 'One file was' : `${n} files were`} met both through an overlay and in ${n === 1 ? 'its' : 'their'} ` +
        'layer, which the selection holds too, and counted once.',
    });
    // files through an overlay whose layers could not be looked in: the overlay's own file system
    for (const f of fileSystems)
      if (f.filesystem === 'overlayfs' && fileSystems.length > 1)
        notes.push(
          `${unmatchedThroughOverlay(f.mountPoint ?? f.id, f.files)}, so ` +
            `${f.files === 1 ? 'it counts' : 'they count'} as the overlay's: if the selection holds those layers too, their blocks are counted twice in the total.`,
        );
    return notes;
  }
}
