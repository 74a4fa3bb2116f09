// The files picked with "Select for Block Clone", kept in the host (and mirrored into the
// context key extentLens.hasCloneSelection so "Block Clone Here" and the palette can react).

/** Something that looks like a vscode.Uri (duck-typed so this module stays vscode-free). */
export interface UriLike {
  scheme: string;
  fsPath: string;
}

export function isUriLike(v: unknown): v is UriLike {
  return typeof v === 'object' && v !== null && typeof (v as UriLike).scheme === 'string' && typeof (v as UriLike).fsPath === 'string';
}

/**
 * The paths a command was invoked on. VS Code passes (clicked, allSelected[]) from the
 * explorer with multi-select, (uri) from an editor tab, nothing from the palette; tests may
 * pass plain path strings. Non-file URIs are dropped (the engine needs real paths).
 */
export function pathsFromArgs(first: unknown, all: unknown): string[] {
  const out: string[] = [];
  const push = (v: unknown) => {
    if (typeof v === 'string' && v !== '') out.push(v);
    else if (isUriLike(v) && v.scheme === 'file') out.push(v.fsPath);
  };
  if (Array.isArray(all) && all.length > 0) all.forEach(push);
  else if (Array.isArray(first)) first.forEach(push);
  else push(first);
  return [...new Set(out)];
}

export class CloneSelection {
  private paths: string[] = [];
  constructor(private readonly onChange: (paths: readonly string[]) => void = () => undefined) {}

  /** Replace the selection (explorer semantics: a new selection replaces the old one). */
  set(paths: readonly string[]): void {
    this.paths = [...new Set(paths)];
    this.onChange(this.paths);
  }

  clear(): void {
    this.set([]);
  }

  /** Forget files that were deleted or renamed away. */
  remove(path: string): void {
    if (this.paths.includes(path)) this.set(this.paths.filter((p) => p !== path));
  }

  get(): string[] {
    return [...this.paths];
  }

  get size(): number {
    return this.paths.length;
  }
}
