// An SMB2 client bound to one share: connect (negotiate, session setup, tree connect) and the
// file operations the FSCTL transport needs. Protocol failures throw SmbStatusError (named
// after the NTSTATUS); IOCTL returns its status instead, because the FSCTL algorithms branch
// on it (STATUS_BUFFER_OVERFLOW, STATUS_INVALID_PARAMETER with limits, ...).

import { SmbConnection, type Smb2Response } from './connection';
import type { Smb3Cipher } from './crypto';
import { SmbStatusError, decodeReply, protocolError } from './errors';
import { negotiate, sessionSetup, treeConnect, type DialectName, type NegotiateResult } from './handshake';
import { Command } from './header';
import type { SigningAlgorithm } from './signing';
import * as M from './messages';
import { STATUS } from '../../../nt/codec/ntstatus';

export interface SmbConnectOptions {
  host: string;
  port?: number;
  user: string;
  password: string;
  domain?: string;
  share: string;
  dialects?: DialectName[];
  ciphers?: Smb3Cipher[];
  /** Signing algorithms to offer in 3.1.1, in order of preference (default AES-GMAC, AES-CMAC). */
  signing?: SigningAlgorithm[];
  /** Sign requests even when the server does not require it (default true). */
  sign?: boolean;
  /** Connect to an SMB 2.0.2 server that does not require signing (default false: E_INSECURE). */
  allowUnsignedLegacy?: boolean;
  /** Encrypt every request even when the share does not require it (3.x only). */
  encrypt?: boolean;
  /** Time for a request's first answer (final or interim); default 30 s. */
  timeoutMs?: number;
  /** Time for a request's final answer once the server sent an interim one; default 4 × timeoutMs. */
  maxWaitMs?: number;
}

/** WRITE requests outstanding at once on one file (credits permitting): 16 x 1 MiB keeps a loopback or LAN link busy. */
const PIPELINE_DEPTH = 16;
/**
 * READs are up to 8 MiB (Samba's and Windows' usual maximum; smbclient reads that size too)
 * with up to 32 MiB outstanding: fewer, larger requests cost the server less per byte.
 */
const READ_CHUNK = 8 << 20;
const READ_WINDOW = 32 << 20;
/**
 * While the connection is in foreground use (a listing, a stat: SmbConnection.foregroundSince), a
 * read or write pipeline keeps at most this many requests of at most 1 MiB in flight: the
 * server answers in order, and a listing's every request waited behind 32 MiB of READ data
 * (at 40 MB/s, ~1 s each; the Explorer took seconds to list a share while a file was read).
 */
const YIELDING_DEPTH = 2;
const YIELDING_CHUNK = 1 << 20;
/** A write pipeline's requests: 1 MiB, whether or not it gives way (its depth is what changes). */
const WRITE_CHUNK = 1 << 20;

/** QUERY_DIRECTORY rounds before a server that never says STATUS_NO_MORE_FILES is given up on. */
const MAX_DIRECTORY_ROUNDS = 10000;

/** The longest timer Node keeps (about 24.8 days): "no deadline" for a CHANGE_NOTIFY once the server said STATUS_PENDING. */
const NO_DEADLINE_AFTER_INTERIM_MS = 2 ** 31 - 1;

interface IoctlResult {
  status: number;
  output: Buffer;
}

/** Access rights that change a file or folder (an open asking for any of them needs a writable share). */
const CHANGES =
  M.Access.FILE_WRITE_DATA | M.Access.FILE_APPEND_DATA | M.Access.FILE_WRITE_EA | M.Access.FILE_WRITE_ATTRIBUTES | M.Access.DELETE;

