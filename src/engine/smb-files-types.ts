// The types of the engine's SMB file API (src/engine/smb-files.ts), in a file of their own so
// the implementation (backends/smb/files.ts) imports them without an import cycle.

export interface SmbFileStat {
  kind: 'file' | 'directory';
  size: bigint;
  /** Milliseconds since 1970 (the server's FILETIMEs, rounded down to the millisecond). */
  ctimeMs: number;
  mtimeMs: number;
  /** The FILE_ATTRIBUTE_* bits (MS-FSCC 2.6): e.g. 0x400, a reparse point (a link, not followed). */
  attributes: number;
  /** Nothing may be written: the share is read-only for this user, or the file has FILE_ATTRIBUTE_READONLY. */
  readOnly: boolean;
}

export interface SmbDirEntry extends SmbFileStat {
  name: string;
  /** The server's number for the file (equal for two names of one file); 0n where it gives none. */
  fileId: bigint;
}

export interface SmbWriteResult {
  notKept: string[];
}

export interface SmbWriteOptions {
  /** Make the file when it does not exist (else STATUS_OBJECT_NAME_NOT_FOUND). */
  create: boolean;
  /** Replace an existing file (else STATUS_OBJECT_NAME_COLLISION). */
  overwrite: boolean;
  /** Stops the write between chunks (E_CANCELLED); nothing is left behind. */
  signal?: AbortSignal;
}

type SmbChangeType = 'created' | 'changed' | 'deleted';

export interface SmbChange {
  type: SmbChangeType;
  /** The smb:// URI of what changed (the watched folder itself when the server lost track). */
  path: string;
}

export interface SmbWatchOptions {
  recursive: boolean;
  onChange(changes: SmbChange[]): void;
  /** How it watches now: 'notify' (CHANGE_NOTIFY) or 'poll' (the server refused it); and why it stopped, if it did. */
  onState?(state: { mode: 'notify' | 'poll'; error?: unknown }): void;
  /** Polling interval where the server refuses CHANGE_NOTIFY; default 5000 ms. */
  pollMs?: number;
}

export interface SmbConnectionInfo {
  /** 'SMB 3.1.1', 'SMB 2.1', ... */
  dialect: string;
  signed: boolean;
  encrypted: boolean;
  /** What is at the URI (the share root or a folder in it). */
  stat: SmbFileStat;
}

export interface SmbShareConnectOptions {
  /**
   * Log on with the password the provider gives now, on a new connection, never a pooled
   * session; once the server takes it, the account's connections on that server are made again.
   */
  logOnAnew?: boolean;
}

export interface SmbFileApi {
  /**
   * Connect (or reuse the pooled connection) and stat the URI: what "Open SMB Share…" checks.
   * With logOnAnew (a password just typed), a new connection logs on, so the server checks it.
   */
  connect(uri: string, opts?: SmbShareConnectOptions): Promise<SmbConnectionInfo>;
  stat(uri: string): Promise<SmbFileStat>;
  /**
   * Resolves where this user may change the file (or add files to the folder); otherwise throws
   * the server's refusal (a read-only share says so by name, STATUS_SHARING_VIOLATION a file held
   * open elsewhere). Opens for writing and closes; changes nothing.
   */
  checkWritable(uri: string): Promise<void>;
  /** A folder's entries (QUERY_DIRECTORY, paged until STATUS_NO_MORE_FILES), without . and .. */
  list(uri: string): Promise<SmbDirEntry[]>;
  readFile(uri: string): Promise<Uint8Array>;
  /** The file from start to end in chunks of about 1 MiB, without holding it all (a copy off the share). */
  readChunks(uri: string, opts?: { signal?: AbortSignal }): AsyncIterable<Uint8Array>;
  /**
   * Write the whole file (a buffer, or chunks as they come): to a temporary name in the same
   * folder (deleted on close until it is complete, so a failure, a cancel or a dropped
   * connection leaves nothing), then renamed over the name, replacing only an existing file
   * the caller asked to overwrite.
   */
  /**
   * Write to a temporary name, then rename over `uri`. Over an existing file the original's DOS
   * attributes are copied onto the new one first; its owner, group and DACL are compared before
   * and after: `notKept` has one sentence for each thing of the original the new file did not keep.
   */
  writeFile(uri: string, data: Uint8Array | AsyncIterable<Uint8Array>, opts: SmbWriteOptions): Promise<SmbWriteResult>;
  mkdir(uri: string): Promise<void>;
  /** Delete a file, or a folder (with everything in it when `recursive`). No recycle bin. */
  remove(uri: string, opts: { recursive: boolean }): Promise<void>;
  /** Rename within one share; an existing target is replaced only with `overwrite`. */
  rename(from: string, to: string, opts: { overwrite: boolean }): Promise<void>;
  /** Watch a folder: CHANGE_NOTIFY, or polling where the server refuses it. Dispose to stop. */
  watch(uri: string, opts: SmbWatchOptions): { dispose(): void };
}
