// NtTransport over SMB2: the Windows FSCTL algorithms (src/engine/nt) run unchanged against a
// file server. Paths are smb:// URIs; each handle remembers its pooled client and FileId.
// FSCTLs travel as SMB2 IOCTL with SMB2_0_IOCTL_IS_FSCTL; the input and output buffers are the
// DeviceIoControl buffers byte for byte, except the DUPLICATE_EXTENTS source, which is the
// 16-byte SMB2_FILEID (see sourceReference).

import { FSCTL } from '../../nt/codec/fsctl-codes';
import { STATUS, ntStatusName, ntStatusOutcomeKind } from '../../nt/codec/ntstatus';
import type { FsctlOutcome, NtBasicInfo, NtFileInfo, NtHandle, NtOpenOptions, NtTransport, NtVolumeInfo } from '../../nt/transport';
import { clientSweeping, rememberOrphan } from './orphans';
import type { SmbClient } from './protocol/client';
import { SmbStatusError, decodeReply, smbError } from './protocol/errors';
import {
  Access,
  CreateOption,
  Disposition,
  FILE_ATTRIBUTE_DIRECTORY,
  FILE_ATTRIBUTE_SPARSE_FILE,
  FileInfoClass,
  FsInfoClass,
  InfoType,
  type FileId,
} from './protocol/messages';
import { parseSmbUri, poolKey, smbPath, type SmbTarget } from './protocol/uri';
import { Wire } from './protocol/wire';

export interface SmbHandle extends NtHandle {
  /** Follows a rename. */
  path: string;
  target: SmbTarget;
  readonly client: SmbClient;
  readonly fileId: FileId;
  closed: boolean;
  /** Created by this open (disposition create-new). */
  created?: boolean;
  /** Delete-on-close is set (a temporary or unfinished destination). */
  deleteOnClose?: boolean;
  /** Closed delete-on-close after its connection dropped: the server may not have deleted it. */
  orphaned?: boolean;
}

const READ_ACCESS = Access.FILE_READ_DATA | Access.FILE_READ_EA | Access.FILE_READ_ATTRIBUTES | Access.READ_CONTROL | Access.SYNCHRONIZE;
// Not DELETE: an open for writing asks for it only where it is needed (delete-on-close, rename:
// opts.deleteOnClose / opts.delete). Samba grants DELETE only where the folder is writable too,
// so asking for it always refused dedupe and punch on a file the user may write in a folder
// they may not.
const WRITE_ACCESS =
  Access.FILE_WRITE_DATA |
  Access.FILE_APPEND_DATA |
  Access.FILE_WRITE_EA |
  Access.FILE_WRITE_ATTRIBUTES |
  Access.FILE_READ_ATTRIBUTES |
  Access.READ_CONTROL |
  Access.SYNCHRONIZE;

function asSmb(h: NtHandle): SmbHandle {
  const s = h as SmbHandle;
  if (!s.client || !s.fileId) throw new Error(`not an SMB handle: ${h.path}`);
  return s;
}

const u64 = (v: bigint) => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt.asUintN(64, v));
  return b;
};

export class SmbTransport implements NtTransport {
  readonly kind = 'smb' as const;
  /** Open handles by client and FileId, to find a DUPLICATE_EXTENTS source again. */
  private readonly handles = new Map<string, SmbHandle>();
  /** Tail clones re-sent clamped to the source's EOF (see fsctl); tests read this. */
  tailClamps = 0;
  private static key(client: SmbClient, fileId: Uint8Array): string {
    return `${client.where}|${Buffer.from(fileId).toString('hex')}`;
  }

