// Where a clone or copy lands, and how it gets there without ever losing an existing file:
//   1. resolve: an existing folder (a link to one too) keeps the source's name; anything else
//      is a new file path whose folder must exist. Local folders are resolved by the file
//      system (realpath(3)), never as text: "sub/../t.bin" with sub -> ../else/deep is
//      else/t.bin, as for the kernel and cp. Names are then made in that resolved folder;
//   2. an existing name follows the policy: fail (E_EXISTS), rename ("name (clone).ext",
//      "name (clone 2).ext", ..., at most 255 bytes; "name (clone).ext" itself goes on to
//      "name (clone 2).ext": renameBase) or overwrite (only when asked, only a
//      regular file this process could open for writing; a link to a file is written through,
//      a dangling link is refused as cp refuses it);
//   3. the data goes to a short temporary name in the destination folder (".el-<random>.tmp",
//      whatever the final name's length) and is renamed at the end; without overwrite the
//      rename refuses to replace (renameat2 RENAME_NOREPLACE, or link()+unlink()), so a file
//      created meanwhile is never clobbered;
//   4. after an error or a cancel the temporary file is removed: nothing is left.
// (Over 400 lines on purpose: resolving, naming and placing are one policy — each step relies on
// the checks of the one before — and the engine's safety rules 1–4 are read here in one place.)

import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import type { ExtendedBackend, PathInfo } from './backend-ext';
import { isSmbPath } from './smb-path';
import { nodeFsError } from './errno';
import { FsctlError, resaid } from './errors';
import type { ExistingPolicy, Operation } from './types';
import { kindOf, notRegularError } from './file-kind';
import { osByteLength, osPath } from './os-path';
import { realPath } from './real-path';

/** The file operations destination handling needs, on local paths or through a backend. */
export interface DestinationFs {
  stat(path: string): Promise<PathInfo>;
  rename(from: string, to: string, replace: boolean): Promise<void>;
  remove(path: string): Promise<void>;
  readonly path: Pick<typeof nodePath.posix, 'join' | 'dirname' | 'basename' | 'extname'>;
  /**
   * The backend's own "may this existing file be opened for writing" (NT backends: Windows and SMB
   * open it for writing); throws the OS's refusal. Where absent, local names use access(2).
   */
  checkWritable?(path: string): Promise<void>;
  /** Local file systems: names resolved as the kernel resolves them (absent on SMB). */
  readonly local?: LocalNames;
}

/** How the kernel resolves local names: never by the text of the path. */
interface LocalNames {
  /** realpath(3) of an existing path: links and ".." resolved by the file system. */
  realpath(p: string): string;
  /** True when `p` itself is a symbolic link (lstat). */
  isLink(p: string): boolean;
  /** Throws the OS error (EACCES, EROFS, EPERM, ...) when this process could not open `p` for writing. */
  checkWritable(p: string): void;
  /**
   * Where the folder of `p` is sticky (mode +t, as /tmp) and this process may not replace the
   * file there (it owns neither the file nor the folder, and is not root, the kernel's rule for
   * renaming over a file), the uid of the file's owner; else undefined.
   */
  stickyOwner?(p: string): number | undefined;
  /** Whether the existing file `p` is append-only (Linux chattr +a), which access(W_OK) passes and a rename over it does not. */
  appendOnly?(p: string): boolean;
}

/**
 * node:fs for local names. fs.realpathSync.native is realpath(3); the JavaScript
 * fs.realpathSync first normalises ".." as text, which is the very bug this avoids
 * (docs/facts/linux.md#paths-as-the-kernel-resolves-them-destinations). Names go to the OS as
 * bytes (osPath) and the resolved folder comes back as bytes, so a name that is not UTF-8 keeps
 * its bytes (src/engine/os-path.ts).
 */
