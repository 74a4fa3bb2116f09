// The SMB file API (src/engine/smb-files.ts) over the pooled SMB2 client: what the extension's
// file system provider calls to browse and edit a share. Every handle is closed on every path;
// a write goes to a temporary name that the server deletes on close until it is complete (see
// writeFile), so neither a failure nor a dropped connection leaves a half-written file.

import { relabelError } from '../../destination';
import { randomBytes } from 'node:crypto';
import type { SmbConnectionInfo, SmbDirEntry, SmbFileApi, SmbFileStat, SmbWriteOptions, SmbWriteResult } from '../../smb-files-types';
import { clientSweeping, rememberOrphan } from './orphans';
import type { SmbClient } from './protocol/client';
import { SmbStatusError, smbError, withOperation } from './protocol/errors';
import {
  Access,
  CreateOption,
  Disposition,
  FILE_ATTRIBUTE_DIRECTORY,
  FILE_ATTRIBUTE_READONLY,
  FileInfoClass,
  InfoType,
  SecurityInformation,
  type FileId,
} from './protocol/messages';
import { STATUS } from '../../nt/codec/ntstatus';
import { FILE_ATTRIBUTE_NORMAL } from '../../nt/codec/fsctl-codes';
import { formatSmbUri, parseSmbUri, poolKey, smbPath, type SmbTarget } from './protocol/uri';
import { watchSmbFolder } from './watch';

const READ = Access.FILE_READ_DATA | Access.FILE_READ_ATTRIBUTES | Access.SYNCHRONIZE;
const ATTRS = Access.FILE_READ_ATTRIBUTES | Access.SYNCHRONIZE;
const WRITE =
  Access.FILE_WRITE_DATA |
  Access.FILE_APPEND_DATA |
  Access.FILE_WRITE_ATTRIBUTES |
  Access.FILE_READ_ATTRIBUTES |
  Access.SYNCHRONIZE |
  Access.DELETE;

/** Bytes asked for past the size the file had when opened (it grew while read), per request. */
const READ_SLICE = 1 << 20;
/** Bytes one SmbClient.readChunks pipeline covers while streaming (it then goes on from where it stopped). */
const STREAM_WINDOW = 1 << 30;

const FILETIME_UNIX_EPOCH = 116444736000000000n;

/** A FILETIME (100 ns since 1601) as milliseconds since 1970; 0 for "not given". */
function filetimeToMs(t: bigint): number {
  return t === 0n ? 0 : Number((t - FILETIME_UNIX_EPOCH) / 10000n);
}

interface Opened {
  client: SmbClient;
  target: SmbTarget;
  fileId: FileId;
  stat: SmbFileStat;
}

/**
 * A share that grants no FILE_WRITE_DATA (Samba's `read only = yes`, a Windows share with Read
 * permission) makes everything in it read-only; so does FILE_ATTRIBUTE_READONLY on a file (on a
 * folder Windows uses that bit for something else, MS-FSCC 2.6).
 */
function statOf(client: SmbClient, r: { attributes: number; endOfFile: bigint; creationTime: bigint; lastWriteTime: bigint }): SmbFileStat {
  const directory = (r.attributes & FILE_ATTRIBUTE_DIRECTORY) !== 0;
  const shareReadOnly = (client.maximalAccess & Access.FILE_WRITE_DATA) === 0;
  return {
    kind: directory ? 'directory' : 'file',
    size: directory ? 0n : r.endOfFile,
    ctimeMs: filetimeToMs(r.creationTime),
    mtimeMs: filetimeToMs(r.lastWriteTime),
    attributes: r.attributes,
    readOnly: shareReadOnly || (!directory && (r.attributes & FILE_ATTRIBUTE_READONLY) !== 0),
  };
}

async function open(uri: string, desiredAccess: number, disposition: number, options = 0): Promise<Opened> {
  const target = parseSmbUri(uri);
  const client = await clientSweeping(target);
  const r = await client.create({ name: smbPath(target), desiredAccess, disposition, options }, uri);
  return { client, target, fileId: r.fileId, stat: statOf(client, r) };
}

