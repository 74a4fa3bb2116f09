// Which smb: resources the Explorer shows are read-only, as the context key READ_ONLY_ITEMS
// (`resource in extentLens.readOnlyItems` in package.json's menus). VS Code cannot tell by
// itself: its Explorer builds items from readDirectory (names and kinds only; a FileStat's
// permissions are read only when sorting by date), and a provider's own `isReadonly` is one
// answer for the whole smb: scheme, while one share may be read-only for this user and the next
// writable. The provider learns it per entry (TREE_CONNECT's MaximalAccess without
// FILE_WRITE_DATA, or FILE_ATTRIBUTE_READONLY on a file) and records it here, so the Explorer's
// commands that would change such an item are not offered, rather than refused by the server.

/** The context key: an object whose keys are the read-only resources' Uri strings. */
export const READ_ONLY_ITEMS = 'extentLens.readOnlyItems';

/**
 * At most this many read-only resources are kept (the key crosses to the workbench whole on each
 * change). Past it, what else is listed is not recorded: its commands are offered and the
 * server's refusal comes before any question (requireWritableOnShare), as without the key.
 */
export const READ_ONLY_ITEMS_LIMIT = 20_000;

export interface ListedEntry {
  /** The entry's Uri string, as VS Code's Explorer names it (the folder's Uri joined with its name). */
  uri: string;
  readOnly: boolean;
}

export class ReadOnlyItems {
  /** Read-only resources by Uri string, each with the folder whose listing said so (undefined: a stat said so). */
  private readonly items = new Map<string, string | undefined>();
  /** Each listed folder's read-only entries, so that listing it again replaces them. */
  private readonly byFolder = new Map<string, Set<string>>();
  private full = false;

  constructor(private readonly limit = READ_ONLY_ITEMS_LIMIT) {}

  /** True once an entry was left out because the limit was reached. */
  get leftSomeOut(): boolean {
    return this.full;
  }

  /** A folder's entries as just listed. Returns whether the key's value changed. */
  listed(folder: string, entries: readonly ListedEntry[]): boolean {
    let changed = false;
    const before = this.byFolder.get(folder);
    const now = new Set<string>();
    for (const e of entries) {
      if (!e.readOnly) {
        // writable now (a stat may have said otherwise before)
        if (this.items.delete(e.uri)) changed = true;
        continue;
      }
      if (!this.items.has(e.uri)) {
        if (this.items.size >= this.limit) {
          this.full = true;
          continue;
        }
        changed = true;
      }
      this.items.set(e.uri, folder);
      now.add(e.uri);
    }
    // what this folder held and no longer does (deleted, renamed, made writable)
    for (const uri of before ?? []) {
      if (!now.has(uri) && this.items.delete(uri)) changed = true;
    }
    if (now.size) this.byFolder.set(folder, now);
    else this.byFolder.delete(folder);
    return changed;
  }

  /** One resource's stat. Returns whether the key's value changed. */
  stated(uri: string, readOnly: boolean): boolean {
    if (!readOnly) return this.forget(uri, false);
    if (this.items.has(uri)) return false;
    if (this.items.size >= this.limit) {
      this.full = true;
      return false;
    }
    this.items.set(uri, undefined);
    return true;
  }

  /**
   * A resource deleted (or renamed away): it, and with `folder` all that was recorded inside it,
   * leave the key. Returns whether the key's value changed.
   */
  forget(uri: string, folder = true): boolean {
    const listedIn = this.items.get(uri);
    let changed = this.items.delete(uri);
    if (listedIn !== undefined) this.byFolder.get(listedIn)?.delete(uri);
    if (!folder) return changed;
    const inside = uri.replace(/\/*$/, '/');
    for (const k of [...this.items.keys()]) {
      if (!k.startsWith(inside)) continue;
      this.items.delete(k);
      changed = true;
    }
    for (const f of [...this.byFolder.keys()]) if (f === uri || f.startsWith(inside)) this.byFolder.delete(f);
    return changed;
  }

  /** The context key's value. */
  contextValue(): Record<string, true> {
    const v: Record<string, true> = {};
    for (const k of this.items.keys()) v[k] = true;
    return v;
  }
}
