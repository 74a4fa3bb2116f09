// The walk of a selection, for every whole-tree operation (space, dedupe): the one place that
// knows the rules. Folders recursively, depth first, names in order; symbolic links never
// followed (over SMB: reparse points, which include junctions); hard links and overlapping
// selections visited once (by dev:ino, FilesMet); FIFOs, sockets and devices reported and
// never opened; every path that cannot be read reported by itself while the walk goes on;
// cancel checked at every path.
//
// Local paths are walked with node:fs (lstat, readdir). smb:// paths with the SMB backend's
// stat and list (QUERY_DIRECTORY): a file over SMB is known by the server's number for it
// (FILE_ID_FULL_DIR_INFORMATION's FileId: two names of one file, a hard link or a symbolic link
// the server follows, are one file), or by its path where the server gives none, and its device
// by the share's volume as the server names it. The listing has no link count, so every file
// there is remembered; a folder is walked once by its FileId (a link the server follows looks
// like the folder itself). A named local folder may be taken whole by its backend's faster walk
// (backendFolderWalk: the Linux backend's spaceWalk, for space and dedupe), which then shares
// this walk's FilesMet. wholeMap maps a file the general walk met, through any backend.
// (Past 400 lines: the local and the SMB walk are kept side by side, the one place for the rules.)

import * as fs from 'node:fs';
import type { ExtendedBackend, PathInfo, PathKind, SpaceSink } from './backend-ext';
import type { EngineContext } from './context';
import { nodeFsError } from './errno';
import { isCancelled, isFsctlError } from './errors';
import { kindOf, kindWord } from './file-kind';
import { packExtents, type PackedExtentMap } from './map-format';
import { childPath, fromOsBytes, osPath } from './os-path';
import { isSmbPath, smbShareOf } from './smb-path';
import { outermost } from './selection-paths';
import type { ByteRange, Operation } from './types';

/** A path the walk could not use (the walk went on without it). */
export interface WalkError {
  path: string;
  /** ENOENT, EACCES, E_NOT_REGULAR, STATUS_…, E_UNSUPPORTED, ... */
  code: string;
  message: string;
}

/** What the walk knows of a regular file: from lstat locally, from the folder listing over SMB. */
export interface WalkedFile {
  dev: bigint;
  ino: bigint;
  nlink: bigint;
  size: bigint;
}

export interface WalkSummary {
  /** Symbolic links (reparse points over SMB) met and not followed. */
  symlinks: number;
  /** Names met again of files with several names (hard links): not visited again. */
  hardLinks: number;
  /** Folders met again by another name (over SMB: a FileId already walked): not walked again. */
  foldersAgain: number;
}

/** The note on WalkSummary.foldersAgain, for space and dedupe. */
export function foldersAgainNote(n: number): string {
  return (
    `${n} folder${n === 1 ? ' was' : 's were'} met again by another name and not walked again: over SMB a folder's name is another ` +
    'name of one already walked when the server gives the same FileId (a symbolic link the server follows, such as one to a folder above it).'
  );
}

interface WalkVisitor {
  /** A regular file, the first time its identity is met; gives back the error it met, if any (SERVER_GONE stops an SMB walk). */
  file(p: string, f: WalkedFile): void | { failed: unknown } | Promise<void | { failed: unknown }>;
  error(e: WalkError): void;
  /** A named local folder: true when the caller walked it whole itself (its own walk, fed by `met`). */
  folder?(p: string): Promise<boolean>;
}

/** A file remembered by its identity: how many of its names were met, of how many it has (0: not known). */
export interface FileMet {
  names: number;
  nlink: number;
  /** The names it was met by (where given): the same name met again is not another link. */
  paths?: string[];
  /** Met through an overlay's merged view too (its layer's file): another name of it is not a bind mount's. */
  overlay?: boolean;
}

/**
 * The file a name shows where it is not the file met (an overlay's merged name: its layer's own
 * file, overlay-layers.ts), or undefined. `skip`: it is counted through that other name instead.
 */
export type ThroughLayer = (
  path: string,
  dev: bigint,
) => { dev: bigint; ino: bigint; nlink: number; skip: boolean; lowerOnly: boolean; path: string } | undefined;

