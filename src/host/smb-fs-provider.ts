// The smb: file system provider: the Explorer browses a share and the editors open its files
// through the engine's SMB file API (src/engine/smb-files.ts, over the project's own SMB2
// client). Registered at activation; the SMB client loads on the first call. Errors become
// vscode.FileSystemErrors carrying the engine's sentence, which names the NT status. A copy in
// the Explorer (copy and paste, Ctrl+drag) is the engine's server-side copy (`copy`, so VS Code
// never reads a file into memory to write it back: a 6 GiB one failed with EFBIG), folders by
// copying each file in them.

import * as vscode from 'vscode';
import type { FsctlError, SmbChange, SmbFileApi, SmbFileStat } from '../engine';
import { debounce } from './logic/debounce';
import { inVsCodeWords } from './logic/errors';
import { READ_ONLY_ITEMS, ReadOnlyItems, type ListedEntry } from './logic/read-only-items';
import { fileSystemErrorKind, nameTakenSentence, passwordNotEnteredSentence } from './logic/smb-errors';
import { enginePathOf, passwordKey, shareAddressOfUri } from './logic/smb-uri';
import { passwordNotEntered } from './smb-secrets';
import { uriOfPath } from './ui';

const SMB_SCHEME = 'smb';

/** `target`: the name being made (a copy's or rename's destination), which a FileExists is about. */
function toFileSystemError(e: unknown, target: string): vscode.FileSystemError {
  if (e instanceof vscode.FileSystemError) return e;
  const f = e as Partial<FsctlError> | undefined;
  const code = typeof f?.code === 'string' ? f.code : undefined;
  const kind = fileSystemErrorKind(code);
  if (kind === 'FileExists') {
    // the name the engine found taken (its last path: a copy's destination), which in a folder's
    // copy is a file inside it, not the folder asked for
    const taken = Array.isArray(f?.paths) && f.paths.length > 0 ? f.paths[f.paths.length - 1] : target;
    return vscode.FileSystemError.FileExists(nameTakenSentence(taken, code!, vscode.l10n.t));
  }
  const message = typeof f?.message === 'string' ? inVsCodeWords(f.message) : String(e);
  return kind ? vscode.FileSystemError[kind](message) : new vscode.FileSystemError(message);
}

/**
 * A request on a share whose password question was closed in this window (smb-secrets.ts):
 * failed at once, saying how to connect, not with the engine's "No password" (which says to
 * enter it when asked, and nothing asks).
 */
function passwordNotEnteredError(uri: vscode.Uri): vscode.FileSystemError | undefined {
  const a = shareAddressOfUri(uri);
  if (!a || !passwordNotEntered(passwordKey(a))) return undefined;
  return vscode.FileSystemError.NoPermissions(passwordNotEnteredSentence(a, vscode.l10n.t));
}

function fileStat(s: SmbFileStat): vscode.FileStat {
  return {
    type: s.kind === 'directory' ? vscode.FileType.Directory : vscode.FileType.File,
    ctime: s.ctimeMs,
    mtime: s.mtimeMs,
    // VS Code's FileStat.size is a number: exact to 2^53 bytes (8 PiB); the inspector reads bigints.
    size: Number(s.size),
    // The editor opens it read-only (with the reason on hover) instead of failing on save.
    ...(s.readOnly ? { permissions: vscode.FilePermission.Readonly } : {}),
  };
}

const CHANGE: Record<SmbChange['type'], vscode.FileChangeType> = {
  created: vscode.FileChangeType.Created,
  changed: vscode.FileChangeType.Changed,
  deleted: vscode.FileChangeType.Deleted,
};

export class SmbFileSystemProvider implements vscode.FileSystemProvider {
  private readonly changes = new vscode.EventEmitter<vscode.FileChangeEvent[]>();
  /** Servers (URI authorities) on which a save's lost owner, group or mode has been said on screen. */
  private readonly toldNotKept = new Set<string>();
  readonly onDidChangeFile = this.changes.event;
  /** What VS Code's Explorer cannot know is read-only (logic/read-only-items.ts), for the menus' `when`. */
  private readonly readOnly = new ReadOnlyItems();
  /** Once for a burst of stats and listings (a folder opened, files sorted by date): the key crosses whole. */
  private readonly publishReadOnly = debounce(() => {
    void vscode.commands.executeCommand('setContext', READ_ONLY_ITEMS, this.readOnly.contextValue());
  }, 100);
  private toldReadOnlyLimit = false;
  /**
   * The Explorer lists its open folders again. A watch that was cut off (the server down, the
   * network gone) cannot tell what changed meanwhile, and VS Code's Explorer takes a "changed"
   * folder as nothing to list again: files made meanwhile stayed missing. Once for several
   * watches coming back together.
   */
  private readonly relistExplorer = debounce(() => {
    vscode.commands.executeCommand('workbench.files.action.refreshFilesExplorer').then(undefined, (e: unknown) => {
      this.log.debug(`listing the Explorer's folders again: ${e instanceof Error ? e.message : String(e)}`);
    });
  }, 500);