/** Run `fn` on the open handle, then close it (a close that fails after `fn` failed is not reported). */
async function using<T>(o: Opened, uri: string, fn: (o: Opened) => Promise<T>): Promise<T> {
  let result: T;
  try {
    result = await fn(o);
  } catch (e) {
    if (!o.client.conn.closed) await o.client.close(o.fileId, uri).catch(() => undefined);
    throw e;
  }
  if (!o.client.conn.closed) await o.client.close(o.fileId, uri);
  return result;
}

const files = <T>(fn: () => Promise<T>): Promise<T> => withOperation('files', fn);

const MISSING: number[] = [STATUS.STATUS_OBJECT_NAME_NOT_FOUND, STATUS.STATUS_OBJECT_PATH_NOT_FOUND, STATUS.STATUS_NO_SUCH_FILE];

function isMissing(e: unknown): boolean {
  return e instanceof SmbStatusError && MISSING.includes(e.status);
}

async function statOrMissing(uri: string): Promise<SmbFileStat | undefined> {
  try {
    return await stat(uri);
  } catch (e) {
    if (isMissing(e)) return undefined;
    throw e;
  }
}

function statusError(status: number, command: string, uri: string): SmbStatusError {
  return new SmbStatusError(status, command, [uri], uri);
}

async function stat(uri: string): Promise<SmbFileStat> {
  return using(await open(uri, ATTRS, Disposition.OPEN), uri, async (o) => o.stat);
}

/**
 * Open for writing (FILE_WRITE_DATA; in a folder, FILE_ADD_FILE) and close: the server's answer
 * to "may this user change it", asked before a command's questions (a read-only share, a
 * read-only or another owner's file, a file another client holds open without sharing).
 */
async function checkWritable(uri: string): Promise<void> {
  await using(await open(uri, Access.FILE_WRITE_DATA | Access.SYNCHRONIZE, Disposition.OPEN), uri, async () => undefined);
}

async function setDeleteOnClose(o: Opened, uri: string, del: boolean): Promise<void> {
  await o.client.setInfo(o.fileId, InfoType.FILE, FileInfoClass.FileDispositionInformation, Buffer.from([del ? 1 : 0]), uri);
}

/** SET_INFO FileRenameInformation (MS-FSCC 2.4.42.2) on an open handle; stays within its share. */
async function renameOpen(o: Opened, from: string, to: string, replace: boolean): Promise<void> {
  const dest = parseSmbUri(to);
  if (poolKey(dest) !== poolKey(o.target)) {
    throw smbError('E_CROSS_VOLUME', [from, to], `Cannot rename ${from} to ${to}: an SMB rename stays within one share (E_CROSS_VOLUME).`);
  }
  const name = Buffer.from(smbPath(dest), 'utf16le');
  const b = Buffer.alloc(20);
  b.writeUInt8(replace ? 1 : 0, 0);
  b.writeUInt32LE(name.length, 16);
  await o.client.setInfo(o.fileId, InfoType.FILE, FileInfoClass.FileRenameInformation, Buffer.concat([b, name]), to);
}

/** A free-looking temporary name beside `uri`: hidden on Unix servers, and named after the file it becomes. */
function temporaryBeside(uri: string): string {
  const t = parseSmbUri(uri);
  const parts = t.path.split('/');
  const base = parts.pop() ?? '';
  parts.push(`.${base}.extent-lens-${randomBytes(4).toString('hex')}.tmp`);
  return formatSmbUri({ ...t, path: parts.join('/') });
}

