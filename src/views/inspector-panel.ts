// "Inspect Allocated Ranges" opens (or reveals) a webview panel for one file.

import * as vscode from 'vscode';
import * as path from 'node:path';
import type { Services } from '../host/services';
import { INSPECTOR_PANEL_TYPE } from '../host/logic/contributions';
import { samePath } from '../host/logic/destination';
import { InspectorController } from './inspector-controller';
import { webviewOptions } from './panel-setup';

export function openInspectorPanel(s: Services, file: string): InspectorController {
  for (const h of s.inspectors) {
    if (h instanceof InspectorController && h.kind === 'panel' && samePath(h.path, file)) {
      h.reveal();
      return h;
    }
  }
  // titled as the other views are, what it shows and of what: "Space: folder", "Duplicates: folder"
  const panel = vscode.window.createWebviewPanel(
    INSPECTOR_PANEL_TYPE,
    vscode.l10n.t('Map: {0}', path.basename(file)),
    { viewColumn: vscode.ViewColumn.Active, preserveFocus: false },
    { ...webviewOptions(s.context.extensionUri), retainContextWhenHidden: false },
  );
  return new InspectorController(panel, file, s, 'panel');
}