/** Hard links once: the files met, by dev:ino. Shared with a caller's own walk (space's SpaceSink.meet). */
export class FilesMet {
  /** Names met again of files with several names. */
  hardLinks = 0;
  /** Other names met of files with one link: the same folder shown twice by mounts (a bind mount inside the selection). */
  mountedAgain = 0;
  /** Every file remembered (several names, or any file when the selection's paths may overlap). */
  readonly all = new Map<string, FileMet>();
  /** The record of the file met last, when it was remembered. */
  last: FileMet | undefined;
  /** Names through an overlay of files met (or to be met) by their layer's own name in the selection. */
  layerAgain = 0;
  /** The name met last and what `through` said of it (the sink maps that file under its layer's device). */
  lastThrough: { path: string; layer: NonNullable<ReturnType<ThroughLayer>> } | undefined;

  /**
   * @param overlapping the selection names several paths, which may contain one another
   * @param again told of each name met again of a remembered file (`${dev}:${ino}`), where the
   *   walk gives names
   * @param through where a name shows another file than the one met (an overlay's merged view):
   *   that file is the one met, by its own dev:ino
   */
  constructor(
    private readonly overlapping: boolean,
    private readonly again?: (key: string, path: string) => void,
    private readonly through?: ThroughLayer,
  ) {}

  /**
   * True the first time a file is met; false for a name of a file met before (`path`, where
   * given, is then told to `again`). The same name met again (a path named twice, or named and
   * inside a named folder, or spelt another way: `d/../d/f`) is neither another link nor another
   * of its names: a file with a link outside the selection stays kept. `nlink` 0: its link count
   * is not known (SMB).
   */
  meet(dev: bigint, ino: bigint, nlink: number, path?: string): boolean {
    this.last = undefined;
    this.lastThrough = undefined;
    const layer = path === undefined ? undefined : this.through?.(path, dev);
    if (layer && path !== undefined) {
      this.lastThrough = { path, layer };
      if (layer.skip) {
        this.layerAgain++;
        return false;
      }
      ({ dev, ino, nlink } = layer);
    }
    // Only a file with several names, or a selection naming overlapping paths, can be met twice.
    if (nlink === 1 && !this.overlapping) return true;
    const key = `${dev}:${ino}`;
    const seen = this.all.get(key);
    if (seen) {
      if (path !== undefined) {
        this.again?.(key, path);
        if (seen.paths && this.named(seen.paths, path)) return false;
        seen.paths?.push(path);
      }
      if (layer || seen.overlay) {
        this.layerAgain++;
        seen.overlay = true;
      } else if (nlink !== 1) this.hardLinks++;
      else if (path !== undefined) this.mountedAgain++;
      seen.names++;
      return false;
    }
    this.last = path !== undefined ? { names: 1, nlink, paths: [path] } : { names: 1, nlink };
    if (layer) this.last.overlay = true;
    this.all.set(key, this.last);
    return true;
  }

  /** Real folders by the path they were named by (a name is compared by its folder's real path and its own). */
  private readonly realDirs = new Map<string, string>();

  /** Whether `path` names the same directory entry as one of `paths`: the folder resolved by the file system, not as text. */
  private named(paths: string[], path: string): boolean {
    if (paths.includes(path)) return true;
    if (isSmbPath(path)) return false; // (the server resolves its names; a different text is another name)
    const entry = (p: string): string => {
      const cut = process.platform === 'win32' ? Math.max(p.lastIndexOf('/'), p.lastIndexOf('\\')) : p.lastIndexOf('/');
      const dir = cut <= 0 ? (cut === 0 ? '/' : '.') : p.slice(0, cut);
      let real = this.realDirs.get(dir);
      if (real === undefined) {
        try {
          real = fromOsBytes(fs.realpathSync(osPath(dir), { encoding: 'buffer' }));
        } catch {
          real = dir; // gone since: compared as given
        }
        this.realDirs.set(dir, real);
      }
      return `${real}\0${p.slice(cut + 1)}`;
    };
    const mine = entry(path);
    return paths.some((p) => entry(p) === mine);
  }
}