export class SmbClient {
  readonly conn: SmbConnection;
  readonly share: string;
  readonly negotiated: NegotiateResult;
  readonly treeId: number;
  readonly encrypt: boolean;
  /** What the share grants this session at most (TREE_CONNECT's MaximalAccess, MS-SMB2 2.2.10). */
  readonly maximalAccess: number;
  /** The last IOCTLs sent and how the server answered (diagnostics and tests). */
  readonly ioctlLog: Array<{ code: number; status: number; maxOutput: number }> = [];

  private constructor(
    conn: SmbConnection,
    share: string,
    neg: NegotiateResult,
    tree: { treeId: number; maximalAccess: number },
    encrypt: boolean,
  ) {
    this.conn = conn;
    this.share = share;
    this.negotiated = neg;
    this.treeId = tree.treeId;
    this.maximalAccess = tree.maximalAccess;
    this.encrypt = encrypt;
  }

  static async connect(o: SmbConnectOptions): Promise<SmbClient> {
    const conn = await SmbConnection.open(o.host, o.port ?? 445, o.timeoutMs ?? 30000, o.maxWaitMs);
    try {
      const neg = await negotiate(conn, {
        dialects: o.dialects,
        ciphers: o.ciphers,
        signing: o.signing,
        sign: o.sign,
        allowUnsignedLegacy: o.allowUnsignedLegacy,
      });
      await sessionSetup(conn, neg, { user: o.user, password: o.password, domain: o.domain ?? '' });
      const tree = await treeConnect(conn, o.share);
      const encrypt = tree.encrypt || (!!o.encrypt && !!conn.cipher);
      return new SmbClient(conn, o.share, neg, tree, encrypt);
    } catch (e) {
      conn.close();
      throw e;
    }
  }

  get dialect(): number {
    return this.conn.dialect;
  }

  /** 'SMB 3.1.1', 'SMB 2.1', ... */
  get dialectName(): string {
    const d = this.conn.dialect;
    return `SMB ${d >> 8}.${(d >> 4) & 0xf}${d & 0xf ? '.' + (d & 0xf) : ''}`;
  }

  get where(): string {
    return `//${this.conn.where}/${this.share}`;
  }

  private send(cmd: Command, body: Buffer, payloadSize = 0, label?: string): Promise<Smb2Response> {
    return this.conn.send(cmd, body, { treeId: this.treeId, encrypt: this.encrypt, payloadSize, label });
  }

  /** Decode a reply; a malformed one becomes EPROTO naming the server, the command and the field. */
  private decode<T>(command: string, display: string, fn: () => T): T {
    return decodeReply(this.conn.where, command, [display], fn);
  }

  private check(r: Smb2Response, command: string, path: string, ok: number[] = []): void {
    const s = r.header.status;
    if (s === STATUS.STATUS_SUCCESS || ok.includes(s)) return;
    throw new SmbStatusError(s, command, [path], path);
  }

  /** `display` names the file in errors (the smb:// URI); `name` is the share-relative path. */
  async create(req: M.CreateRequest, display: string): Promise<M.CreateResponse> {
    const r = await this.send(Command.CREATE, M.createBody(req));
    // An open to change something on a share that grants no writing at all: said as such (a
    // trial's read-only share: "check the share's and the file's permissions …, or whether the share is read-only")
    const readOnlyShare = (this.maximalAccess & M.Access.FILE_WRITE_DATA) === 0;
    if (r.header.status === STATUS.STATUS_ACCESS_DENIED && (req.desiredAccess & CHANGES) !== 0 && readOnlyShare)
      throw new SmbStatusError(
        r.header.status,
        'CREATE',
        [display],
        display,
        `The share "${this.share}" on ${this.conn.where} is read-only for this user (it grants no writing: its MaximalAccess at TREE_CONNECT lacks FILE_WRITE_DATA), so ${display} cannot be changed there (STATUS_ACCESS_DENIED); use a share this user may write, or ask the server's administrator for write access.`,
      );
    this.check(r, 'CREATE', display);
    return this.decode('CREATE', display, () => M.parseCreate(r.body));
  }