async function readFile(uri: string): Promise<Uint8Array> {
  const o = await open(uri, READ, Disposition.OPEN, CreateOption.NON_DIRECTORY_FILE);
  return using(o, uri, async () => {
    const size = o.stat.size;
    if (size > BigInt(2 ** 31 - 1)) {
      throw smbError(
        'EFBIG',
        [uri],
        `${uri} is ${size} bytes, more than one buffer in memory holds (EFBIG), so VS Code can neither open it nor copy ` +
          "it through its own file system (the Explorer's copy and paste to this computer); inspect it instead, or copy it " +
          'with Server-Side Copy To…, which streams it.',
      );
    }
    const total = Number(size);
    const out = Buffer.allocUnsafe(total);
    // The client's pipelined reads (several large READs in flight within the credits).
    let end = 0;
    for await (const part of o.client.readChunks(o.fileId, 0n, total, uri)) {
      part.copy(out, end);
      end += part.length;
    }
    // The file may have grown while it was read: read on to the real end of file.
    const tail: Buffer[] = [];
    for (let at = end; end === total;) {
      const data = await o.client.read(o.fileId, BigInt(at), READ_SLICE, uri);
      if (data.length === 0) break;
      tail.push(data);
      at += data.length;
    }
    return tail.length ? Buffer.concat([out.subarray(0, end), ...tail]) : out.subarray(0, end);
  });
}

function checkAborted(signal: AbortSignal | undefined, uri: string): void {
  if (signal?.aborted) throw smbError('E_CANCELLED', [uri], `Writing ${uri} was cancelled (E_CANCELLED); nothing was left behind.`);
}

/** The file in order, read on until end of file, through the client's pipelined reads (STREAM_WINDOW bytes per pipeline). */
async function* readChunks(uri: string, opts: { signal?: AbortSignal } = {}): AsyncGenerator<Uint8Array> {
  const o = await open(uri, READ, Disposition.OPEN, CreateOption.NON_DIRECTORY_FILE);
  try {
    for (let at = 0n; ;) {
      let got = 0;
      for await (const part of o.client.readChunks(o.fileId, at, STREAM_WINDOW, uri)) {
        if (opts.signal?.aborted) throw smbError('E_CANCELLED', [uri], `Reading ${uri} was cancelled (E_CANCELLED).`);
        got += part.length;
        yield part;
      }
      if (got === 0) return;
      at += BigInt(got);
    }
  } finally {
    if (!o.client.conn.closed) await o.client.close(o.fileId, uri).catch(() => undefined);
  }
}

const SECURITY_PARTS: Array<[number, string]> = [
  [SecurityInformation.OWNER, 'owner'],
  [SecurityInformation.GROUP, 'group'],
  [SecurityInformation.DACL, 'permissions (DACL)'],
];

/** Each part of a security descriptor as the server gives it (undefined where it refuses). */
async function securityOf(client: SmbClient, fileId: FileId, uri: string): Promise<Array<Buffer | undefined>> {
  const out: Array<Buffer | undefined> = [];
  for (const [part] of SECURITY_PARTS)
    out.push(await client.queryInfo(fileId, InfoType.SECURITY, 0, uri, 64 * 1024, part).catch(() => undefined));
  return out;
}

/**
 * A save over an existing file writes a new file and renames it over the old one, so the new
 * file gets what the server gives a new file. The original's DOS attributes are copied onto it
 * before the rename (FileBasicInformation; the times are left to the write, a save is a
 * modification; a server may set the archive bit again for the modification, as Samba does).
 * Its security descriptor is NOT copied: on Samba (4.x, btrfs, POSIX ACLs) copying the DACL of a
 * 0644 file turned the new file into 0674 plus a POSIX ACL, and the owner and group are refused
 * (STATUS_ACCESS_DENIED) unless the user could chown. Instead the owner, group and DACL are
 * compared before and after, and each that differs is reported (docs/SMB.md#saving).
 */