/** A file's whole map in the engine map format, through any backend (packed where it maps packed). */
export function wholeMap(b: ExtendedBackend, p: string, ctx: EngineContext): Promise<PackedExtentMap> {
  return windowMap(b, p, undefined, ctx);
}

/** The extents of `p` that meet `window` (undefined: the whole file), like wholeMap. */
export async function windowMap(
  b: ExtendedBackend,
  p: string,
  window: ByteRange | undefined,
  ctx: EngineContext,
): Promise<PackedExtentMap> {
  if (b.extentMapPacked) return b.extentMapPacked(p, window, ctx);
  const { extents, ...rest } = await b.extentMap(p, window, ctx);
  return { ...rest, packed: packExtents(extents) };
}

/**
 * Walk the named local folder `p` with its backend's own walk, feeding `sink`, and await
 * `between()` between its steps of 256 entries (the caller yields there and does its async
 * work); false where the backend has no walk of its own (then walk.ts goes into the folder).
 */
export async function backendFolderWalk(
  b: ExtendedBackend,
  p: string,
  sink: SpaceSink,
  ctx: EngineContext,
  between: () => Promise<void>,
): Promise<boolean> {
  const walk = b.spaceWalk?.(p, sink, ctx);
  if (!walk) return false;
  try {
    while (!walk.step(256)) await between();
  } finally {
    walk.close();
  }
  await between();
  return true;
}

/**
 * The error for a path that could not be read locally (the OS error named; EACCES says it was
 * skipped). `listed`: the walk met it in its folder, so ENOENT means it was removed since.
 */
export function pathError(op: Operation, p: string, e: unknown, listed = false): WalkError {
  const f = nodeFsError(op, e, [p]);
  if (f.code === 'EACCES')
    return {
      path: p,
      code: f.code,
      message: `${op}: cannot read ${p}: permission denied; it was skipped (EACCES). Run as root, or as a user who may read it.`,
    };
  if (f.code === 'ENOENT' && listed) return removedError(op, p);
  // an error of the step that failed (reading the map) is named by the command the person ran
  const step = `${f.operation}: `;
  return {
    path: p,
    code: f.code,
    message: f.operation !== op && f.message.startsWith(step) ? `${op}: ${f.message.slice(step.length)}` : f.message,
  };
}

/** The error for a path the walk listed that was gone when it came to it. */
export function removedError(op: Operation, p: string): WalkError {
  return { path: p, code: 'ENOENT', message: `${op}: ${p} was removed during the scan; it was skipped (ENOENT).` };
}

/** The error for a FIFO, socket or device: reported, never opened. */
export function notRegularPathError(op: Operation, p: string, kind: PathKind): WalkError {
  return { path: p, code: 'E_NOT_REGULAR', message: `${op}: ${p} is ${kindWord(kind)}, not a regular file; skipped (E_NOT_REGULAR).` };
}

/** FILE_ATTRIBUTE_REPARSE_POINT (MS-FSCC 2.6): a symbolic link, junction or other reparse point. */
const FILE_ATTRIBUTE_REPARSE_POINT = 0x400;

/** FNV-1a, 64 bits: a stable stand-in for st_dev from a share, and for st_ino where a server gives no file id. */
function fnv64(s: string): bigint {
  let h = 0xcbf29ce484222325n;
  for (let i = 0; i < s.length; i++) h = BigInt.asUintN(64, (h ^ BigInt(s.charCodeAt(i))) * 0x100000001b3n);
  return h;
}

/** What a "hard link" is over SMB, for the notes that count them. */
export const SMB_LINKS =
  ' Over SMB a link is another name with the same FileId: a hard link, or a symbolic link the server follows (Samba does by default).';

/** Errors that say an SMB server is gone or unreachable, not that one path is unusable. */
const SERVER_GONE = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'EPIPE']);

class ServerGone extends Error {
  constructor(
    readonly code: string,
    readonly at: string,
  ) {
    super(code);
  }
}

/** FileIds that name no file (MS-FSCC: a server without ids answers 0; -1 is "none" for a 64-bit id). */
const NO_FILE_ID = new Set([0n, 0xffffffffffffffffn]);

