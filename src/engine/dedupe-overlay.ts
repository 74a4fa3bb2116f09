// The overlays a dedupe walk meets (issue 14), as space meets them (overlays-met.ts). Through
// overlayfs a file is its layer's own file, so a merged view and its layers in one selection
// showed each upper file twice: a second group of the same blocks (a saving counted twice), and
// the apply's freed measured on the overlay and on the file system beneath (the same blocks
// twice). Now an overlay whose layers the selection holds is not walked, and every file met
// through an overlay is examined, read and shared as its layer file, by that file's path.
//
// Why by the layer file's path, not through the merged view: overlayfs's FIDEDUPERANGE
// (fs/overlayfs/file.c ovl_remap_file_range) refuses with EPERM unless both files are in its
// upper layer (it will not copy up for a dedupe, which would duplicate the data), and otherwise
// passes the call to the upper files themselves (vfs_dedupe_file_range_one on the real files).
// So through the merged view only upper files could share, and what they share is their upper
// files' blocks. The layer files share all of it, lower-only files too (which a merged view
// given alone left out). It is safe with the overlay mounted: overlayfs forbids changing its
// layers beneath it, and FIDEDUPERANGE changes nothing it sees: the kernel compares the ranges
// under lock and shares them only if equal, with no change of data, size, names or times
// (REMAP_FILE_DEDUP skips file_modified), and nothing is ever opened through the overlay for
// writing (which would copy a lower file up).

import { OverlaysMet } from './overlays-met';

export class DedupeOverlays extends OverlaysMet {
  /** The notes, once the walk is over: `layerAgain` from FilesMet. */
  notes(layerAgain: number): string[] {
    return this.overlayNotes(layerAgain, {
      skipped: (at) =>
        `The overlay mounted on ${at} was not walked: its upper and lower layers lie inside the selection, which examines ` +
        'its files there (through overlayfs a file is its layer file: examined through the overlay too, its data would be counted twice).',
      met: (at, n) =>
        `The overlay on ${at}: ${n === 1 ? 'its file was' : `its ${n} files were`} examined as ${n === 1 ? "its layer's own file" : "their layers' own files"}, ` +
        `${n === 1 ? 'once, and is listed and shared by that name' : 'each once, and are listed and shared by those names'} ` +
        '(through overlayfs a file is its upper or lower layer file; ' +
        'overlayfs itself shares only between files both in its upper layer).',
      upperAgain: (n) =>
        `${n === 1 ? 'One file was' : `${n} files were`} met both through an overlay and in ${n === 1 ? 'its' : 'their'} ` +
        'layer, which the selection holds too, and examined once.',
    });
  }
}