  async close(fileId: M.FileId, display: string): Promise<void> {
    const r = await this.send(Command.CLOSE, M.closeBody(fileId));
    // A handle whose file was deleted on close may already be gone; that is not a failure.
    this.check(r, 'CLOSE', display, [STATUS.STATUS_FILE_CLOSED]);
  }

  async flush(fileId: M.FileId, display: string): Promise<void> {
    const r = await this.send(Command.FLUSH, M.flushBody(fileId));
    this.check(r, 'FLUSH', display);
  }

  async ioctl(fileId: M.FileId, code: number, input: Uint8Array | null, maxOutput: number): Promise<IoctlResult> {
    const max = Math.min(maxOutput, this.negotiated.maxTransactSize);
    const label = `IOCTL 0x${(code >>> 0).toString(16).padStart(8, '0')}`;
    const r = await this.send(Command.IOCTL, M.ioctlBody(fileId, code, input, max), Math.max(input?.length ?? 0, max), label);
    this.ioctlLog.push({ code, status: r.header.status, maxOutput: max });
    if (this.ioctlLog.length > 200) this.ioctlLog.splice(0, 100);
    return { status: r.header.status, output: decodeReply(this.conn.where, label, [], () => M.parseIoctlOutput(r.body, max)) };
  }

  async queryInfo(fileId: M.FileId, infoType: number, cls: number, display: string, maxOutput = 4096, additional = 0): Promise<Buffer> {
    const r = await this.send(Command.QUERY_INFO, M.queryInfoBody(fileId, infoType, cls, maxOutput, additional), maxOutput);
    this.check(r, 'QUERY_INFO', display, [STATUS.STATUS_BUFFER_OVERFLOW]);
    return this.decode('QUERY_INFO', display, () => M.parseQueryInfo(r.body, maxOutput));
  }

  async setInfo(fileId: M.FileId, infoType: number, cls: number, data: Buffer, display: string): Promise<void> {
    const r = await this.send(Command.SET_INFO, M.setInfoBody(fileId, infoType, cls, data), data.length);
    this.check(r, 'SET_INFO', display);
  }

  /**
   * Bytes per request: at most `cap` (1 MiB), the server's maximum, and what the credits allow:
   * those in hand plus `ownCredits`, the charge of this pipeline's requests still in flight
   * (they come back with the answers). Sized per request, so a server that grants fewer
   * credits than it was charged shrinks the next request instead of stalling it.
   */
  private ioSize(serverMax: number, cap = 1 << 20, ownCredits = 0): number {
    const byCredits = this.conn.supportsMultiCredit ? Math.max(1, this.conn.availableCredits + ownCredits) * 65536 : 65536;
    return Math.max(1, Math.min(serverMax, cap, byCredits));
  }

  /** Read up to `length` bytes; fewer at end of file, empty at or past it. */
  async read(fileId: M.FileId, offset: bigint, length: number, display: string): Promise<Buffer> {
    const parts: Buffer[] = [];
    for await (const part of this.readChunks(fileId, offset, length, display)) parts.push(part);
    return Buffer.concat(parts);
  }

