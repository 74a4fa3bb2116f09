// The webview's side of the postMessage channel. Messages out are typed by the shared
// protocol; messages in are validated with parseHostMessage and malformed ones are dropped
// (and counted, so tests and people can see it happened).
import type { HostMessage, WebviewMessage } from '../../src/protocol/messages';
import { parseHostMessage } from '../../src/protocol/host-message-check';

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

// acquireVsCodeApi may be called only once per webview.
const api: VsCodeApi = acquireVsCodeApi();

export function post(m: WebviewMessage): void {
  api.postMessage(m);
}

export function getState<T>(): T | undefined {
  return api.getState() as T | undefined;
}

export function setState(s: unknown): void {
  api.setState(s);
}

/** Number of host messages dropped as malformed (shown in the DOM as data-ignored for tests). */
let ignoredMessages = 0;

export function onHostMessage(handler: (m: HostMessage) => void): void {
  window.addEventListener('message', (ev: MessageEvent) => {
    const m = parseHostMessage(ev.data);
    if (!m) {
      ignoredMessages++;
      document.body.dataset.ignored = String(ignoredMessages);
      console.warn('Extent Lens: ignored a malformed message from the host', ev.data);
      return;
    }
    handler(m);
  });
}

/** The JSON the HTML shell embedded in <script id="initial-state"> (see src/views/webview-html.ts). */
export function initialState<T>(): T | undefined {
  const el = document.getElementById('initial-state');
  if (!el?.textContent) return undefined;
  try {
    return JSON.parse(el.textContent) as T;
  } catch {
    return undefined;
  }
}
