// Everything the four panel kinds (inspector, clone results, Space, Dedupe) do the same way
// when they set up a webview: options limited to the extension's own dist/ and media/, and the
// HTML shell from webview-html.ts with a fresh nonce on every render.

import * as vscode from 'vscode';
import { makeNonce, renderWebviewHtml } from './webview-html';

type WebviewApp = 'inspector' | 'cloneResults' | 'space' | 'dedupe';

export function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions {
  return {
    enableScripts: true,
    localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist'), vscode.Uri.joinPath(extensionUri, 'media')],
  };
}

/**
 * `heading`: what the view is about, for its heading before the host's first message (an
 * inspector of a FIFO never gets a summary: its heading stayed a bare "Extent Lens").
 */
export function setWebviewHtml(
  webview: vscode.Webview,
  extensionUri: vscode.Uri,
  app: WebviewApp,
  title: string,
  heading?: { name: string; path: string },
): void {
  webview.options = webviewOptions(extensionUri);
  const dist = (...p: string[]) => webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', ...p)).toString();
  webview.html = renderWebviewHtml({
    title,
    nonce: makeNonce(), // a fresh CSPRNG nonce for each HTML document (CSP script-src 'nonce-...')
    cspSource: webview.cspSource,
    scriptUri: dist('webview', `${app}.js`),
    styleUris: [dist('webview', `${app}.css`)],
    codiconUri: dist('media', 'codicon.css'),
    // l10n: the display language's bundle (undefined in English: JSON leaves it out), which
    // webview/shared/l10n.ts translates with, falling back to the English text.
    initialState: { view: app, language: vscode.env.language, l10n: vscode.l10n.bundle, heading },
  });
}

/** A compact, bounded rendering of an untrusted message for the log. */
export function describeUntrusted(raw: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(raw) ?? String(raw);
  } catch {
    text = Object.prototype.toString.call(raw);
  }
  return text.length > 300 ? `${text.slice(0, 300)}... (${text.length} chars)` : text;
}

/**
 * One key for a selection whatever the order its paths came in (an explorer multi-selection,
 * the palette): a command run again on the same selection reuses its view.
 */
export function selectionKey(paths: readonly string[]): string {
  return [...new Set(paths)].sort().join('\0');
}