const localNames: LocalNames = {
  realpath: realPath,
  isLink: (p) => fs.lstatSync(osPath(p), { throwIfNoEntry: false })?.isSymbolicLink() ?? false,
  checkWritable: (p) => fs.accessSync(osPath(p), fs.constants.W_OK),
  stickyOwner: (p) => {
    const me = process.geteuid?.();
    if (me === undefined || me === 0) return undefined; // Windows; root may (CAP_FOWNER)
    const dir = fs.statSync(osPath(nodePath.dirname(p)));
    if ((dir.mode & 0o1000) === 0 || dir.uid === me) return undefined; // S_ISVTX
    const owner = fs.lstatSync(osPath(p)).uid;
    return owner === me ? undefined : owner;
  },
};

/** Local files through node:fs (link()+unlink() gives a rename that never replaces). */
export const nodeDestinationFs: DestinationFs = {
  async stat(p) {
    const st = fs.statSync(osPath(p), { bigint: true, throwIfNoEntry: false });
    if (!st) return { kind: 'missing', size: 0n };
    const born = st.birthtimeNs > 0n ? { born: st.birthtimeNs.toString() } : {};
    return { kind: kindOf(st), size: st.size, fileId: `${st.dev}:${st.ino}`, ...born, volumeId: st.dev.toString() };
  },
  async rename(from, to, replace) {
    if (replace) return fs.renameSync(osPath(from), osPath(to));
    fs.linkSync(osPath(from), osPath(to));
    fs.unlinkSync(osPath(from));
  },
  async remove(p) {
    try {
      fs.unlinkSync(osPath(p));
    } catch {
      /* already gone */
    }
  },
  path: nodePath,
  local: localNames,
};

/** Splits 'smb://user@host:port/share/dir' into the authority prefix and the posix path after it. */
function splitSmb(p: string): [string, string] {
  const m = /^(smb:\/\/[^/]*)(\/.*)?$/i.exec(p);
  return m ? [m[1], m[2] ?? '/'] : ['', p];
}

/**
 * posix path operations that keep an smb:// URI's authority intact (path.posix.join would
 * collapse 'smb://' to 'smb:/').
 */
const smbPathOps: DestinationFs['path'] = {
  join: (dir: string, ...parts: string[]) => {
    const [pre, rest] = splitSmb(dir);
    return pre + nodePath.posix.join(rest, ...parts);
  },
  dirname: (p: string) => {
    const [pre, rest] = splitSmb(p);
    return pre + nodePath.posix.dirname(rest);
  },
  basename: (p: string, suffix?: string) => nodePath.posix.basename(splitSmb(p)[1], suffix),
  extname: (p: string) => nodePath.posix.extname(splitSmb(p)[1]),
};

const localFsCache = new WeakMap<ExtendedBackend, DestinationFs>();
const smbFsCache = new WeakMap<ExtendedBackend, DestinationFs>();

/** node:fs's names, with the backend's own answers where it has them (append-only). */
function localNamesOf(backend: ExtendedBackend): LocalNames {
  return backend.appendOnly ? { ...localNames, appendOnly: (p) => backend.appendOnly!(p) } : localNames;
}

/** The backend's own file operations when it has them (the SMB backend), else node:fs. */
export function destinationFsFor(backend: ExtendedBackend, forPath: string): DestinationFs {
  const smb = isSmbPath(forPath);
  if (backend.stat && backend.rename && backend.remove) {
    const cache = smb ? smbFsCache : localFsCache;
    let dfs = cache.get(backend);
    if (!dfs) {
      dfs = {
        stat: (p) => backend.stat!(p),
        rename: (a, b, r) => backend.rename!(a, b, r),
        remove: (p) => backend.remove!(p),
        checkWritable: backend.checkWritable && ((p) => backend.checkWritable!(p)),
        path: smb ? smbPathOps : nodePath,
        local: smb ? undefined : localNamesOf(backend),
      };
      cache.set(backend, dfs);
    }
    return dfs;
  }
  if (smb)
    throw new FsctlError({
      operation: 'clone',
      code: 'E_UNSUPPORTED',
      paths: [forPath],
      message: `the ${backend.name} backend cannot rename or delete files, so a safe clone or copy to ${forPath} is not possible (E_UNSUPPORTED).`,
    });
  return nodeDestinationFs;
}