  async open(path: string, opts: NtOpenOptions): Promise<NtHandle> {
    const target = parseSmbUri(path);
    const client = await this.clientFor(target);
    let access = opts.access === 'read' ? READ_ACCESS : opts.access === 'write' ? WRITE_ACCESS : READ_ACCESS | WRITE_ACCESS;
    let options = 0;
    // Delete-on-close is set with SET_INFO FileDispositionInformation after the CREATE, not with
    // the FILE_DELETE_ON_CLOSE create option: only the former can be cleared again once the
    // temporary destination is complete (setDeleteOnClose(false)).
    if (opts.deleteOnClose || opts.delete) access |= Access.DELETE;
    const disposition =
      opts.disposition === 'open' ? Disposition.OPEN : opts.disposition === 'create-new' ? Disposition.CREATE : Disposition.OVERWRITE_IF;
    if (opts.disposition !== 'open') options |= CreateOption.NON_DIRECTORY_FILE;
    // ShareAccess: read | write | delete (7), or without write (5) for dedupe's verify-then-clone.
    const shareAccess = opts.denyWrite ? 5 : 7;
    const r = await client.create({ name: smbPath(target), desiredAccess: access, disposition, options, shareAccess }, path);
    const h: SmbHandle = { path, target, client, fileId: r.fileId, closed: false, created: opts.disposition === 'create-new' };
    this.handles.set(SmbTransport.key(client, r.fileId), h);
    if (opts.deleteOnClose) {
      try {
        await this.setDeleteOnClose(h, true);
      } catch (e) {
        await this.close(h).catch(() => undefined);
        throw e;
      }
    }
    return h;
  }

  async close(h: NtHandle): Promise<void> {
    const s = asSmb(h);
    if (s.closed) return;
    s.closed = true;
    this.handles.delete(SmbTransport.key(s.client, s.fileId));
    // The server closed it with the connection, but may not have run its delete-on-close.
    const orphan = () => {
      if (!s.created || !s.deleteOnClose) return;
      s.orphaned = true;
      rememberOrphan(s.target, s.path);
    };
    if (s.client.conn.closed) return orphan();
    try {
      await s.client.close(s.fileId, s.path);
    } catch (e) {
      // The connection dropped under this CLOSE: its drop was not seen yet when the close began
      // (smbd killed during a copy between two shares: the source's connection failed first, and
      // the destination's, closed a moment later, took the unfinished file with it unnamed).
      if (s.client.conn.closed) orphan();
      throw e;
    }
  }

  mayBeLeft(h: NtHandle): boolean {
    return asSmb(h).orphaned === true;
  }

  /** The pooled client for `target`, after deleting what a dropped connection left behind there (orphans.ts). */
  private clientFor(target: SmbTarget): Promise<SmbClient> {
    return clientSweeping(target);
  }

  async fsctl(h: NtHandle, code: number, input: Uint8Array | null, maxOutput: number): Promise<FsctlOutcome> {
    const s = asSmb(h);
    let r = await s.client.ioctl(s.fileId, code, input, maxOutput);
    if (code === FSCTL.FSCTL_DUPLICATE_EXTENTS_TO_FILE && input && r.status === 0xc00000bb) {
      const clamped = await this.clampCloneToSourceEof(s.client, input);
      if (clamped) r = await s.client.ioctl(s.fileId, code, clamped, maxOutput);
    }
    return { kind: ntStatusOutcomeKind(r.status), code: r.status, codeName: ntStatusName(r.status), output: r.output };
  }

  /**
   * Windows clones whole clusters, so a file's tail is sent rounded up past EOF (docs/facts/windows-fsctl.md#cluster-alignment-and-chunks).
   * Samba refuses any DUPLICATE_EXTENTS that reaches past the source's EOF with
   * STATUS_NOT_SUPPORTED ("dup_extents req exceeds src size") while btrfs itself clones an
   * unaligned tail that ends at EOF. So when that is the reason, ask once more with the count
   * ending at EOF: the same bytes, phrased the way the server accepts.
   */
  private async clampCloneToSourceEof(client: SmbClient, input: Uint8Array): Promise<Uint8Array | undefined> {
    if (input.length !== 40) return undefined;
    const b = Buffer.from(input);
    const src = this.handles.get(SmbTransport.key(client, b.subarray(0, 16)));
    if (!src) return undefined;
    const eof = (await this.queryInfo(src)).endOfFile;
    const off = b.readBigInt64LE(16);
    const count = b.readBigInt64LE(32);
    if (off + count <= eof || off >= eof) return undefined;
    b.writeBigInt64LE(eof - off, 32);
    this.tailClamps++;
    return b;
  }

