// The Windows backend: the NT FSCTL algorithms (src/engine/nt/) over DeviceIoControl and friends
// from kernel32.dll through koffi (kernel32.ts, the only Windows file that loads it; structs.ts
// has the pure buffer layouts). This file is the NtTransport; everything FSCTL-level is shared
// with the SMB2 backend.
//
// Error reading: koffi saves the thread's last error after each native call and restores it
// before the next, so GetLastError() called right after a failed call is reliable (docs/facts/koffi.md#getlasterror-on-windows).
// koffi.errno() would be the C runtime errno, which Win32 calls do not set.

import nodePath from 'node:path';
import type { ExtendedBackend } from '../../backend-ext';
import { FsctlError } from '../../errors';
import type { Operation } from '../../types';
import { FILE_ATTRIBUTE_DIRECTORY, FILE_ATTRIBUTE_SPARSE_FILE } from '../../nt/codec/fsctl-codes';
import { win32ErrorName, win32ErrorSentence, win32OutcomeKind } from '../../nt/codec/win32-errors';
import { createNtBackend, type NtBackendOptions } from '../../nt/backend';
import { FILE_ATTRIBUTE_NORMAL } from '../../nt/codec/fsctl-codes';
import type { FsctlOutcome, NtBasicInfo, NtFileInfo, NtHandle, NtOpenOptions, NtTransport, NtVolumeInfo } from '../../nt/transport';
import {
  CREATE_ALWAYS,
  CREATE_NEW,
  DELETE,
  FILE_FLAG_BACKUP_SEMANTICS,
  FILE_READ_ATTRIBUTES,
  FILE_SHARE_DELETE,
  FILE_SHARE_READ,
  FILE_SHARE_WRITE,
  FILE_WRITE_ATTRIBUTES,
  FileBasicInfo,
  FileDispositionInfo,
  FileEndOfFileInfo,
  FileIdInfo,
  FileRenameInfo,
  FileStandardInfo,
  GENERIC_READ,
  GENERIC_WRITE,
  INVALID_FILE_ATTRIBUTES,
  INVALID_HANDLE_VALUE,
  loadKernel32,
  OPEN_EXISTING,
  type Kernel32,
} from './kernel32';

import {
  decodeBasicInfo,
  decodeFileIdInfo,
  decodeStandardInfo,
  encodeBasicInfo,
  encodeDispositionInfo,
  encodeEndOfFileInfo,
  encodeOverlappedOffset,
  encodeRenameInfo,
  FILE_BASIC_INFO_SIZE,
  FILE_ID_INFO_SIZE,
  FILE_STANDARD_INFO_SIZE,
  utf16z,
} from './structs';

const ERROR_HANDLE_EOF = 38;

class Win32Handle implements NtHandle {
  closed = false;
  constructor(
    readonly path: string,
    readonly value: number,
  ) {}
}

function handleOf(h: NtHandle): Win32Handle {
  if (!(h instanceof Win32Handle) || h.closed) throw new Error(`not an open win32 handle: ${h.path}`);
  return h;
}

/** An aligned private copy when the caller's bytes do not start on an 8-byte boundary. */
function aligned(b: Uint8Array): Uint8Array {
  if (b.byteOffset % 8 === 0) return b;
  const c = new Uint8Array(new ArrayBuffer(b.byteLength));
  c.set(b);
  return c;
}

/** The FsctlError for a failed kernel32 call, code by name plus what to do. */
export function win32Error(operation: Operation, code: number, call: string, paths: string[]): FsctlError {
  const name = win32ErrorName(code);
  // ERROR_INVALID_FUNCTION's sentence is about control codes (FSCTLs); from a call that sends none
  // (GetVolumeInformationByHandleW on a Linux mount under Wine, a third-party driver) it misleads
  const sentence =
    code === 1 /* ERROR_INVALID_FUNCTION */ && !call.startsWith('DeviceIoControl')
      ? 'the file system (or its driver) does not answer this request; the operation cannot run on this volume: use a path on an NTFS or ReFS volume'
      : // (no handle went in: CON, the console, opened by a process without one; not "a bug in Extent Lens")
        code === 6 /* ERROR_INVALID_HANDLE */ && call === 'CreateFileW'
        ? 'the name does not open as a file (a device such as CON, the console, which this process may not have); choose a file'
        : win32ErrorSentence(code);
  return new FsctlError({
    operation,
    code: name,
    errno: code,
    paths,
    syscall: call,
    message: `${call} on ${paths.join(' -> ')} failed with ${name}: ${sentence}.`,
  });
}

