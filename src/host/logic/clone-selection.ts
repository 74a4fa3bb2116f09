// The files picked with "Select for Block Clone", kept in the host (and mirrored into the
// context key extentLens.hasCloneSelection so "Block Clone Here" and the palette can react).

import { enginePathOf } from './smb-uri';
import type { Translate } from './translate';

/** Something that looks like a vscode.Uri (duck-typed so this module stays vscode-free). */
interface UriLike {
  scheme: string;
  fsPath: string;
  authority?: string;
  path?: string;
}

/**
 * The engine's path for a resource: the local path of a file: Uri, the smb:// path of an smb:
 * Uri (a share opened with Open SMB Share…), undefined for any other scheme.
 */
export function enginePathOfUri(u: UriLike): string | undefined {
  if (u.scheme === 'file') return u.fsPath;
  if (u.scheme === 'smb' && typeof u.authority === 'string' && typeof u.path === 'string') {
    return enginePathOf({ scheme: u.scheme, authority: u.authority, path: u.path });
  }
  return undefined;
}

function isUriLike(v: unknown): v is UriLike {
  return typeof v === 'object' && v !== null && typeof (v as UriLike).scheme === 'string' && typeof (v as UriLike).fsPath === 'string';
}

/**
 * The paths a command was invoked on. VS Code passes (clicked, allSelected[]) from the
 * explorer with multi-select, (uri) from an editor tab, nothing from the palette; tests may
 * pass plain path strings. file: and smb: URIs become engine paths; others are dropped.
 */
export function pathsFromArgs(first: unknown, all: unknown): string[] {
  const out: string[] = [];
  const push = (v: unknown) => {
    if (typeof v === 'string' && v !== '') out.push(v);
    else if (isUriLike(v)) {
      const p = enginePathOfUri(v);
      if (p !== undefined) out.push(p);
    }
  };
  if (Array.isArray(all) && all.length > 0) all.forEach(push);
  else if (Array.isArray(first)) first.forEach(push);
  else push(first);
  return [...new Set(out)];
}

export class CloneSelection {
  private paths: string[] = [];
  /** The selected files known to be on a file system that cannot share blocks: path → its name ("ext4"). */
  private unshareable = new Map<string, string>();
  constructor(private readonly onChange: (paths: readonly string[]) => void = () => undefined) {}

  /**
   * Replace the selection (explorer semantics: a new selection replaces the old one), with what
   * is known of its files' file systems: those that cannot share blocks (ext4, tmpfs), by path.
   */
  set(paths: readonly string[], cannotShare: ReadonlyMap<string, string> = new Map()): void {
    this.paths = [...new Set(paths)];
    this.unshareable = new Map([...cannotShare].filter(([p]) => this.paths.includes(p)));
    this.onChange(this.paths);
  }

  clear(): void {
    this.set([]);
  }

  /** Forget files that were deleted or renamed away. */
  remove(path: string): void {
    if (this.paths.includes(path))
      this.set(
        this.paths.filter((p) => p !== path),
        this.unshareable,
      );
  }

  get(): string[] {
    return [...this.paths];
  }

  get size(): number {
    return this.paths.length;
  }

  /**
   * What the selection's files' file systems mean for Block Clone Here, or undefined where
   * nothing is known against them: `short` for the status bar's text ("ext4: copy only"),
   * `long` for the toast, the tooltip and the screen reader (adds that Block Clone Here will offer a copy).
   */
  cannotShareNote(t: Translate): { short: string; long: string } | undefined {
    if (this.unshareable.size === 0) return undefined;
    const names = [...new Set(this.unshareable.values())].join(', ');
    if (this.unshareable.size === this.paths.length)
      return {
        short: t('{0}: copy only', names),
        long: t('{0} cannot share blocks: Block Clone Here will offer a copy', names),
      };
    const [n, of] = [this.unshareable.size, this.paths.length];
    return {
      short: t('{0} of {1}: copy only', n, of),
      long: t('{0} of {1} on {2}, which cannot share blocks: Block Clone Here will offer a copy of those', n, of, names),
    };
  }
}
