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
import { STATUS } from './status';

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

/** QUERY_DIRECTORY rounds before a server that never says STATUS_NO_MORE_FILES is given up on. */
const MAX_DIRECTORY_ROUNDS = 10000;

export interface IoctlResult {
  status: number;
  output: Buffer;
}

export class SmbClient {
  readonly conn: SmbConnection;
  readonly share: string;
  readonly negotiated: NegotiateResult;
  readonly treeId: number;
  readonly encrypt: boolean;
  /** The last IOCTLs sent and how the server answered (diagnostics and tests). */
  readonly ioctlLog: Array<{ code: number; status: number; maxOutput: number }> = [];

  private constructor(conn: SmbConnection, share: string, neg: NegotiateResult, treeId: number, encrypt: boolean) {
    this.conn = conn;
    this.share = share;
    this.negotiated = neg;
    this.treeId = treeId;
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
      return new SmbClient(conn, o.share, neg, tree.treeId, encrypt);
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

  async queryInfo(fileId: M.FileId, infoType: number, cls: number, display: string, maxOutput = 4096): Promise<Buffer> {
    const r = await this.send(Command.QUERY_INFO, M.queryInfoBody(fileId, infoType, cls, maxOutput), maxOutput);
    this.check(r, 'QUERY_INFO', display, [STATUS.STATUS_BUFFER_OVERFLOW]);
    return this.decode('QUERY_INFO', display, () => M.parseQueryInfo(r.body, maxOutput));
  }

  async setInfo(fileId: M.FileId, infoType: number, cls: number, data: Buffer, display: string): Promise<void> {
    const r = await this.send(Command.SET_INFO, M.setInfoBody(fileId, infoType, cls, data), data.length);
    this.check(r, 'SET_INFO', display);
  }

  /** Bytes per READ/WRITE: at most 1 MiB, the server's maximum, and what the credits in hand allow. */
  private ioSize(serverMax: number): number {
    const byCredits = this.conn.supportsMultiCredit ? Math.max(1, this.conn.availableCredits) * 65536 : 65536;
    return Math.max(1, Math.min(serverMax, 1 << 20, byCredits));
  }

  /** Read up to `length` bytes; fewer at end of file, empty at or past it. */
  async read(fileId: M.FileId, offset: bigint, length: number, display: string): Promise<Buffer> {
    const parts: Buffer[] = [];
    let done = 0;
    while (done < length) {
      const n = Math.min(this.ioSize(this.negotiated.maxReadSize), length - done);
      const r = await this.send(Command.READ, M.readBody(fileId, offset + BigInt(done), n), n);
      if (r.header.status === STATUS.STATUS_END_OF_FILE) break;
      this.check(r, 'READ', display);
      const data = this.decode('READ', display, () => M.parseRead(r.body, n));
      parts.push(data);
      done += data.length;
      if (data.length < n) break;
    }
    return Buffer.concat(parts);
  }

  async write(fileId: M.FileId, offset: bigint, data: Uint8Array, display: string): Promise<void> {
    for (let done = 0; done < data.length || (data.length === 0 && done === 0);) {
      const chunk = data.subarray(done, Math.min(data.length, done + this.ioSize(this.negotiated.maxWriteSize)));
      const r = await this.send(Command.WRITE, M.writeBody(fileId, offset + BigInt(done), chunk), chunk.length);
      this.check(r, 'WRITE', display);
      const n = this.decode('WRITE', display, () => M.parseWrite(r.body, chunk.length));
      if (data.length === 0) break;
      if (n === 0) throw new SmbStatusError(STATUS.STATUS_DISK_FULL, 'WRITE', [display], display);
      done += n;
    }
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
      const r = await this.send(Command.QUERY_DIRECTORY, M.queryDirectoryBody(fileId, pattern, round === 0, 65536), 65536);
      if (r.header.status === STATUS.STATUS_NO_MORE_FILES) break;
      this.check(r, 'QUERY_DIRECTORY', display);
      out.push(...this.decode('QUERY_DIRECTORY', display, () => M.parseDirectory(r.body, 65536)));
    }
    return out.filter((e) => e.name !== '.' && e.name !== '..');
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