  /**
   * Read `length` bytes from `offset` as a stream of chunks in file order, with several READ
   * requests outstanding at once (each as large as the server and the credits in hand allow, at
   * most 8 MiB; up to 32 MiB in flight, or `depth` requests): one request at a time leaves the
   * link idle for a round trip per chunk. Ends early at end of file. A consumer that stops
   * early leaves no request unsettled.
   */
  async *readChunks(fileId: M.FileId, offset: bigint, length: number, display: string, depth?: number): AsyncGenerator<Buffer> {
    depth ??= Math.max(2, Math.min(PIPELINE_DEPTH, Math.floor(READ_WINDOW / this.ioSize(this.negotiated.maxReadSize, READ_CHUNK))));
    const queue: Array<{ n: number; p: Promise<Buffer> }> = [];
    let issued = 0;
    let ended = false;
    let own = 0; // credits charged to this pipeline's requests not answered yet
    const since = this.conn.foregroundCount;
    const fill = () => {
      for (;;) {
        const yielding = this.conn.foregroundSince(since);
        if (ended || issued >= length || queue.length >= (yielding ? Math.min(depth!, YIELDING_DEPTH) : depth!)) break;
        const n = Math.min(this.ioSize(this.negotiated.maxReadSize, yielding ? YIELDING_CHUNK : READ_CHUNK, own), length - issued);
        const charge = Math.ceil(n / 65536);
        own += charge;
        const p = this.readOnce(fileId, offset + BigInt(issued), n, display);
        // Awaited in order below; this only counts the answer and keeps a later failure from going unhandled.
        p.then(
          () => (own -= charge),
          () => (own -= charge),
        );
        queue.push({ n, p });
        issued += n;
      }
    };
    try {
      fill();
      while (queue.length) {
        const { n, p } = queue.shift()!;
        const data = await p;
        if (data.length) yield data;
        if (data.length < n) {
          ended = true; // end of file: the requests behind this one read nothing
          break;
        }
        fill();
      }
    } finally {
      ended = true;
      await Promise.allSettled(queue.map((q) => q.p));
    }
  }

  /** One READ of at most `n` bytes; empty at end of file. */
  private async readOnce(fileId: M.FileId, offset: bigint, n: number, display: string): Promise<Buffer> {
    const r = await this.send(Command.READ, M.readBody(fileId, offset, n), n);
    if (r.header.status === STATUS.STATUS_END_OF_FILE) return Buffer.alloc(0);
    this.check(r, 'READ', display);
    return this.decode('READ', display, () => M.parseRead(r.body, n));
  }

  /**
   * Write all of `data` at `offset`, with up to `depth` WRITE requests outstanding (as for
   * reads). A short write is completed after the requests behind it, at the offset it stopped.
   */
  async write(fileId: M.FileId, offset: bigint, data: Uint8Array, display: string, depth = PIPELINE_DEPTH): Promise<void> {
    if (data.length === 0) {
      await this.writeOnce(fileId, offset, data, display);
      return;
    }
    const inflight: Array<Promise<{ at: number; sent: number; n: number }>> = [];
    let own = 0; // credits charged to requests not answered yet
    const short: Array<{ at: number; sent: number; n: number }> = [];
    let failure: unknown;
    const since = this.conn.foregroundCount;
    const settle = async (p: Promise<{ at: number; sent: number; n: number }>) => {
      try {
        const w = await p;
        if (w.n < w.sent) short.push(w);
      } catch (e) {
        failure ??= e;
      }
    };
    for (let at = 0; at < data.length && failure === undefined;) {
      const chunk = data.subarray(at, Math.min(data.length, at + this.ioSize(this.negotiated.maxWriteSize, WRITE_CHUNK, own)));
      const from = at;
      const charge = Math.ceil(chunk.length / 65536);
      own += charge;
      const p = this.writeOnce(fileId, offset + BigInt(from), chunk, display).finally(() => (own -= charge));
      inflight.push(p.then((n) => ({ at: from, sent: chunk.length, n })));
      at += chunk.length;
      // (fewer outstanding while the connection is in foreground use, as for reads)
      const most = this.conn.foregroundSince(since) ? Math.min(depth, YIELDING_DEPTH) : depth;
      while (inflight.length >= most) await settle(inflight.shift()!);
    }
    while (inflight.length) await settle(inflight.shift()!);
    if (failure !== undefined) throw failure;
    for (const w of short) {
      if (w.n === 0) throw new SmbStatusError(STATUS.STATUS_DISK_FULL, 'WRITE', [display], display);
      await this.write(fileId, offset + BigInt(w.at + w.n), data.subarray(w.at + w.n, w.at + w.sent), display, 1);
    }
  }