/** Where a clone or copy lands (resolveDestination). */
export class ResolvedDestination {
  private tempPath: string | undefined;
  constructor(
    /** Folder that receives the file. */
    readonly dir: string,
    /** The final path (after any auto-rename). */
    private finalPath: string,
    /** True only when the person chose 'overwrite' AND the final name exists. */
    readonly overwrite: boolean,
    public policy: ExistingPolicy,
    /** 'clone' or 'copy': the word used in auto-renamed names. */
    private labelWord: string,
    private readonly p: DestinationFs['path'] = nodePath,
    /** An overwrite: the identity of the file agreed to be replaced, where the file system gives one. */
    readonly replacing?: string,
    /** The taken name the rename policy chose `final` for (undefined: the name given was free, or replaced). */
    private readonly renamedFrom?: string,
  ) {}

  get final(): string {
    return this.finalPath;
  }

  get label(): string {
    return this.labelWord;
  }

  /**
   * What is made is not what was named for: a clone that became a copy (its fallback). A name the
   * rename policy chose carries the word of what is really made, "name (copy).ext", chosen again
   * among the free names by the one rule (renameBase); a name the person gave stays.
   */
  async madeAs(label: string, dfs: DestinationFs): Promise<void> {
    if (label === this.labelWord) return;
    this.labelWord = label;
    if (this.renamedFrom !== undefined) this.finalPath = await freeRenamedPath(this.dir, this.renamedFrom, label, dfs);
  }

  /**
   * The temporary name the data is written to first, made on first use (a Linux clone into an
   * unnamed file never needs one).
   */
  get temp(): string {
    return (this.tempPath ??= tempName(this.dir, this.p.basename(this.final), this.p));
  }
}

/** The longest file name (bytes) Linux, macOS and NTFS/SMB (255 UTF-16 units) all accept. */
const NAME_MAX = 255;

/** `s` cut to at most `max` bytes on the OS, never inside a character (a carried byte is one byte). */
function cutUtf8(s: string, max: number): string {
  let bytes = 0;
  let out = '';
  for (const ch of s) {
    bytes += osByteLength(ch);
    if (bytes > max) break;
    out += ch;
  }
  return out;
}

/**
 * "name (clone).ext", "name (clone 2).ext", ... (n = 1 gives the first form). At most NAME_MAX
 * bytes: a longer result keeps the tag and the extension and cuts the stem on a character
 * boundary (the whole name when the extension alone leaves no room).
 */
export function renamedName(name: string, label: string, n: number, p: DestinationFs['path'] = nodePath): string {
  const ext = p.extname(name);
  const hasExt = ext !== '' && ext !== name;
  const tag = n <= 1 ? `(${label})` : `(${label} ${n})`;
  let stem = hasExt ? name.slice(0, -ext.length) : name;
  let tail = ` ${tag}${hasExt ? ext : ''}`;
  if (osByteLength(stem) + osByteLength(tail) > NAME_MAX) {
    if (osByteLength(tail) >= NAME_MAX) [stem, tail] = [name, ` ${tag}`];
    stem = cutUtf8(stem, NAME_MAX - osByteLength(tail));
  }
  return stem + tail;
}

/**
 * ".el-<random>.tmp": hidden, unique, in the destination folder (same volume), 20 bytes
 * whatever the final name (`_name`, kept for callers) is, so a final name of up to NAME_MAX
 * bytes never makes the temporary name too long.
 */
export function tempName(dir: string, _name?: string, p: DestinationFs['path'] = nodePath): string {
  // 48 random bits; a collision would only make the O_EXCL create fail, never overwrite.
  const tag = Math.floor(Math.random() * 2 ** 48)
    .toString(16)
    .padStart(12, '0');
  return p.join(dir, `.el-${tag}.tmp`);
}

