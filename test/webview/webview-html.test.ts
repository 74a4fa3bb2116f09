// The HTML shell (src/views/webview-html.ts): strict CSP with a fresh nonce, escaping of every
// interpolated value, and an initial-state block that cannot break out of its <script>.
// (The Chromium suites check that the real bundles run under this CSP with no violation.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { contentSecurityPolicy, jsonForScript, makeNonce, renderWebviewHtml } from '../../src/views/webview-html';

const base = {
  cspSource: 'https://file+.vscode-resource.vscode-cdn.net',
  scriptUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/dist/webview/inspector.js',
  styleUris: ['https://file+.vscode-resource.vscode-cdn.net/ext/dist/webview/inspector.css'],
  codiconUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/dist/media/codicon.css',
  title: 'Extent Lens',
};

test('nonces: 32 alphanumerics from a CSPRNG, all different', () => {
  const seen = new Set<string>();
  for (let i = 0; i < 1000; i++) {
    const n = makeNonce();
    assert.match(n, /^[A-Za-z0-9]{32}$/);
    seen.add(n);
  }
  assert.equal(seen.size, 1000);
});

test('CSP: nothing by default, scripts only by nonce, no unsafe-inline or eval', () => {
  const nonce = makeNonce();
  const csp = contentSecurityPolicy(base.cspSource, nonce);
  assert.equal(
    csp,
    `default-src 'none'; script-src 'nonce-${nonce}'; style-src ${base.cspSource} 'nonce-${nonce}'; font-src ${base.cspSource}; img-src ${base.cspSource} data:`,
  );
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|\*/);
  const html = renderWebviewHtml({ ...base, nonce });
  assert.ok(html.includes(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'nonce-${nonce}'`));
  // every <script> carries the nonce
  const scripts = html.match(/<script[^>]*>/g)!;
  assert.equal(scripts.length, 2);
  for (const s of scripts) assert.ok(s.includes(`nonce="${nonce}"`), s);
  assert.ok(html.includes('id="vscode-codicon-stylesheet"'), 'vscode-icon finds the codicon stylesheet by this id');
});

test('escaping: title and URIs, and the state cannot close its script element', () => {
  const nonce = makeNonce();
  const html = renderWebviewHtml({ ...base, nonce, title: '<img src=x onerror=alert(1)>', styleUris: ['x" onload="alert(1)'], initialState: { name: '</script><script>alert(1)</script>', t: '\u2028' } });
  assert.ok(!html.includes('<img src=x'));
  assert.ok(html.includes('&lt;img src=x onerror=alert(1)&gt;'));
  assert.ok(html.includes('href="x&quot; onload=&quot;alert(1)"'));
  assert.equal(html.match(/<\/script>/g)!.length, 2, 'only our two closing tags');
  assert.deepEqual(JSON.parse(jsonForScript({ a: '</script>&<>' })), { a: '</script>&<>' });
  assert.throws(() => renderWebviewHtml({ ...base, nonce: 'short' }));
  assert.throws(() => renderWebviewHtml({ ...base, nonce: 'a"b c d e f g h i j k l m n o p' }));
});