  private async writeOnce(fileId: M.FileId, offset: bigint, chunk: Uint8Array, display: string): Promise<number> {
    const r = await this.send(Command.WRITE, M.writeBody(fileId, offset, chunk), chunk.length);
    this.check(r, 'WRITE', display);
    return this.decode('WRITE', display, () => M.parseWrite(r.body, chunk.length));
  }

  async listDirectory(fileId: M.FileId, display: string, pattern = '*'): Promise<M.DirEntry[]> {
    const out: M.DirEntry[] = [];
    for (let round = 0; ; round++) {
      if (round === MAX_DIRECTORY_ROUNDS) {
        throw protocolError(
          this.conn.where,
          'QUERY_DIRECTORY',
          [display],
          'Status',
          `was never STATUS_NO_MORE_FILES in ${round} rounds (${out.length} entries)`,
        );
      }
      // Pages as large as the credits and the server allow (up to 1 MiB, ~8,000 entries): the
      // server's time per round trip, not per entry, is what a 10,000-file folder waits on.
      const max = this.ioSize(this.negotiated.maxTransactSize);
      const r = await this.send(Command.QUERY_DIRECTORY, M.queryDirectoryBody(fileId, pattern, round === 0, max), max);
      if (r.header.status === STATUS.STATUS_NO_MORE_FILES) break;
      this.check(r, 'QUERY_DIRECTORY', display);
      out.push(...this.decode('QUERY_DIRECTORY', display, () => M.parseDirectory(r.body, max)));
    }
    return out.filter((e) => e.name !== '.' && e.name !== '..');
  }

  /**
   * Wait for changes under the folder open as `fileId` (SMB2 CHANGE_NOTIFY, MS-SMB2 3.2.4.15).
   * The server answers STATUS_PENDING at once and the final response when something changes,
   * which may be never: the request keeps the first-answer deadline, but after the interim
   * answer it waits until `signal` aborts it (an SMB2 CANCEL then goes to the server). Returns
   * 'overflow' when the server lost track (STATUS_NOTIFY_ENUM_DIR: re-read the folder) and
   * 'closed' when the handle was closed (STATUS_NOTIFY_CLEANUP).
   */
  async changeNotify(
    fileId: M.FileId,
    display: string,
    o: { tree: boolean; filter: number; signal?: AbortSignal },
  ): Promise<M.NotifyEntry[] | 'overflow' | 'closed'> {
    const max = Math.min(65536, this.negotiated.maxTransactSize);
    const r = await this.conn.send(Command.CHANGE_NOTIFY, M.changeNotifyBody(fileId, o.tree, o.filter, max), {
      treeId: this.treeId,
      encrypt: this.encrypt,
      payloadSize: max,
      signal: o.signal,
      maxWaitMs: NO_DEADLINE_AFTER_INTERIM_MS,
    });
    if (r.header.status === STATUS.STATUS_NOTIFY_ENUM_DIR) return 'overflow';
    if (r.header.status === STATUS.STATUS_NOTIFY_CLEANUP) return 'closed';
    this.check(r, 'CHANGE_NOTIFY', display);
    const entries = this.decode('CHANGE_NOTIFY', display, () => M.parseChangeNotify(r.body, max));
    return entries.length ? entries : 'overflow'; // an empty success means the same as ENUM_DIR
  }

  async disconnect(): Promise<void> {
    if (this.conn.closed) return;
    try {
      const quick = { encrypt: this.encrypt, timeoutMs: 2000, maxWaitMs: 2000 };
      await this.conn.send(Command.TREE_DISCONNECT, Buffer.from([4, 0, 0, 0]), { ...quick, treeId: this.treeId });
      await this.conn.send(Command.LOGOFF, Buffer.from([4, 0, 0, 0]), quick);
    } catch {
      // Best effort: the socket closes below either way.
    }
    this.conn.close();
  }
}