/**
 * A file over SMB, its share's volume as its device (`dev`): known by the server's FileId (link
 * count not known: 0), or by its path where there is none (one name).
 */
const smbFile = (p: string, size: bigint, fileId: bigint | undefined, dev: bigint): WalkedFile =>
  fileId !== undefined && !NO_FILE_ID.has(fileId) ? { nlink: 0n, dev, ino: fileId, size } : { nlink: 1n, dev, ino: fnv64(p), size };

const smbChild = (dir: string, name: string): string => `${dir.replace(/\/+$/, '')}/${name.replace(/%/g, '%25')}`;

function smbError(op: Operation, p: string, e: unknown): WalkError {
  if (isFsctlError(e)) return { path: p, code: e.code, message: e.message.startsWith(`${op}: `) ? e.message : `${op}: ${e.message}` };
  return { path: p, code: 'E_SMB', message: `${op}: ${p}: ${(e as Error)?.message ?? String(e)} (E_SMB).` };
}

/**
 * Visit every regular file of `paths` once, depth first, in name order. Errors go to the
 * visitor with messages prefixed by `ctx.operation`; a cancel throws. `met` is the hard-link
 * record (a caller with its own walk of some folders passes the one its walk feeds).
 */
export async function walkSelection(
  paths: string[],
  resolve: (p: string) => Promise<ExtendedBackend>,
  ctx: EngineContext,
  visitor: WalkVisitor,
  met = new FilesMet(paths.length > 1),
): Promise<WalkSummary> {
  const op = ctx.operation;
  let symlinks = 0;
  let foldersAgain = 0;
  const file = (p: string, f: WalkedFile): void | { failed: unknown } | Promise<void | { failed: unknown }> => {
    if (met.meet(f.dev, f.ino, Number(f.nlink), p)) return visitor.file(p, f);
  };

  const visit = async (p: string, top: boolean): Promise<void> => {
    ctx.checkCancelled();
    await ctx.maybeYield();
    let st: fs.BigIntStats;
    try {
      st = fs.lstatSync(osPath(p), { bigint: true });
    } catch (e) {
      visitor.error(pathError(op, p, e, !top));
      return;
    }
    if (st.isSymbolicLink()) {
      // named: an error of its own; met in a folder: counted for the "not followed" note (once each way)
      if (top)
        visitor.error({
          path: p,
          code: 'E_NOT_REGULAR',
          message: `${op}: ${p} is a symbolic link; links are not followed, name what it points to instead (E_NOT_REGULAR).`,
        });
      else symlinks++;
      return;
    }
    if (st.isFile()) {
      await file(p, st);
      return;
    }
    if (!st.isDirectory()) {
      visitor.error(notRegularPathError(op, p, kindOf(st)));
      return;
    }
    if (top && visitor.folder && (await visitor.folder(p))) return;
    let names: string[];
    try {
      names = fs.readdirSync(osPath(p), { encoding: 'buffer' }).map(fromOsBytes);
    } catch (e) {
      visitor.error(pathError(op, p, e, !top));
      return;
    }
    names.sort();
    for (const n of names) await visit(childPath(p, n), false);
  };

  /** Stop the SMB walk of a named path when `e` says its server is gone (`at`: where it was met). */
  const goneWith = (e: unknown, at: string): void => {
    const code = (e as { code?: unknown })?.code;
    if (typeof code === 'string' && SERVER_GONE.has(code)) throw new ServerGone(code, at);
  };
  /** The smb:// folders walked, by share and FileId. */
  const foldersIn = new Set<string>();
  /** Each folder's FileIds by name, for files named by themselves (one listing per folder). */
  const idsIn = new Map<string, Promise<Map<string, bigint | undefined>>>();
  /** A named smb:// file's FileId, from its folder's listing (stat gives none); undefined where not found. */
  const namedFileId = async (b: ExtendedBackend, named: string): Promise<bigint | undefined> => {
    const top = named.replace(/\/+$/, ''); // (a folder named with a trailing slash: its name is before it)
    const cut = top.lastIndexOf('/');
    if (cut <= smbShareOf(top).length - 1) return undefined;
    let name: string;
    try {
      name = decodeURIComponent(top.slice(cut + 1));
    } catch {
      return undefined;
    }
    const parent = top.slice(0, cut);
    let ids = idsIn.get(parent);
    if (!ids) {
      ids = b.list!(parent)
        .then((es) => new Map(es.map((e) => [e.name, e.fileId])))
        .catch(() => new Map<string, bigint | undefined>()); // not listable: known by its path
      idsIn.set(parent, ids);
    }
    return (await ids).get(name);
  };

  // A named smb:// path: its folders listed over SMB (QUERY_DIRECTORY), reparse points not followed.
  const visitSmb = async (top: string): Promise<void> => {
    ctx.checkCancelled();
    await ctx.maybeYield();
    const b = await resolve(top);
    const { list, stat } = b;
    if (!list || !stat) {
      const message = `${op}: ${top}: this SMB backend cannot list folders (E_UNSUPPORTED).`;
      return visitor.error({ path: top, code: 'E_UNSUPPORTED', message });
    }
    let info: PathInfo;
    try {
      info = await stat.call(b, top);
    } catch (e) {
      if (isCancelled(e)) throw e;
      return visitor.error(smbError(op, top, e));
    }
    const { kind, size, volumeId, fileId } = info;
    if (kind === 'missing') {
      const message = `${op}: ${top} was not found on the server (STATUS_OBJECT_NAME_NOT_FOUND); check the path.`;
      return visitor.error({ path: top, code: 'STATUS_OBJECT_NAME_NOT_FOUND', message });
    }
    // The share's volume as the server names it (host, port, share, serial), not the URI's text:
    // one share named with another user (WORKGROUP;alice@, ALICE@) was walked and counted twice.
    const dev = fnv64(volumeId ?? smbShareOf(top));
    // its own index (stat's fileId is the volume id and it): a share's root has no listing to find it in
    const ownIndex = volumeId && fileId?.startsWith(`${volumeId}:`) ? BigInt(`0x${fileId.slice(volumeId.length + 1)}`) : undefined;
    if (kind === 'file') {
      await file(top, smbFile(top, size, ownIndex ?? (await namedFileId(b, top)), dev));
      return;
    }
    // Folders by FileId: a link to a folder above (s/up -> ..) was walked round until Samba refused the path.
    const entered = (id: bigint | undefined): boolean => {
      if (id === undefined || NO_FILE_ID.has(id)) return true;
      const key = `${dev}:${id}`;
      if (foldersIn.has(key)) return false;
      foldersIn.add(key);
      return true;
    };
    entered(ownIndex ?? (await namedFileId(b, top)));
    const dir = async (d: string): Promise<void> => {
      ctx.checkCancelled();
      let entries;
      try {
        entries = await list.call(b, d);
      } catch (e) {
        if (isCancelled(e)) throw e;
        visitor.error(smbError(op, d, e));
        return goneWith(e, d);
      }
      entries.sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
      for (const e of entries) {
        ctx.checkCancelled();
        const p = smbChild(d, e.name);
        if ((e.attributes & FILE_ATTRIBUTE_REPARSE_POINT) !== 0) symlinks++;
        else if (e.directory) {
          if (entered(e.fileId)) await dir(p);
          else foldersAgain++;
        } else {
          const r = await file(p, smbFile(p, e.size, e.fileId, dev));
          if (r) goneWith(r.failed, p);
        }
      }
    };
    try {
      await dir(top);
    } catch (e) {
      if (!(e instanceof ServerGone)) throw e;
      // One error for the rest, not one per file: a server gone (ECONNREFUSED, 2,446 lines) or
      // unreachable (ETIMEDOUT: a wait of the request time-out for each file, hours in all).
      // (by the path where it stopped: the named path itself was examined, in part)
      visitor.error({
        path: e.at,
        code: e.code,
        message:
          `${op}: the SMB server stopped answering (${e.code}) at ${e.at}, so the rest of ${top} was not examined; ` +
          'once the server answers again, run it again.',
      });
    }
  };

  for (const p of outermost(paths)) await (isSmbPath(p) ? visitSmb(p) : visit(p, true));
  return { symlinks, hardLinks: met.hardLinks, foldersAgain };
}