async function keepAttributes(o: Opened, temp: string, uri: string): Promise<{ notKept: string[]; security: Array<Buffer | undefined> }> {
  const why = (e: unknown): string => (e instanceof Error ? e.message : String(e));
  let original: Opened;
  try {
    original = await open(uri, ATTRS | Access.READ_CONTROL, Disposition.OPEN, CreateOption.NON_DIRECTORY_FILE);
  } catch (e) {
    return {
      notKept: [`Saving ${uri}: could not open the original to copy its attributes: the new file has the server's defaults. ${why(e)}`],
      security: [],
    };
  }
  const notKept: string[] = [];
  try {
    const basic = Buffer.alloc(40); // the four times 0: unchanged
    basic.writeUInt32LE(original.stat.attributes || FILE_ATTRIBUTE_NORMAL, 32);
    await o.client.setInfo(o.fileId, InfoType.FILE, FileInfoClass.FileBasicInformation, basic, temp).catch((e: unknown) => {
      notKept.push(
        `Saving ${uri}: the server would not copy the file attributes (${hex(original.stat.attributes)}) onto the new file. ${why(e)}`,
      );
    });
    return { notKept, security: await securityOf(original.client, original.fileId, uri) };
  } finally {
    if (!original.client.conn.closed) await original.client.close(original.fileId, uri).catch(() => undefined);
  }
}

/** The parts of the security descriptor that the save changed, as one sentence (none: undefined). */
function securityChange(uri: string, before: Array<Buffer | undefined>, after: Array<Buffer | undefined>): string | undefined {
  const changed = SECURITY_PARTS.filter((_, i) => before[i] && after[i] && !before[i]!.equals(after[i]!)).map(([, what]) => what);
  if (changed.length === 0) return undefined;
  return `Saving ${uri} replaced it with a new file, which the server gave its own ${changed.join(', ')} for a new file instead of the original's (an SMB save cannot keep them; on Samba: the SMB user, its primary group and the share's create mask).`;
}

function hex(n: number): string {
  return `0x${(n >>> 0).toString(16).padStart(8, '0')}`;
}

async function writeFile(uri: string, data: Uint8Array | AsyncIterable<Uint8Array>, opts: SmbWriteOptions): Promise<SmbWriteResult> {
  const existing = await statOrMissing(uri);
  if (existing?.kind === 'directory') throw statusError(STATUS.STATUS_FILE_IS_A_DIRECTORY, 'CREATE', uri);
  if (existing && !opts.overwrite) throw statusError(STATUS.STATUS_OBJECT_NAME_COLLISION, 'CREATE', uri);
  if (!existing && !opts.create) throw statusError(STATUS.STATUS_OBJECT_NAME_NOT_FOUND, 'CREATE', uri);
  // The save renames a new file over the original, which a server allows wherever the folder is
  // writable, even over a file this user may not write (read-only, another owner's). Ask the
  // server first, as writing the file in place would (a local save, smbclient's put): its
  // STATUS_ACCESS_DENIED refuses the save before anything is written.
  if (existing) {
    const w = await open(uri, Access.FILE_WRITE_DATA | Access.SYNCHRONIZE, Disposition.OPEN, CreateOption.NON_DIRECTORY_FILE).catch(
      (e: unknown) => {
        if ((e as { code?: string }).code !== 'STATUS_ACCESS_DENIED') throw e;
        throw smbError(
          'STATUS_ACCESS_DENIED',
          [uri],
          `Saving ${uri} was refused (STATUS_ACCESS_DENIED): the server does not let this user write it (a read-only file, or another owner's); nothing was written. Make it writable on the server, or save it under another name.`,
          e,
        );
      },
    );
    await using(w, uri, async () => undefined);
  }
  const temp = temporaryBeside(uri);
  // (an error names the file being written, not the hidden name it is written under until done)
  const o = await open(temp, WRITE | Access.READ_CONTROL, Disposition.CREATE, CreateOption.NON_DIRECTORY_FILE).catch((e: unknown) => {
    throw relabelError(e, temp, uri);
  });
  let keep = false;
  let kept: { notKept: string[]; security: Array<Buffer | undefined> } = { notKept: [], security: [] };
  try {
    // Until the data is complete the server deletes the file when the handle closes, which a
    // dropped connection or a killed process does too.
    await setDeleteOnClose(o, temp, true);
    if (data instanceof Uint8Array) {
      await o.client.write(o.fileId, 0n, data, temp);
    } else {
      let at = 0n;
      for await (const chunk of data) {
        checkAborted(opts.signal, uri);
        await o.client.write(o.fileId, at, chunk, temp);
        at += BigInt(chunk.length);
      }
    }
    checkAborted(opts.signal, uri);
    await o.client.flush(o.fileId, temp);
    // after the data: a write may set the archive bit again
    if (existing) kept = await keepAttributes(o, temp, uri);
    await setDeleteOnClose(o, temp, false);
    keep = true;
    // No replace unless asked: without overwrite a file that appeared since the check above
    // stays, and this fails with STATUS_OBJECT_NAME_COLLISION. With it, that file is replaced
    // as an existing one would be (the FileSystemProvider contract: FileExists only when
    // overwrite is not set; a save whose name another program took meanwhile failed so).
    await renameOpen(o, temp, uri, opts.overwrite);
  } catch (e) {
    if (keep && !o.client.conn.closed) await setDeleteOnClose(o, temp, true).catch(() => undefined);
    if (!o.client.conn.closed) await o.client.close(o.fileId, temp).catch(() => undefined);
    // A server that died never runs the delete-on-close: the next connection deletes the file.
    else rememberOrphan(o.target, temp);
    throw relabelError(e, temp, uri);
  }
  const changed = existing ? securityChange(uri, kept.security, await securityOf(o.client, o.fileId, uri)) : undefined;
  await o.client.close(o.fileId, uri);
  return { notKept: changed ? [...kept.notKept, changed] : kept.notKept };
}

