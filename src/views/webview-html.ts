// The HTML shell of every Extent Lens webview, with a strict Content-Security-Policy.
//
// Pure (no `vscode` import): the panel passes in `webview.cspSource` and the
// `asWebviewUri(...)` strings, and the Chromium tests render the very same shell.
//
// CSP, and why each source is there:
//   default-src 'none'                nothing loads unless listed below
//   script-src 'nonce-N'              only our bundle (and the inline JSON state block, which
//                                     is data and never executed) carries the nonce
//   style-src  cspSource 'nonce-N'    our bundled CSS and codicon.css come from the extension
//                                     (cspSource); Lit-based @vscode-elements components put
//                                     their styles in constructable stylesheets
//                                     (adoptedStyleSheets), which CSP does not treat as inline
//                                     <style>, and the one fallback <style> Lit would create
//                                     takes `window.litNonce` (webview/shared/lit-nonce.ts).
//                                     So no 'unsafe-inline' is needed; the Chromium tests
//                                     assert that no CSP violation is reported.
//   font-src   cspSource              the codicon font
//   img-src    cspSource data:        icons; data: for canvas-exported images
// No connect-src: the webview talks to the host only through postMessage.

interface WebviewHtmlOptions {
  /** `webview.cspSource`. */
  cspSource: string;
  /** A fresh nonce per render (makeNonce()). */
  nonce: string;
  /** asWebviewUri(dist/webview/<bundle>.js). */
  scriptUri: string;
  /** asWebviewUri(dist/webview/<bundle>.css), and any other stylesheet. */
  styleUris: string[];
  /** asWebviewUri(dist/media/codicon.css). */
  codiconUri: string;
  title: string;
  /** Serialisable state the webview reads at start (e.g. the view kind, localised strings). */
  initialState?: unknown;
  /** `<body>` class to start with before VS Code sets its own (tests use it). */
  bodyClass?: string;
}

const NONCE_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/**
 * 32 characters from a CSPRNG (globalThis.crypto: Node 20 and browsers). A nonce must not be
 * guessable by content inside the webview, so Math.random is not good enough.
 */
export function makeNonce(): string {
  const bytes = new Uint8Array(32);
  globalThis.crypto.getRandomValues(bytes);
  let s = '';
  // 256 % 62 != 0: reject the top values so every character is equally likely
  for (let i = 0; s.length < 32; i++) {
    if (i === bytes.length) {
      globalThis.crypto.getRandomValues(bytes);
      i = 0;
    }
    if (bytes[i] < 248) s += NONCE_CHARS[bytes[i] % 62];
  }
  return s;
}

/** HTML attribute / text escaping. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** Escaping for a double-quoted attribute: the CSP's 'self'-style quotes stay readable. */
function escapeAttr(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}

/**
 * JSON that is safe inside a <script type="application/json"> element: "<", ">" and "&" are
 * escaped so no string in the state can close the element, and U+2028/2029 for old parsers.
 */
export function jsonForScript(v: unknown): string {
  return JSON.stringify(v ?? null)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src ${cspSource} 'nonce-${nonce}'`,
    `font-src ${cspSource}`,
    `img-src ${cspSource} data:`,
  ].join('; ');
}

export function renderWebviewHtml(o: WebviewHtmlOptions): string {
  if (!/^[A-Za-z0-9+/=_-]{16,}$/.test(o.nonce))
    throw new Error('renderWebviewHtml: the nonce must be at least 16 base64/alphanumeric characters');
  const styles = o.styleUris.map((u) => `  <link rel="stylesheet" href="${escapeHtml(u)}">`).join('\n');
  return `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="UTF-8">
  <meta http-equiv="Content-Security-Policy" content="${escapeAttr(contentSecurityPolicy(o.cspSource, o.nonce))}">
  <meta name="viewport" content="width=device-width, initial-scale=1.0">
  <title>${escapeHtml(o.title)}</title>
  <link rel="stylesheet" id="vscode-codicon-stylesheet" nonce="${o.nonce}" href="${escapeHtml(o.codiconUri)}">
${styles}
</head>
<body${o.bodyClass ? ` class="${escapeHtml(o.bodyClass)}"` : ''}>
  <div id="app"></div>
  <script type="application/json" id="initial-state" nonce="${o.nonce}">${jsonForScript(o.initialState)}</script>
  <script nonce="${o.nonce}" src="${escapeHtml(o.scriptUri)}"></script>
</body>
</html>
`;
}