/** `code`: E_EXISTS when the engine's own check found the name taken, the OS's name (EEXIST, ...) when the OS refused it. */
function existsError(operation: Operation, final: string, taken?: 'dangling link' | 'folder' | 'source', code = 'E_EXISTS'): FsctlError {
  return new FsctlError({
    operation,
    code,
    paths: [final],
    message:
      taken === 'dangling link'
        ? `${operation}: ${final} is taken by a dangling symbolic link (${code}); choose another name, ask to rename, or remove the link.`
        : // neither can be overwritten: only a rename keeps both
          taken === 'folder'
          ? `${operation}: ${final} is an existing folder (${code}); choose another name, or ask to rename.`
          : taken === 'source'
            ? `${operation}: ${final} is the source itself (${code}); choose another name, or ask to rename.`
            : `${operation}: ${final} already exists (${code}); choose another name, or ask to rename or overwrite.`,
  });
}

/** Whether an existing destination is the source itself (where both can be identified). */
async function isTheSource(source: string, existing: PathInfo, sourceInfo: PathInfo | undefined, dfs: DestinationFs): Promise<boolean> {
  if (!existing.fileId) return false;
  try {
    return (sourceInfo ?? (await dfs.stat(source))).fileId === existing.fileId;
  } catch {
    return false;
  }
}

/** A trailing "/" (or "\\") means "into this folder". */
function endsWithSeparator(p: string): boolean {
  const c = p.charCodeAt(p.length - 1);
  return c === 0x2f || c === 0x5c;
}

export async function resolveDestination(
  operation: Operation,
  source: string,
  destination: string,
  policy: ExistingPolicy,
  label: string,
  dfs: DestinationFs,
  sourceInfo?: PathInfo,
): Promise<ResolvedDestination> {
  const p = dfs.path;
  const local = dfs.local;
  // An empty name names no file (open("") is ENOENT, as cp says); resolved, it would be the
  // current folder, and the file would land in it under the source's name.
  if (destination === '')
    throw new FsctlError({
      operation,
      code: 'ENOENT',
      errno: 2,
      paths: [destination],
      message: `${operation}: the destination is an empty name, which names no file (ENOENT); give a file or folder name ('.' for the current folder).`,
    });
  let info: PathInfo;
  try {
    info = await dfs.stat(destination); // follows links: a link to a folder is that folder, as for cp
  } catch (e) {
    throw nodeFsError(operation, e, [destination]);
  }
  let dir: string;
  let name: string;
  if (info.kind === 'directory') {
    dir = destination;
    name = p.basename(source);
  } else {
    if (info.kind === 'missing' && endsWithSeparator(destination))
      throw new FsctlError({
        operation,
        code: 'ENOENT',
        errno: 2,
        paths: [destination],
        message: `${operation}: the destination folder ${destination} does not exist (ENOENT); create it first or give a file name.`,
      });
    // dirname only drops the last name ("sub/../t.bin" -> "sub/.."); the file system resolves the rest.
    dir = p.dirname(destination);
    name = p.basename(destination);
    let dirInfo: PathInfo;
    try {
      dirInfo = await dfs.stat(dir);
    } catch (e) {
      throw nodeFsError(operation, e, [dir]);
    }
    if (dirInfo.kind === 'missing')
      throw new FsctlError({
        operation,
        code: 'ENOENT',
        errno: 2,
        paths: [destination],
        message: `${operation}: the destination folder ${dir} does not exist (ENOENT); create it first.`,
      });
    if (dirInfo.kind !== 'directory')
      throw new FsctlError({
        operation,
        code: 'ENOTDIR',
        errno: 20,
        paths: [destination],
        message: `${operation}: ${dir} is not a folder (ENOTDIR); the destination must be a folder or a new file path.`,
      });
  }
  // The folder as the file system resolves it (a join would simplify "sub/.." as text, which
  // with sub a link is another folder); every name below is made in it.
  if (local) dir = realFolder(operation, dir, local);
  let final = p.join(dir, name);
  let existing = info.kind === 'directory' ? await dfs.stat(final) : info;
  const link = local?.isLink(final) ?? false;
  if (existing.kind !== 'missing' || link) {
    // A folder no new name can be made in (a read-only snapshot or mount, another user's): that
    // is the answer, before "exists", whose advice (rename, overwrite) could not work there.
    if (policy === 'fail' && local) {
      try {
        local.checkWritable(dir);
      } catch (e) {
        throw nodeFsError(operation, e, [dir]);
      }
    }
    if (policy === 'fail')
      throw existsError(
        operation,
        final,
        link && existing.kind === 'missing'
          ? 'dangling link'
          : existing.kind === 'directory'
            ? 'folder'
            : existing.kind === 'file' && (await isTheSource(source, existing, sourceInfo, dfs))
              ? 'source'
              : undefined,
      );
    if (policy === 'overwrite') {
      if (link && existing.kind === 'missing') throw danglingError(operation, final);
      if (link) {
        // Written through, as cp writes through it: the file the link names is replaced, the link stays.
        final = realFolder(operation, final, local!);
        dir = p.dirname(final);
        existing = await dfs.stat(final);
      }
      if (existing.kind !== 'file') throw notRegularError(operation, final, existing.kind, existing.missingCode);
      // by identity; where there is none (a server without file indexes), at least the same path
      const itself = sourceInfo?.fileId && existing.fileId ? existing.fileId === sourceInfo.fileId : source === destination;
      if (itself) {
        // another name only where the file system says so ("./a" for "a" is the same name)
        const sameName = source === destination || (local !== undefined && sameEntry(source, final, local));
        throw new FsctlError({
          operation,
          code: 'E_BAD_INPUT',
          paths: [source, final],
          message:
            `${operation}: the destination ${final} is the source itself (E_BAD_INPUT)` +
            `${sameName ? '' : ': the same file under another name (a hard link, a link to it, or its folder mounted again elsewhere)'}; overwriting it would destroy the data.`,
        });
      }
      if (dfs.checkWritable) await openableForWriting(operation, final, dfs.checkWritable);
      else if (local) {
        checkWritable(operation, final, local);
        checkReplaceable(operation, final, local);
      }
      return new ResolvedDestination(dir, final, true, policy, label, p, identity(existing));
    }
    final = await freeRenamedPath(dir, name, label, dfs);
    return new ResolvedDestination(dir, final, false, policy, label, p, undefined, name);
  }
  return new ResolvedDestination(dir, final, false, policy, label, p);
}

