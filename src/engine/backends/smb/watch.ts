// Watching a folder on a share (SmbFileApi.watch): one open folder handle with a CHANGE_NOTIFY
// outstanding at all times (the server keeps changes that happen between two requests on the
// handle). A server that refuses CHANGE_NOTIFY is polled instead: the folder is listed every
// few seconds and compared with the last listing (that folder only, not its subfolders). A
// dropped connection ends the request in flight; the watch reconnects, with a growing pause
// while the server stays away, and reports the folder as changed once it is back (what
// happened meanwhile is unknown). A path that is not a folder (a file, or nothing yet: VS Code
// watches .vscode/settings.json and the like) is watched through its folder, for its name only.

import type { SmbChange, SmbDirEntry, SmbWatchOptions } from '../../smb-files-types';
import { SmbStatusError, withOperation } from './protocol/errors';
import { Access, CreateOption, Disposition, NotifyAction, NotifyFilter, type NotifyEntry } from './protocol/messages';
import { clientFor } from './protocol/pool';
import { STATUS } from '../../nt/codec/ntstatus';
import { formatSmbUri, parseSmbUri, smbPath } from './protocol/uri';

interface WatchHelpers {
  list(uri: string): Promise<SmbDirEntry[]>;
  child(uri: string, name: string): string;
}

const FILTER =
  NotifyFilter.FILE_NAME |
  NotifyFilter.DIR_NAME |
  NotifyFilter.ATTRIBUTES |
  NotifyFilter.SIZE |
  NotifyFilter.LAST_WRITE |
  NotifyFilter.CREATION;

/** Statuses that mean "this server (or share) does not do change notification": poll instead. */
const REFUSED: number[] = [STATUS.STATUS_NOT_SUPPORTED, STATUS.STATUS_NOT_IMPLEMENTED, STATUS.STATUS_INVALID_DEVICE_REQUEST];

/** Opening the path as a folder failed because it is a file or does not exist (yet). */
const NOT_A_FOLDER: number[] = [STATUS.STATUS_OBJECT_NAME_NOT_FOUND, STATUS.STATUS_NOT_A_DIRECTORY];

const RETRY_FIRST_MS = 1000;
const RETRY_MAX_MS = 30000;

function changesOf(uri: string, entries: NotifyEntry[], child: WatchHelpers['child']): SmbChange[] {
  return entries.map((e) => {
    const path = child(uri, e.name.split('\\').join('/'));
    switch (e.action) {
      case NotifyAction.ADDED:
      case NotifyAction.RENAMED_NEW_NAME:
        return { type: 'created', path };
      case NotifyAction.REMOVED:
      case NotifyAction.RENAMED_OLD_NAME:
        return { type: 'deleted', path };
      default:
        return { type: 'changed', path };
    }
  });
}

/**
 * Watch `uri` through its folder, passing on only the changes to `uri` itself (and a change of
 * the whole folder, as after a lost connection, as a change of it). The folder is watched as
 * any folder is, without going further up if it too is missing.
 */
function watchThroughFolder(uri: string, opts: SmbWatchOptions, helpers: WatchHelpers): { dispose(): void } | undefined {
  const t = parseSmbUri(uri);
  if (!t.path) return undefined; // the share itself
  const folder = formatSmbUri({ ...t, path: t.path.split('/').slice(0, -1).join('/') });
  const same = (p: string, q: string): boolean => parseSmbUri(p).path === parseSmbUri(q).path;
  return watchSmbFolder(
    folder,
    {
      ...opts,
      recursive: false,
      onChange: (changes) => {
        const mine = changes.filter((c) => same(c.path, uri));
        if (changes.some((c) => c.type === 'changed' && same(c.path, folder))) mine.push({ type: 'changed', path: uri });
        if (mine.length) opts.onChange(mine);
      },
    },
    helpers,
    false,
  );
}

export function watchSmbFolder(uri: string, opts: SmbWatchOptions, helpers: WatchHelpers, throughFolder = true): { dispose(): void } {
  const stop = new AbortController();
  let inner: { dispose(): void } | undefined;
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(resolve, ms);
      stop.signal.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
    });

  /** Watch with CHANGE_NOTIFY until stopped; false when the server refuses it. */
  const notify = async (): Promise<boolean> => {
    let pause = RETRY_FIRST_MS;
    let lost = false;
    while (!stop.signal.aborted) {
      try {
        const target = parseSmbUri(uri);
        const client = await clientFor(target);
        const desiredAccess = Access.FILE_READ_DATA | Access.FILE_READ_ATTRIBUTES | Access.SYNCHRONIZE;
        const dir = await client.create(
          { name: smbPath(target), desiredAccess, disposition: Disposition.OPEN, options: CreateOption.DIRECTORY_FILE },
          uri,
        );
        try {
          opts.onState?.({ mode: 'notify' });
          if (lost) opts.onChange([{ type: 'changed', path: uri }]);
          pause = RETRY_FIRST_MS;
          lost = false;
          while (!stop.signal.aborted) {
            const r = await client.changeNotify(dir.fileId, uri, { tree: opts.recursive, filter: FILTER, signal: stop.signal });
            if (r === 'closed') break;
            opts.onChange(r === 'overflow' ? [{ type: 'changed', path: uri }] : changesOf(uri, r, helpers.child));
          }
        } finally {
          if (!client.conn.closed) await client.close(dir.fileId, uri).catch(() => undefined);
        }
      } catch (e) {
        if (stop.signal.aborted) return true;
        if (e instanceof SmbStatusError && REFUSED.includes(e.status)) return false;
        if (throughFolder && e instanceof SmbStatusError && NOT_A_FOLDER.includes(e.status)) {
          inner = watchThroughFolder(uri, opts, helpers);
          if (inner) return true;
        }
        opts.onState?.({ mode: 'notify', error: e });
        lost = true;
        await sleep(pause);
        pause = Math.min(RETRY_MAX_MS, pause * 2);
      }
    }
    return true;
  };

  const poll = async (): Promise<void> => {
    opts.onState?.({ mode: 'poll' });
    let last: Map<string, string> | undefined;
    while (!stop.signal.aborted) {
      try {
        const now = new Map((await helpers.list(uri)).map((e) => [e.name, `${e.kind}:${e.size}:${e.mtimeMs}`]));
        if (last) {
          const changes: SmbChange[] = [];
          for (const [name, v] of now) {
            const before = last.get(name);
            if (before === undefined) changes.push({ type: 'created', path: helpers.child(uri, name) });
            else if (before !== v) changes.push({ type: 'changed', path: helpers.child(uri, name) });
          }
          for (const name of last.keys()) if (!now.has(name)) changes.push({ type: 'deleted', path: helpers.child(uri, name) });
          if (changes.length) opts.onChange(changes);
        }
        last = now;
      } catch (e) {
        if (stop.signal.aborted) return;
        opts.onState?.({ mode: 'poll', error: e });
      }
      await sleep(opts.pollMs ?? 5000);
    }
  };

  void withOperation('files', async () => {
    if (!(await notify())) await poll();
  });
  return {
    dispose: () => {
      stop.abort();
      inner?.dispose();
    },
  };
}