const FILE_TYPE_UNKNOWN = 0;
const FILE_TYPE_DISK = 1;
const FILE_TYPE_NAMES: Record<number, string> = {
  0: 'FILE_TYPE_UNKNOWN',
  2: 'FILE_TYPE_CHAR',
  3: 'FILE_TYPE_PIPE',
  0x8000: 'FILE_TYPE_REMOTE',
};

/** A name that opened as a device or pipe (GetFileType not FILE_TYPE_DISK). */
function notAFile(path: string, type: number): FsctlError {
  const kind = type === 2 ? 'a character device (NUL, CON, a COM port)' : type === 3 ? 'a pipe' : 'not a file on a volume';
  const name = FILE_TYPE_NAMES[type] ?? `0x${type.toString(16)}`;
  return new FsctlError({
    operation: 'volume',
    code: 'E_NOT_REGULAR',
    paths: [path],
    syscall: 'GetFileType',
    message: `${path} is ${kind} (GetFileType: ${name}), not a file (E_NOT_REGULAR); choose a file on a disk volume.`,
  });
}

interface Win32TransportOptions {
  /** Bound kernel32 (tests under Wine pass their own); default: load kernel32.dll. */
  kernel32?: Kernel32;
}

export function createWin32Transport(opts: Win32TransportOptions = {}): NtTransport {
  const k = opts.kernel32 ?? loadKernel32();
  // Transport methods do not know the engine operation; the algorithms re-home the error.
  const op: Operation = 'volume';

  function fail(call: string, paths: string[]): never {
    throw win32Error(op, k.GetLastError(), call, paths);
  }

  function volumeRoot(path: string): string {
    const buf = new Uint16Array(32768);
    if (!k.GetVolumePathNameW(nodePath.win32.resolve(path), buf, buf.length)) fail('GetVolumePathNameW', [path]);
    return utf16z(buf);
  }

  const t: NtTransport = {
    kind: 'win32',

    async open(path: string, o: NtOpenOptions): Promise<NtHandle> {
      let access = FILE_READ_ATTRIBUTES;
      if (o.access !== 'write') access |= GENERIC_READ;
      if (o.access !== 'read') access |= GENERIC_WRITE | FILE_WRITE_ATTRIBUTES;
      if (o.deleteOnClose || o.delete) access = (access | DELETE) >>> 0;
      const disposition = o.disposition === 'open' ? OPEN_EXISTING : o.disposition === 'create-new' ? CREATE_NEW : CREATE_ALWAYS;
      // BACKUP_SEMANTICS lets `open` reach folders too (volume(folder)); it changes nothing for files.
      const flags = FILE_ATTRIBUTE_NORMAL | (o.disposition === 'open' ? FILE_FLAG_BACKUP_SEMANTICS : 0);
      const share = FILE_SHARE_READ | FILE_SHARE_DELETE | (o.denyWrite ? 0 : FILE_SHARE_WRITE);
      const hv = k.CreateFileW(path, access >>> 0, share, null, disposition, flags, 0);
      if (hv === INVALID_HANDLE_VALUE) fail('CreateFileW', [path]);
      // A device name (NUL, COM1, a pipe) opens too: not a file on a volume, said so here rather
      // than by whichever query it fails next ("ERROR_INVALID_PARAMETER: … misaligned offset")
      const type = k.GetFileType(hv);
      if (type !== FILE_TYPE_DISK) {
        const err = type === FILE_TYPE_UNKNOWN ? k.GetLastError() : 0;
        k.CloseHandle(hv);
        if (err !== 0) throw win32Error(op, err, 'GetFileType', [path]);
        throw notAFile(path, type);
      }
      const h = new Win32Handle(path, hv);
      if (o.deleteOnClose) {
        // FileDispositionInfo, not FILE_FLAG_DELETE_ON_CLOSE: only the former can be cleared again
        // once the destination is complete (setDeleteOnClose(false)).
        try {
          await t.setDeleteOnClose(h, true);
        } catch (e) {
          k.CloseHandle(hv);
          throw e;
        }
      }
      return h;
    },

    async close(h: NtHandle): Promise<void> {
      const w = handleOf(h);
      w.closed = true;
      if (!k.CloseHandle(w.value)) fail('CloseHandle', [h.path]);
    },

    async fsctl(h: NtHandle, code: number, input: Uint8Array | null, maxOutput: number): Promise<FsctlOutcome> {
      const w = handleOf(h);
      const inBuf = input && input.byteLength ? aligned(input) : null;
      const outBuf = maxOutput > 0 ? new Uint8Array(new ArrayBuffer(maxOutput)) : null;
      const returned = new Uint32Array(1);
      const ok = k.DeviceIoControl(w.value, code >>> 0, inBuf, inBuf?.byteLength ?? 0, outBuf, maxOutput, returned, null);
      const err = ok ? 0 : k.GetLastError();
      const kind = ok ? 'ok' : win32OutcomeKind(err);
      // BytesReturned is valid with ERROR_MORE_DATA (partial output); otherwise trust it only on success.
      const n = ok || kind === 'more-data' || kind === 'invalid-parameter' ? Math.min(returned[0], maxOutput) : 0;
      return { kind, code: err, codeName: win32ErrorName(err), output: outBuf ? outBuf.subarray(0, n) : new Uint8Array(0) };
    },

    sourceReference(h: NtHandle): Uint8Array {
      const b = new Uint8Array(new ArrayBuffer(8));
      new DataView(b.buffer).setBigInt64(0, BigInt(handleOf(h).value), true);
      return b;
    },

    async queryInfo(h: NtHandle): Promise<NtFileInfo> {
      const w = handleOf(h);
      const basic = new Uint8Array(new ArrayBuffer(FILE_BASIC_INFO_SIZE));
      if (!k.GetFileInformationByHandleEx(w.value, FileBasicInfo, basic, basic.byteLength))
        fail('GetFileInformationByHandleEx(FileBasicInfo)', [h.path]);
      const std = new Uint8Array(new ArrayBuffer(FILE_STANDARD_INFO_SIZE));
      if (!k.GetFileInformationByHandleEx(w.value, FileStandardInfo, std, std.byteLength))
        fail('GetFileInformationByHandleEx(FileStandardInfo)', [h.path]);
      const b = decodeBasicInfo(basic);
      const s = decodeStandardInfo(std);
      return {
        basic: b,
        endOfFile: s.endOfFile,
        allocationSize: s.allocationSize,
        isDirectory: s.directory || (b.fileAttributes & FILE_ATTRIBUTE_DIRECTORY) !== 0,
        sparse: (b.fileAttributes & FILE_ATTRIBUTE_SPARSE_FILE) !== 0,
      };
    },

    // FILE_ID_INFO (Windows 8 and later; NTFS, ReFS: its 128-bit id; Wine: the inode). Its own
    // VolumeSerialNumber is not used: queryVolume's volumeId qualifies the index (nt/backend.ts stat).
    async queryFileIndex(h: NtHandle): Promise<string | undefined> {
      const b = new Uint8Array(new ArrayBuffer(FILE_ID_INFO_SIZE));
      if (!k.GetFileInformationByHandleEx(handleOf(h).value, FileIdInfo, b, b.byteLength))
        fail('GetFileInformationByHandleEx(FileIdInfo)', [h.path]);
      return decodeFileIdInfo(b);
    },

    async queryVolume(h: NtHandle): Promise<NtVolumeInfo> {
      const w = handleOf(h);
      const serial = new Uint32Array(1);
      const maxComp = new Uint32Array(1);
      const flags = new Uint32Array(1);
      const fsName = new Uint16Array(261);
      if (!k.GetVolumeInformationByHandleW(w.value, null, 0, serial, maxComp, flags, fsName, fsName.length))
        fail('GetVolumeInformationByHandleW', [h.path]);
      const root = volumeRoot(h.path);
      const spc = new Uint32Array(1);
      const bps = new Uint32Array(1);
      const freeC = new Uint32Array(1);
      const totalC = new Uint32Array(1);
      if (!k.GetDiskFreeSpaceW(root, spc, bps, freeC, totalC)) fail('GetDiskFreeSpaceW', [root]);
      const avail = new BigUint64Array(1);
      const total = new BigUint64Array(1);
      const totalFree = new BigUint64Array(1);
      const haveSizes = k.GetDiskFreeSpaceExW(root, avail, total, totalFree) !== 0;
      // Volume identity: the volume GUID path where the mount point has one (compare volume GUID
      // paths, docs/facts/windows-fsctl.md#same-volume); else the serial number (network drives, Wine's drive letters).
      const guid = new Uint16Array(64);
      const volumeId = k.GetVolumeNameForVolumeMountPointW(root, guid, guid.length)
        ? utf16z(guid)
        : `serial:${serial[0].toString(16).padStart(8, '0')}`;
      return {
        fileSystemName: utf16z(fsName),
        attributes: flags[0],
        clusterSize: spc[0] * bps[0],
        totalBytes: haveSizes ? total[0] : undefined,
        freeBytes: haveSizes ? avail[0] : undefined,
        volumeId,
      };
    },

    async setEndOfFile(h: NtHandle, size: bigint): Promise<void> {
      const b = encodeEndOfFileInfo(size);
      if (!k.SetFileInformationByHandle(handleOf(h).value, FileEndOfFileInfo, b, b.byteLength))
        fail('SetFileInformationByHandle(FileEndOfFileInfo)', [h.path]);
    },

    async setBasicInfo(h: NtHandle, info: NtBasicInfo): Promise<void> {
      const b = encodeBasicInfo(info);
      if (!k.SetFileInformationByHandle(handleOf(h).value, FileBasicInfo, b, b.byteLength))
        fail('SetFileInformationByHandle(FileBasicInfo)', [h.path]);
    },

    async setDeleteOnClose(h: NtHandle, del: boolean): Promise<void> {
      const b = encodeDispositionInfo(del);
      if (!k.SetFileInformationByHandle(handleOf(h).value, FileDispositionInfo, b, b.byteLength))
        fail('SetFileInformationByHandle(FileDispositionInfo)', [h.path]);
    },

    async rename(h: NtHandle, newPath: string, replace: boolean): Promise<void> {
      const b = encodeRenameInfo(nodePath.win32.resolve(newPath), replace);
      if (!k.SetFileInformationByHandle(handleOf(h).value, FileRenameInfo, b, b.byteLength))
        fail('SetFileInformationByHandle(FileRenameInfo)', [h.path, newPath]);
    },

    async read(h: NtHandle, offset: bigint, length: number): Promise<Uint8Array> {
      const buf = new Uint8Array(new ArrayBuffer(length));
      const got = new Uint32Array(1);
      if (!k.ReadFile(handleOf(h).value, buf, length, got, encodeOverlappedOffset(offset))) {
        const err = k.GetLastError();
        if (err === ERROR_HANDLE_EOF) return new Uint8Array(0);
        throw win32Error(op, err, 'ReadFile', [h.path]);
      }
      return buf.subarray(0, got[0]);
    },

    async write(h: NtHandle, offset: bigint, data: Uint8Array): Promise<void> {
      let done = 0;
      while (done < data.byteLength) {
        const part = aligned(data.subarray(done));
        const wrote = new Uint32Array(1);
        if (!k.WriteFile(handleOf(h).value, part, part.byteLength, wrote, encodeOverlappedOffset(offset + BigInt(done))))
          fail('WriteFile', [h.path]);
        if (wrote[0] === 0) throw win32Error(op, 112, 'WriteFile', [h.path]);
        done += wrote[0];
      }
    },

    async flush(h: NtHandle): Promise<void> {
      if (!k.FlushFileBuffers(handleOf(h).value)) fail('FlushFileBuffers', [h.path]);
    },

    async exists(path: string): Promise<boolean> {
      return k.GetFileAttributesW(path) !== INVALID_FILE_ATTRIBUTES;
    },
  };
  return t;
}

/** The Windows Backend: createNtBackend over DeviceIoControl. */
export function createWin32Backend(opts: Win32TransportOptions & { nt?: NtBackendOptions } = {}): ExtendedBackend {
  return createNtBackend(createWin32Transport(opts), 'win32', opts.nt);
}
