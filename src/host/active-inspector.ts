// The open inspectors, for "the file the person is looking at" (ui.ts activeFileUri): an
// inspector opened by Inspect Allocated Ranges is a webview panel, whose tab names no file.
// Services hands its set over once, at activation.

interface Inspected {
  readonly path: string;
  /** The inspector is the active editor (tab) of the window. */
  readonly active: boolean;
}

let inspectors: ReadonlySet<Inspected> = new Set();

export function followInspectors(set: ReadonlySet<Inspected>): void {
  inspectors = set;
}

/** The file of the active inspector panel, if one is active. */
export function activeInspectedPath(): string | undefined {
  for (const h of inspectors) if (h.active) return h.path;
  return undefined;
}