function realFolder(operation: Operation, dir: string, local: LocalNames): string {
  try {
    return local.realpath(dir);
  } catch (e) {
    throw nodeFsError(operation, e, [dir]);
  }
}

/** Whether two paths name one directory entry: the same last name in the same folder, the folders resolved by the file system. */
function sameEntry(a: string, b: string, local: LocalNames): boolean {
  if (nodePath.basename(a) !== nodePath.basename(b)) return false;
  try {
    return local.realpath(nodePath.dirname(a)) === local.realpath(nodePath.dirname(b));
  } catch {
    return false; // (a folder gone: not known to be the same)
  }
}

/** A link to nothing: cp refuses to write through it ("not writing through dangling symlink"). */
function danglingError(operation: Operation, final: string): FsctlError {
  return new FsctlError({
    operation,
    code: 'E_DANGLING_LINK',
    paths: [final],
    message: `${operation}: ${final} is a dangling symbolic link (E_DANGLING_LINK); overwrite does not write through a link to a missing file, as cp does not. Remove the link, or choose another name.`,
  });
}

/**
 * Overwrite replaces the directory entry (a rename over it), which the folder's permissions
 * allow even for a file this process may not write; it is refused unless the file itself is
 * writable, so overwrite never does what cp (which opens the file for writing) could not.
 */
function checkWritable(operation: Operation, final: string, local: LocalNames): void {
  try {
    local.checkWritable(final);
  } catch (e) {
    if ((e as NodeJS.ErrnoException)?.code !== 'EACCES') throw nodeFsError(operation, e, [final]);
    throw new FsctlError({
      operation,
      code: 'EACCES',
      errno: 13,
      syscall: 'access',
      paths: [final],
      message: `${operation}: you cannot open the existing file ${final} for writing (EACCES), so it is not overwritten; make it writable (chmod u+w), or choose another name or ask to rename.`,
    });
  }
}

