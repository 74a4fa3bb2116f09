// Pure modules cannot import `vscode`, yet their messages must be ready for localisation.
// They take a `Translate` function: the extension passes vscode.l10n.t, unit tests pass
// `plainT`, which fills the {0}, {1} placeholders the same way l10n.t does.

type TranslateArg = string | number | boolean;
export type Translate = (message: string, ...args: TranslateArg[]) => string;

export const plainT: Translate = (message, ...args) =>
  message.replace(/\{(\d+)\}/g, (whole, i: string) => (Number(i) < args.length ? String(args[Number(i)]) : whole));
