// The seam between the Windows FSCTL algorithms (src/engine/nt/*) and the two ways of sending
// an FSCTL: DeviceIoControl through koffi on Windows (src/engine/backends/win32/index.ts) and SMB2 IOCTL from
// any OS (src/engine/backends/smb/transport.ts). The algorithms (allocated-ranges paging, the whole-file clone
// sequence, chunked range clones, resume key + copychunk with limit renegotiation, set sparse,
// zero data, volume checks) are written once against this interface.
//
// Input/output buffers are the same bytes on both transports, with one exception that the
// transport hides: a DUPLICATE_EXTENTS source is an 8-byte HANDLE on Windows x64 but a 16-byte
// SMB2_FILEID on the wire (MS-FSCC 2.3.8); see `sourceReference`.

/** What a transport reports for one FSCTL, normalised so the algorithms need no per-transport code. */
export type FsctlOutcomeKind =
  | 'ok'
  | 'more-data' // ERROR_MORE_DATA / STATUS_BUFFER_OVERFLOW: output holds valid, partial data
  | 'buffer-too-small' // ERROR_INSUFFICIENT_BUFFER / STATUS_BUFFER_TOO_SMALL: nothing fit
  | 'invalid-parameter' // ERROR_INVALID_PARAMETER / STATUS_INVALID_PARAMETER
  | 'not-supported' // ERROR_NOT_SUPPORTED, ERROR_INVALID_FUNCTION, STATUS_NOT_SUPPORTED, STATUS_INVALID_DEVICE_REQUEST
  | 'error';

export interface FsctlOutcome {
  kind: FsctlOutcomeKind;
  /** 0 on success; a Win32 error (DeviceIoControl) or an NTSTATUS (SMB). */
  code: number;
  /** Symbolic name of `code`: 'ERROR_MORE_DATA', 'STATUS_BUFFER_OVERFLOW', ... */
  codeName: string;
  /** The valid output bytes (BytesReturned / OutputCount); may be non-empty with 'more-data'. */
  output: Uint8Array;
}

export interface NtHandle {
  readonly path: string;
}

export interface NtOpenOptions {
  access: 'read' | 'write' | 'read-write';
  /** 'open': must exist; 'create-new': must not exist; 'overwrite-if': create or truncate. */
  disposition: 'open' | 'create-new' | 'overwrite-if';
  /** Delete the file when the handle closes (temporary destinations until success). */
  deleteOnClose?: boolean;
  /**
   * Also request DELETE access (needed to rename the open file). Optional extension: a transport
   * that always asks for DELETE may ignore it; deleteOnClose implies it.
   */
  delete?: boolean;
  /**
   * Open without FILE_SHARE_WRITE: while this handle is open nobody else may open the file for
   * writing (dedupe's verify-then-clone, nt/dedupe.ts). Default: share read, write and delete.
   */
  denyWrite?: boolean;
}

/** FILE_BASIC_INFORMATION: FILETIME values (100 ns since 1601) and attributes. */
export interface NtBasicInfo {
  creationTime: bigint;
  lastAccessTime: bigint;
  lastWriteTime: bigint;
  changeTime: bigint;
  fileAttributes: number;
}

export interface NtFileInfo {
  basic: NtBasicInfo;
  endOfFile: bigint;
  allocationSize: bigint;
  isDirectory: boolean;
  /** FILE_ATTRIBUTE_SPARSE_FILE (0x200) is set. */
  sparse: boolean;
}

export interface NtVolumeInfo {
  /** FileFsAttributeInformation.FileSystemName ('NTFS', 'ReFS', ...). */
  fileSystemName: string;
  /** FileFsAttributeInformation.FileSystemAttributes (FILE_SUPPORTS_* flags). */
  attributes: number;
  /** Bytes per cluster (FileFsSizeInformation / GetDiskFreeSpace). */
  clusterSize: number;
  totalBytes?: bigint;
  freeBytes?: bigint;
  /** Identity of the volume: equal ids = one volume (volume GUID path, or server + share). */
  volumeId: string;
}

export interface NtTransport {
  readonly kind: 'win32' | 'smb';
  open(path: string, opts: NtOpenOptions): Promise<NtHandle>;
  close(h: NtHandle): Promise<void>;
  /**
   * After close: `h` was still delete-on-close, but its connection had dropped, so the server may
   * never have deleted it (a server that stopped). Only SMB can say yes; a local close always deletes.
   */
  mayBeLeft?(h: NtHandle): boolean;

  /** Send one FSCTL on `h`. Never throws for an FSCTL failure: the outcome says what happened. */
  fsctl(h: NtHandle, code: number, input: Uint8Array | null, maxOutput: number): Promise<FsctlOutcome>;

  /** The bytes that name `h` as a DUPLICATE_EXTENTS source: HANDLE (8) or SMB2_FILEID (16). */
  sourceReference(h: NtHandle): Uint8Array;
  /**
   * The session `h` was opened in, where the transport has several (SMB: one per
   * `[domain;]user@host:port/share`): a clone's source FileId and a copychunk's resume key are
   * good only in their own session. Absent: one session for every handle (Win32).
   */
  sessionOf?(h: NtHandle): string;

  queryInfo(h: NtHandle): Promise<NtFileInfo>;
  /**
   * The file's number on its volume, as hex (FILE_ID_INFO.FileId locally, FileInternalInformation's
   * IndexNumber over SMB: Samba's inode); undefined where none is given (0 or all ones). With the
   * volume's id it is the file's identity (PathInfo.fileId), as dev:ino is on Linux: a hard link or
   * a case alias of a name gives the same. Optional: without it only the same path counts as one
   * file (operations.ts clone-range, destination.ts overwrite).
   */
  queryFileIndex?(h: NtHandle): Promise<string | undefined>;
  queryVolume(h: NtHandle): Promise<NtVolumeInfo>;
  setEndOfFile(h: NtHandle, size: bigint): Promise<void>;
  setBasicInfo(h: NtHandle, info: NtBasicInfo): Promise<void>;
  /** Turn delete-on-close off again once a temporary destination is complete. */
  setDeleteOnClose(h: NtHandle, del: boolean): Promise<void>;
  /** Rename the open file; `replace` false must fail if `newPath` exists. */
  rename(h: NtHandle, newPath: string, replace: boolean): Promise<void>;
  read(h: NtHandle, offset: bigint, length: number): Promise<Uint8Array>;
  write(h: NtHandle, offset: bigint, data: Uint8Array): Promise<void>;
  flush(h: NtHandle): Promise<void>;
  exists(path: string): Promise<boolean>;
}
