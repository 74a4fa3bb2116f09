// The Space view's wire data made whole for tests: what space-panel.ts builds file by file as the
// engine streams (partnerList per file) and what an export writes chunk by chunk (the same
// chunk generators as src/views/space-export.ts), each in one call.

import type { SpaceResult } from '../../src/engine';
import type { SpaceData } from '../../src/protocol/messages';
import { partnerList, spaceCsvChunks, spaceJsonChunks, type SpaceExportSel, type SpacePartnerLists } from '../../src/views/space-data';

/** The files each file of `r` shares with (the result's own files, not streamed ones). */
export const spacePartners = (r: SpaceResult): SpacePartnerLists => r.files.map(partnerList);

/** An export's whole text. */
export const spaceExportText = (d: SpaceData, partners: SpacePartnerLists, format: 'json' | 'csv', sel: SpaceExportSel = {}): string =>
  [...(format === 'json' ? spaceJsonChunks(d, partners, sel) : spaceCsvChunks(d, sel))].join('');
