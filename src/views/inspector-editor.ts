// The read-only custom editor "Extent Lens Inspector" (priority "option": it never takes over
// normal opening; "Reopen Editor With..." offers it for any file). Same controller as the
// Inspect command's panel.

import * as vscode from 'vscode';
import type { Services } from '../host/services';
import { INSPECTOR_VIEW_TYPE } from '../host/logic/contributions';
import { InspectorController } from './inspector-controller';
import { enginePathOfUri } from '../host/logic/clone-selection';
import { escapeHtml } from './webview-html';

class InspectedFile implements vscode.CustomDocument {
  constructor(readonly uri: vscode.Uri) {}
  dispose(): void {
    // nothing held: the controller owns the watcher and the map
  }
}

export class InspectorEditorProvider implements vscode.CustomReadonlyEditorProvider<InspectedFile> {
  constructor(private readonly s: Services) {}

  static register(s: Services): vscode.Disposable {
    return vscode.window.registerCustomEditorProvider(INSPECTOR_VIEW_TYPE, new InspectorEditorProvider(s), {
      webviewOptions: { retainContextWhenHidden: false },
      supportsMultipleEditorsPerDocument: true,
    });
  }

  openCustomDocument(uri: vscode.Uri): InspectedFile {
    return new InspectedFile(uri);
  }

  resolveCustomEditor(document: InspectedFile, panel: vscode.WebviewPanel): void {
    const enginePath = enginePathOfUri(document.uri);
    if (enginePath === undefined) {
      panel.webview.html = `<!DOCTYPE html><html><body><p>${escapeHtml(
        vscode.l10n.t('Extent Lens inspects files on a real file system; "{0}" is not one.', document.uri.toString()),
      )}</p></body></html>`;
      return;
    }
    new InspectorController(panel, enginePath, this.s, 'editor');
  }
}