  constructor(
    private readonly files: () => Promise<SmbFileApi>,
    private readonly log: vscode.LogOutputChannel,
    /** One file copied on the server (the engine's copy: copychunk, holes kept), replacing `to` when `overwrite`. */
    private readonly copyFile: (from: string, to: string, overwrite: boolean) => Promise<void>,
  ) {}

  static register(
    files: () => Promise<SmbFileApi>,
    log: vscode.LogOutputChannel,
    copyFile: (from: string, to: string, overwrite: boolean) => Promise<void>,
  ): vscode.Disposable {
    const provider = new SmbFileSystemProvider(files, log, copyFile);
    // Windows servers and Samba's default compare names without case.
    return vscode.Disposable.from(
      provider.changes,
      { dispose: () => provider.publishReadOnly.cancel() },
      vscode.workspace.registerFileSystemProvider(SMB_SCHEME, provider, { isCaseSensitive: false }),
    );
  }

  private noteReadOnly(changed: boolean): void {
    if (changed) this.publishReadOnly();
    if (this.readOnly.leftSomeOut && !this.toldReadOnlyLimit) {
      this.toldReadOnlyLimit = true;
      this.log.info(
        `smb: more read-only files and folders were listed than the Explorer's menus are told of; on the others, commands that change them are offered and the server refuses them before any question`,
      );
    }
  }

  /** `target`: the name a copy or rename makes (default `uri`), for what a FileExists says. */
  private async run<T>(
    uri: vscode.Uri,
    what: string,
    fn: (api: SmbFileApi, path: string) => Promise<T>,
    changed: vscode.FileChangeEvent[] = [],
    target = uri,
  ): Promise<T> {
    const path = enginePathOf(uri);
    const notEntered = passwordNotEnteredError(uri);
    if (notEntered) {
      this.log.debug(`smb ${what} ${path}: ${notEntered.message}`);
      throw notEntered;
    }
    try {
      const result = await fn(await this.files(), path);
      // Our own changes show at once, before (or without) the server's notification.
      if (changed.length) this.changes.fire(changed);
      return result;
    } catch (e) {
      // (the requests that waited on the question that was closed)
      const noPassword = (e as Partial<FsctlError> | undefined)?.code === 'E_BAD_INPUT' ? passwordNotEnteredError(uri) : undefined;
      const err = noPassword ?? toFileSystemError(e, enginePathOf(target));
      this.log.debug(`smb ${what} ${path}: ${err.message}`);
      throw err;
    }
  }

  watch(uri: vscode.Uri, options: { readonly recursive: boolean; readonly excludes: readonly string[] }): vscode.Disposable {
    let stopped = false;
    let watcher: { dispose(): void } | undefined;
    const path = enginePathOf(uri);
    // A watch retries while its folder is unreachable: the same failure is a warning once, not each retry.
    let lastError: string | undefined;
    void this.files().then(
      (api) => {
        if (stopped) return;
        watcher = api.watch(path, {
          recursive: options.recursive,
          onChange: (changes) => {
            const events = changes.map((c) => ({ type: CHANGE[c.type], uri: uriOfPath(c.path) }));
            for (const e of events) if (e.type === vscode.FileChangeType.Deleted) this.noteReadOnly(this.readOnly.forget(e.uri.toString()));
            if (events.length) this.changes.fire(events);
          },
          onState: (s) => {
            if (s.error) {
              const text = `smb watch ${path}: ${s.error instanceof Error ? s.error.message : String(s.error)}`;
              if (text === lastError) this.log.debug(`${text} (again)`);
              else this.log.warn(text);
              lastError = text;
              return;
            }
            if (lastError !== undefined) this.relistExplorer();
            lastError = undefined;
            this.log.info(`smb watch ${path}: ${s.mode === 'notify' ? 'CHANGE_NOTIFY' : 'polling (the server refuses CHANGE_NOTIFY)'}`);
          },
        });
      },
      (e: unknown) => this.log.warn(`smb watch ${path}: ${e instanceof Error ? e.message : String(e)}`),
    );
    return new vscode.Disposable(() => {
      stopped = true;
      watcher?.dispose();
    });
  }

