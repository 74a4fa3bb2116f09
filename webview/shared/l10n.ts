// Localisable strings for the webviews, in the style of vscode.l10n.t: the English text is the
// key, `{0}`-style placeholders are filled from the arguments. The host passes the bundle for
// the display language in the HTML shell's initial state (`initialState.l10n`, e.g.
// `vscode.l10n.bundle`); without one the English text is used. Calls are written as
// `l10n.t('...')` so `@vscode/l10n-dev export` finds them in webview/ as it does in src/.
import { initialState } from './host';

const bundle: Record<string, string> = (() => {
  const b = initialState<{ l10n?: unknown }>()?.l10n;
  if (typeof b !== 'object' || b === null) return {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(b as Record<string, unknown>)) if (typeof v === 'string') out[k] = v;
  return out;
})();

function format(template: string, args: readonly (string | number)[]): string {
  return template.replace(/\{(\d+)\}/g, (m, i: string) => (Number(i) < args.length ? String(args[Number(i)]) : m));
}

export const l10n = {
  t(message: string, ...args: (string | number)[]): string {
    return format(bundle[message] ?? message, args);
  },
};