  sourceReference(h: NtHandle): Uint8Array {
    return Buffer.from(asSmb(h).fileId);
  }

  sessionOf(h: NtHandle): string {
    return poolKey(asSmb(h).target);
  }

  async queryInfo(h: NtHandle): Promise<NtFileInfo> {
    const s = asSmb(h);
    const out = await s.client.queryInfo(s.fileId, InfoType.FILE, FileInfoClass.FileNetworkOpenInformation, s.path, 56);
    return decodeReply(s.client.conn.where, 'QUERY_INFO FileNetworkOpenInformation', [s.path], () => {
      const b = new Wire(out, 'FILE_NETWORK_OPEN_INFORMATION');
      const attrs = b.u32(48, 'FileAttributes');
      return {
        basic: {
          creationTime: b.u64(0, 'CreationTime'),
          lastAccessTime: b.u64(8, 'LastAccessTime'),
          lastWriteTime: b.u64(16, 'LastWriteTime'),
          changeTime: b.u64(24, 'ChangeTime'),
          fileAttributes: attrs,
        },
        allocationSize: b.u64(32, 'AllocationSize'),
        endOfFile: b.u64(40, 'EndOfFile'),
        isDirectory: (attrs & FILE_ATTRIBUTE_DIRECTORY) !== 0,
        sparse: (attrs & FILE_ATTRIBUTE_SPARSE_FILE) !== 0,
      };
    });
  }

  /** FileInternalInformation (MS-FSCC 2.4.22): IndexNumber, the inode on Samba; 0 and all ones name no file. */
  async queryFileIndex(h: NtHandle): Promise<string | undefined> {
    const s = asSmb(h);
    const out = await s.client.queryInfo(s.fileId, InfoType.FILE, FileInfoClass.FileInternalInformation, s.path, 8);
    const index = decodeReply(s.client.conn.where, 'QUERY_INFO FileInternalInformation', [s.path], () =>
      new Wire(out, 'FILE_INTERNAL_INFORMATION').u64(0, 'IndexNumber'),
    );
    return index === 0n || index === 0xffffffffffffffffn ? undefined : index.toString(16);
  }

  async queryVolume(h: NtHandle): Promise<NtVolumeInfo> {
    const s = asSmb(h);
    const c = s.client;
    const attrOut = await c.queryInfo(s.fileId, InfoType.FILESYSTEM, FsInfoClass.FileFsAttributeInformation, s.path, 1024);
    const sizeOut = await c.queryInfo(s.fileId, InfoType.FILESYSTEM, FsInfoClass.FileFsFullSizeInformation, s.path, 32);
    const volOut = await c.queryInfo(s.fileId, InfoType.FILESYSTEM, FsInfoClass.FileFsVolumeInformation, s.path, 1024);
    const where = c.conn.where;
    const attr = decodeReply(where, 'QUERY_INFO FileFsAttributeInformation', [s.path], () => {
      const w = new Wire(attrOut, 'FILE_FS_ATTRIBUTE_INFORMATION');
      const nameLen = w.u32(8, 'FileSystemNameLength');
      return { attributes: w.u32(0, 'FileSystemAttributes'), name: w.bytes(12, nameLen, 'FileSystemName').toString('utf16le') };
    });
    const size = decodeReply(where, 'QUERY_INFO FileFsFullSizeInformation', [s.path], () => {
      const w = new Wire(sizeOut, 'FILE_FS_FULL_SIZE_INFORMATION');
      const bytesPerUnit = w.u32(24, 'SectorsPerAllocationUnit') * w.u32(28, 'BytesPerSector');
      return { bytesPerUnit, total: w.u64(0, 'TotalAllocationUnits'), free: w.u64(8, 'CallerAvailableAllocationUnits') };
    });
    const serial = decodeReply(where, 'QUERY_INFO FileFsVolumeInformation', [s.path], () =>
      new Wire(volOut, 'FILE_FS_VOLUME_INFORMATION').u32(8, 'VolumeSerialNumber'),
    );
    const unit = BigInt(size.bytesPerUnit);
    return {
      fileSystemName: attr.name,
      attributes: attr.attributes,
      clusterSize: size.bytesPerUnit,
      totalBytes: size.total * unit,
      freeBytes: size.free * unit,
      // One share of one server, told apart from a re-created share by the volume serial.
      volumeId: `smb://${s.target.host.toLowerCase()}:${s.target.port}/${s.target.share.toLowerCase()}#${serial.toString(16)}`,
    };
  }