/**
 * Overwrite renames over the file; in a sticky folder the kernel lets only the file's owner, the
 * folder's owner or root do that (EPERM), which cp, writing into the file in place, never meets;
 * nor may anyone rename over an append-only file (chattr +a), which access(W_OK) passes. Both
 * refused first with their reason, before any work, not with the rename's bare EPERM after it
 * (whose usual advice, an immutable file, would send the person to chattr).
 */
function checkReplaceable(operation: Operation, final: string, local: LocalNames): void {
  const refuse = (why: string): never => {
    throw new FsctlError({
      operation,
      code: 'EPERM',
      errno: 1,
      syscall: 'rename',
      paths: [final],
      message: `${operation}: ${final} ${why}`,
    });
  };
  if (local.appendOnly?.(final))
    refuse(
      'is append-only (chattr +a; lsattr shows a), so it cannot be replaced (EPERM) and is not overwritten; nothing was written. Clear the flag first if replacing it is meant (chattr -a, as root), or choose another name or ask to rename.',
    );
  let owner: number | undefined;
  try {
    owner = local.stickyOwner?.(final);
  } catch (e) {
    throw nodeFsError(operation, e, [final]);
  }
  if (owner !== undefined)
    refuse(
      `belongs to another user (uid ${owner}) in a sticky folder (mode +t, as /tmp), where only the file's owner, the folder's owner or root may replace it (EPERM), so it is not overwritten and nothing was written. Overwrite replaces the file with a new one under its name (so a failure never leaves it half-written), where cp would write into it in place; choose another name or ask to rename, or ask its owner.`,
    );
}

/** How Windows and SMB servers say "you may not open this for writing". */
const ACCESS_DENIED = new Set(['ERROR_ACCESS_DENIED', 'STATUS_ACCESS_DENIED']);

/**
 * checkWritable where the backend opens the file itself (Windows, SMB): a rename over the file is
 * allowed wherever the folder is writable, and access(2) cannot ask an SMB server (nor see a
 * Windows ACL), so the file is opened for writing as cp or a save in place would open it.
 */
async function openableForWriting(operation: Operation, final: string, open: (p: string) => Promise<void>): Promise<void> {
  try {
    await open(final);
  } catch (e) {
    const code = (e as { code?: string })?.code ?? '';
    if (!ACCESS_DENIED.has(code)) throw nodeFsError(operation, e, [final]);
    const how = isSmbPath(final)
      ? 'make it writable on the server (clear its read-only attribute, or have its owner give you write access)'
      : "make it writable (clear its read-only attribute: attrib -r, or get write permission in its Properties' Security tab)";
    throw new FsctlError({
      operation,
      code,
      errno: (e as { errno?: number }).errno,
      syscall: (e as { syscall?: string }).syscall,
      paths: [final],
      message: `${operation}: you cannot open the existing file ${final} for writing (${code}: a read-only file, or another owner's), so it is not overwritten and nothing was written; ${how}, or choose another name or ask to rename.`,
      cause: e,
    });
  }
}

/** Taken: a name that exists, or a link that leads nowhere (it still takes the name). */
async function isTaken(candidate: string, dfs: DestinationFs): Promise<boolean> {
  return (await dfs.stat(candidate)).kind !== 'missing' || (dfs.local?.isLink(candidate) ?? false);
}

/**
 * The name renamed copies of `name` are numbered from, and the first number to try. A name that
 * already carries the tag goes on counting rather than nesting tags: "odd.bin" gives "odd
 * (clone).bin" (n = 1), but "odd (clone).bin" gives "odd (clone 2).bin" and "odd (clone 3)"
 * "odd (clone 4)". Only this operation's own tag counts ("a (copy).bin" cloned is "a (copy)
 * (clone).bin"). The one rule for every renamed name: the engine's and the suggestion of
 * Clone To / Server-Side Copy (engine.renamedPath).
 */
