// The Space view's export (the view's JSON / CSV buttons): every file analysed, or with a filter
// set or a folder zoomed into, the files the view shows, through a save dialog; the text is
// space-data.ts's, in the shape of `extent-lens space --json` or CSV.

import * as vscode from 'vscode';
import type { SpaceData } from '../protocol/messages';
import type { Services } from '../host/services';
import { showFailure } from '../host/ui';
import { writeExport } from './export-file';
import { baseName, exportNarrowed, spaceCsvChunks, spaceJsonChunks, type SpaceExportSel, type SpacePartnerLists } from './space-data';

const t = vscode.l10n.t;

/**
 * Export every file of `d`, or the files the view shows (`sel.shown`, with its filter and folder),
 * saying which; in the table's order when the view gives it (`shown`).
 */
export async function exportSpace(
  s: Services,
  d: SpaceData,
  partners: SpacePartnerLists,
  format: 'json' | 'csv',
  sel: SpaceExportSel,
): Promise<void> {
  const { filter, folder } = sel;
  // every file, in the view's order: said as every file
  const shown = exportNarrowed(sel) ? sel.shown : undefined;
  if (sel.shown?.some((i) => i >= d.files.length) || (sel.shown && !shown && sel.shown.length !== d.files.length)) {
    s.log.warn(`space view: ignored an export of files not in the result`);
    return;
  }
  const lang = vscode.env.language;
  const n = shown?.length ?? d.files.length;
  const workspaceDir = vscode.workspace.workspaceFolders?.find((f) => f.uri.scheme === 'file')?.uri;
  const stem = (baseName(d.base) || 'space').replace(/[\\/:*?"<>|\x00-\x1f]/g, '_');
  const name = `space-${stem}${shown ? '-filtered' : ''}.${format}`;
  const target = await vscode.window.showSaveDialog({
    defaultUri: workspaceDir ? vscode.Uri.joinPath(workspaceDir, name) : undefined,
    title: exportTitle(d.files.length, shown?.length, folder, filter, lang),
    filters: format === 'json' ? { JSON: ['json'] } : { CSV: ['csv'] },
  });
  if (!target) return;
  const chunks = format === 'json' ? spaceJsonChunks(d, partners, sel) : spaceCsvChunks(d, sel);
  try {
    await writeExport(target, chunks);
  } catch (e) {
    showFailure(s, t('Export the space analysis'), e);
    return;
  }
  s.log.info(
    `exported the space analysis of ${n} files${shown ? ` (${folder !== undefined ? `in ${JSON.stringify(folder)}, ` : ''}filter ${JSON.stringify(filter)}, of ${d.files.length})` : ''} as ${format.toUpperCase()} to ${target.fsPath}`,
  );
  const all = d.files.length.toLocaleString(lang);
  let done: string;
  if (!shown)
    done = n === 1 ? t('Exported one file to {0}.', target.fsPath) : t('Exported {0} files to {1}.', n.toLocaleString(lang), target.fsPath);
  else if (n === 1) done = t('Exported the one file shown (of {0}) to {1}.', all, target.fsPath);
  else done = t('Exported the {0} files shown (of {1}) to {2}.', n.toLocaleString(lang), all, target.fsPath);
  void vscode.window.showInformationMessage(done);
}

/**
 * The export's save-dialog title: every file (`shown` undefined), or the `shown` files of `total`
 * in the zoomed `folder` and/or with the `filter` (whole sentences, for translation).
 */
function exportTitle(
  total: number,
  shown: number | undefined,
  folder: string | undefined,
  filter: string | undefined,
  lang: string,
): string {
  const all = total.toLocaleString(lang);
  if (shown === undefined) return total === 1 ? t('Export the space analysis (one file)') : t('Export the space analysis ({0} files)', all);
  const n = shown.toLocaleString(lang);
  const one = shown === 1;
  if (folder !== undefined && !filter)
    return one
      ? t('Export the one file shown (in {0}) of {1}', folder, all)
      : t('Export the {0} files shown (in {1}) of {2}', n, folder, all);
  if (folder !== undefined)
    return one
      ? t('Export the one file shown (in {0}, filter “{1}”) of {2}', folder, filter ?? '', all)
      : t('Export the {0} files shown (in {1}, filter “{2}”) of {3}', n, folder, filter ?? '', all);
  return one
    ? t('Export the one file shown (filter “{0}”) of {1}', filter ?? '', all)
    : t('Export the {0} files shown (filter “{1}”) of {2}', n, filter ?? '', all);
}