  stat(uri: vscode.Uri): Promise<vscode.FileStat> {
    return this.run(uri, 'stat', async (api, p) => {
      const s = await api.stat(p);
      this.noteReadOnly(this.readOnly.stated(uri.toString(), s.readOnly));
      return fileStat(s);
    });
  }

  readDirectory(uri: vscode.Uri): Promise<[string, vscode.FileType][]> {
    return this.run(uri, 'list', async (api, p) => {
      const entries = await api.list(p);
      const listed = entries.map((e): ListedEntry => ({ uri: vscode.Uri.joinPath(uri, e.name).toString(), readOnly: e.readOnly }));
      this.noteReadOnly(this.readOnly.listed(uri.toString(), listed));
      return entries.map((e): [string, vscode.FileType] => [
        e.name,
        e.kind === 'directory' ? vscode.FileType.Directory : vscode.FileType.File,
      ]);
    });
  }

  createDirectory(uri: vscode.Uri): Promise<void> {
    return this.run(uri, 'mkdir', (api, p) => api.mkdir(p), [{ type: vscode.FileChangeType.Created, uri }]);
  }

  readFile(uri: vscode.Uri): Promise<Uint8Array> {
    return this.run(uri, 'read', (api, p) => api.readFile(p));
  }

  async writeFile(uri: vscode.Uri, content: Uint8Array, options: { readonly create: boolean; readonly overwrite: boolean }): Promise<void> {
    const r = await this.run(
      uri,
      'write',
      (api, p) => api.writeFile(p, content, { create: options.create, overwrite: options.overwrite }),
      [{ type: vscode.FileChangeType.Changed, uri }],
    );
    // what the save could not keep of the original (its owner, group, permissions): logged each
    // time, and said on screen the first time on each server, where a plain Ctrl+S changing a
    // file's owner or mode would otherwise go unseen
    for (const line of r.notKept) this.log.warn(line);
    if (r.notKept.length && !this.toldNotKept.has(uri.authority)) {
      this.toldNotKept.add(uri.authority);
      void vscode.window.showWarningMessage(
        vscode.l10n.t(
          '{0} Later saves on this server that change such things are logged only (Output › Extent Lens).',
          r.notKept.join(' '),
        ),
      );
    }
  }

  async delete(uri: vscode.Uri, options: { readonly recursive: boolean }): Promise<void> {
    await this.run(uri, 'delete', (api, p) => api.remove(p, { recursive: options.recursive }), [
      { type: vscode.FileChangeType.Deleted, uri },
    ]);
    this.noteReadOnly(this.readOnly.forget(uri.toString()));
  }

  /** Server-side: a file by the engine's copy, a folder made anew with each of its files copied so. */
  async copy(source: vscode.Uri, destination: vscode.Uri, options: { readonly overwrite: boolean }): Promise<void> {
    const to = enginePathOf(destination);
    await this.run(
      source,
      'copy',
      async (api, from) => {
        if ((await api.stat(from)).kind !== 'directory') return this.copyFile(from, to, options.overwrite);
        const there = await api.stat(to).then(
          () => true,
          () => false,
        );
        if (there) {
          if (!options.overwrite) throw vscode.FileSystemError.FileExists(nameTakenSentence(to, 'E_EXISTS', vscode.l10n.t));
          await api.remove(to, { recursive: true }); // VS Code asked first: the folder is replaced
        }
        await this.copyFolder(api, from, to);
      },
      [{ type: vscode.FileChangeType.Created, uri: destination }],
      destination,
    );
  }

  /** `from`'s files and folders into the new folder `to` (its entries say their kinds: no stat each). */
  private async copyFolder(api: SmbFileApi, from: string, to: string): Promise<void> {
    await api.mkdir(to);
    const join = (dir: string, name: string): string => `${dir.replace(/\/+$/, '')}/${encodeURIComponent(name)}`;
    for (const e of await api.list(from)) {
      if (e.kind === 'directory') await this.copyFolder(api, join(from, e.name), join(to, e.name));
      else await this.copyFile(join(from, e.name), join(to, e.name), false);
    }
  }

  async rename(oldUri: vscode.Uri, newUri: vscode.Uri, options: { readonly overwrite: boolean }): Promise<void> {
    await this.run(
      oldUri,
      'rename',
      (api, p) => api.rename(p, enginePathOf(newUri), { overwrite: options.overwrite }),
      [
        { type: vscode.FileChangeType.Deleted, uri: oldUri },
        { type: vscode.FileChangeType.Created, uri: newUri },
      ],
      newUri,
    );
    this.noteReadOnly(this.readOnly.forget(oldUri.toString()));
  }
}