export function renameBase(name: string, label: string, p: DestinationFs['path'] = nodePath): { base: string; from: number } {
  const ext = p.extname(name);
  const hasExt = ext !== '' && ext !== name;
  const stem = hasExt ? name.slice(0, -ext.length) : name;
  const m = new RegExp(` \\(${label}(?: ([1-9][0-9]{0,5}))?\\)$`).exec(stem);
  // (a name that is only the tag, " (clone)", keeps it: there is no name before it to number)
  if (!m || m.index === 0) return { base: name, from: 1 };
  return { base: stem.slice(0, m.index) + (hasExt ? ext : ''), from: (m[1] === undefined ? 1 : Number(m[1])) + 1 };
}

/** The first free renamed name for `name` in `dir` (renameBase: a tagged name goes on counting). */
async function freeRenamedPath(dir: string, name: string, label: string, dfs: DestinationFs): Promise<string> {
  const { base, from } = renameBase(name, label, dfs.path);
  for (let n = from; n < from + 10000; n++) {
    const candidate = dfs.path.join(dir, renamedName(base, label, n, dfs.path));
    if (!(await isTaken(candidate, dfs))) return candidate;
  }
  throw new FsctlError({
    operation: 'clone',
    code: 'E_EXISTS',
    paths: [dfs.path.join(dir, name)],
    message: `too many renamed copies of ${name} in ${dir} (E_EXISTS); choose a name.`,
  });
}

/** A file's identity and, where known, its birth (an inode number alone is reused). */
const identity = (i: PathInfo): string | undefined => (i.fileId === undefined ? undefined : `${i.fileId}@${i.born ?? ''}`);

/**
 * Just before an overwrite names the new file: is the file agreed to be replaced still there?
 * true: replace it; false: it is gone (the new file is named without replacing anything);
 * another file in its place (removed and made again, renamed over by another program while the
 * data was staged) refuses, E_CHANGED, rather than replace a file nobody agreed to lose.
 */
export async function stillReplacing(operation: Operation, d: ResolvedDestination, dfs: DestinationFs, to: string): Promise<boolean> {
  const now = await dfs.stat(to);
  if (now.kind === 'missing') return false;
  if (d.replacing === undefined || identity(now) === d.replacing) return true;
  throw new FsctlError({
    operation,
    code: 'E_CHANGED',
    paths: [to],
    message:
      `${operation}: ${to} is not the file that was to be replaced: another program removed or replaced it while the ` +
      `${operation} ran (E_CHANGED). Nothing was overwritten; run it again to replace the file there now.`,
  });
}

/** "The name is taken" as each backend says it (errno, Win32 error, NTSTATUS, engine code). */
const NAME_TAKEN = new Set(['EEXIST', 'E_EXISTS', 'ERROR_FILE_EXISTS', 'ERROR_ALREADY_EXISTS', 'STATUS_OBJECT_NAME_COLLISION']);

/**
 * Give the finished file its final name by `place(final)`, which must create `final` without
 * ever replacing an existing file unless overwrite was chosen (fail with EEXIST instead), e.g.
 * linkat of an O_TMPFILE inode or a rename of the temporary name that never replaces. If the
 * name was taken meanwhile, 'rename' picks the next free name and 'fail' fails. Returns the
 * final path. The caller removes the temp file when this throws.
 */
export async function commitDestinationWith(
  operation: Operation,
  d: ResolvedDestination,
  dfs: DestinationFs,
  place: (final: string) => Promise<void>,
): Promise<string> {
  let final = d.final;
  for (let attempt = 0; attempt < 100; attempt++) {
    try {
      await place(final);
      return final;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException)?.code;
      if (!NAME_TAKEN.has(code ?? '')) throw nodeFsError(operation, e, [final]);
      if (d.policy !== 'rename') throw existsError(operation, final, undefined, code ?? 'EEXIST'); // the OS said it: its code
      final = await freeRenamedPath(d.dir, dfs.path.basename(d.final), d.label, dfs); // numbered on from the name taken
    }
  }
  throw existsError(operation, final);
}

/** Replace the temporary path by the final one in an error (the user never chose the temp name). */
export function relabelError(e: unknown, temp: string, final: string): unknown {
  if (!(e instanceof FsctlError) || !e.paths.includes(temp)) return e;
  return resaid(e, { paths: e.paths.map((x) => (x === temp ? final : x)), message: e.message.split(temp).join(final) });
}