  async setEndOfFile(h: NtHandle, size: bigint): Promise<void> {
    const s = asSmb(h);
    await s.client.setInfo(s.fileId, InfoType.FILE, FileInfoClass.FileEndOfFileInformation, u64(size), s.path);
  }

  async setBasicInfo(h: NtHandle, info: NtBasicInfo): Promise<void> {
    const s = asSmb(h);
    const b = Buffer.alloc(40);
    b.writeBigInt64LE(info.creationTime, 0);
    b.writeBigInt64LE(info.lastAccessTime, 8);
    b.writeBigInt64LE(info.lastWriteTime, 16);
    b.writeBigInt64LE(info.changeTime, 24);
    b.writeUInt32LE(info.fileAttributes >>> 0, 32);
    await s.client.setInfo(s.fileId, InfoType.FILE, FileInfoClass.FileBasicInformation, b, s.path);
  }

  async setDeleteOnClose(h: NtHandle, del: boolean): Promise<void> {
    const s = asSmb(h);
    await s.client.setInfo(s.fileId, InfoType.FILE, FileInfoClass.FileDispositionInformation, Buffer.from([del ? 1 : 0]), s.path);
    s.deleteOnClose = del;
  }

  async rename(h: NtHandle, newPath: string, replace: boolean): Promise<void> {
    const s = asSmb(h);
    const to = parseSmbUri(newPath);
    if (poolKey(to) !== poolKey(s.target)) {
      throw smbError(
        'E_CROSS_VOLUME',
        [s.path, newPath],
        `Cannot rename ${s.path} to ${newPath}: an SMB rename stays within one share (E_CROSS_VOLUME).`,
      );
    }
    const name = Buffer.from(smbPath(to), 'utf16le');
    const b = Buffer.alloc(20);
    b.writeUInt8(replace ? 1 : 0, 0);
    b.writeUInt32LE(name.length, 16);
    await s.client.setInfo(s.fileId, InfoType.FILE, FileInfoClass.FileRenameInformation, Buffer.concat([b, name]), newPath);
    s.path = newPath;
    s.target = to;
  }

  async read(h: NtHandle, offset: bigint, length: number): Promise<Uint8Array> {
    const s = asSmb(h);
    return s.client.read(s.fileId, offset, length, s.path);
  }

  async write(h: NtHandle, offset: bigint, data: Uint8Array): Promise<void> {
    const s = asSmb(h);
    await s.client.write(s.fileId, offset, data, s.path);
  }

  async flush(h: NtHandle): Promise<void> {
    const s = asSmb(h);
    await s.client.flush(s.fileId, s.path);
  }

  async exists(path: string): Promise<boolean> {
    const target = parseSmbUri(path);
    const client = await this.clientFor(target);
    try {
      const desiredAccess = Access.FILE_READ_ATTRIBUTES | Access.SYNCHRONIZE;
      const r = await client.create({ name: smbPath(target), desiredAccess, disposition: Disposition.OPEN, options: 0 }, path);
      await client.close(r.fileId, path);
      return true;
    } catch (e) {
      const missing = [STATUS.STATUS_OBJECT_NAME_NOT_FOUND, STATUS.STATUS_OBJECT_PATH_NOT_FOUND, STATUS.STATUS_NO_SUCH_FILE] as number[];
      if (e instanceof SmbStatusError && missing.includes(e.status)) return false;
      throw e;
    }
  }
}

let shared: SmbTransport | undefined;

export function smbTransport(): SmbTransport {
  return (shared ??= new SmbTransport());
}
