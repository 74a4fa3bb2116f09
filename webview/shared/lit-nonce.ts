// Lit (under @vscode-elements/elements) adopts constructable stylesheets, which the strict CSP
// allows; where it must fall back to a <style> element it stamps `window.litNonce` on it. Give
// it our script's nonce. Imported FIRST by every webview entry, before any component module.
declare global {
  interface Window {
    litNonce?: string;
  }
}
const script = document.currentScript as HTMLScriptElement | null;
if (script?.nonce) window.litNonce = script.nonce;
export {};