async function mkdir(uri: string): Promise<void> {
  const o = await open(uri, ATTRS, Disposition.CREATE, CreateOption.DIRECTORY_FILE);
  await using(o, uri, async () => undefined);
}

async function list(uri: string): Promise<SmbDirEntry[]> {
  const o = await open(uri, READ, Disposition.OPEN, CreateOption.DIRECTORY_FILE);
  return using(o, uri, async () =>
    (await o.client.listDirectory(o.fileId, uri)).map((e) => ({ name: e.name, fileId: e.fileId, ...statOf(o.client, e) })),
  );
}

function child(uri: string, name: string): string {
  const t = parseSmbUri(uri);
  return formatSmbUri({ ...t, path: t.path ? `${t.path}/${name}` : name });
}

async function remove(uri: string, opts: { recursive: boolean }): Promise<void> {
  const o = await open(uri, READ | Access.DELETE, Disposition.OPEN);
  await using(o, uri, async () => {
    if (o.stat.kind === 'directory' && opts.recursive) {
      for (const e of await o.client.listDirectory(o.fileId, uri)) await remove(child(uri, e.name), opts);
    }
    // A folder that is not empty fails here with STATUS_DIRECTORY_NOT_EMPTY.
    await setDeleteOnClose(o, uri, true);
  });
}

async function rename(from: string, to: string, opts: { overwrite: boolean }): Promise<void> {
  const o = await open(from, ATTRS | Access.DELETE, Disposition.OPEN);
  await using(o, from, () => renameOpen(o, from, to, opts.overwrite));
}

async function connect(uri: string, anew: boolean): Promise<SmbConnectionInfo> {
  const target = parseSmbUri(uri);
  const client = await clientSweeping(target, { anew });
  return {
    dialect: client.dialectName,
    signed: client.conn.signingRequired,
    encrypted: client.encrypt || client.conn.encryptSession,
    stat: await stat(uri),
  };
}

export const smbFileApi: SmbFileApi = {
  connect: (uri, opts) => files(() => connect(uri, opts?.logOnAnew === true)),
  stat: (uri) => files(() => stat(uri)),
  checkWritable: (uri) => files(() => checkWritable(uri)),
  list: (uri) => files(() => list(uri)),
  readFile: (uri) => files(() => readFile(uri)),
  readChunks: (uri, opts) => readChunks(uri, opts),
  writeFile: (uri, data, opts) => files(() => writeFile(uri, data, opts)),
  mkdir: (uri) => files(() => mkdir(uri)),
  remove: (uri, opts) => files(() => remove(uri, opts)),
  rename: (from, to, opts) => files(() => rename(from, to, opts)),
  watch: (uri, opts) => watchSmbFolder(uri, opts, { list, child }),
};
