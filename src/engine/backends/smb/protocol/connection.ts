// One TCP connection to an SMB2 server: framing, message ids and credits, the table of
// outstanding requests, STATUS_PENDING interim answers, signing and encryption of requests,
// verification and decryption of responses, timeouts and dropped connections.
//
// Requests may be outstanding concurrently; each waits for enough credits first. One session
// per connection (the pool keys connections by user@host:port/share), so the keys live here.

import { Socket, connect as tcpConnect } from 'node:net';
import type { Smb3Cipher } from './crypto';
import { Malformed, capitalise, smbError } from './errors';
import { FrameReader, frame } from './framing';
import {
  Command,
  FLAG_ASYNC,
  FLAG_SIGNED,
  HEADER_SIZE,
  SMB2_MAGIC,
  TRANSFORM_MAGIC,
  commandName,
  decodeHeader,
  encodeHeader,
  type Smb2Header,
} from './header';
import { signInPlace, verifySignature, type SessionKeys } from './signing';
import { STATUS } from './status';
import { decryptMessage, encryptMessage } from './transform';

export interface Smb2Response {
  header: Smb2Header;
  /** The body (after the 64-byte header); offsets in it are header-relative minus 64. */
  body: Buffer;
  /** The whole message as received (decrypted), for the pre-authentication hash. */
  raw: Buffer;
}

export interface SendOptions {
  treeId?: number;
  /** Bytes this request may send or receive beyond 64 KiB (READ/WRITE/IOCTL): sets CreditCharge. */
  payloadSize?: number;
  /** Encrypt this request (share or session requires it). */
  encrypt?: boolean;
  timeoutMs?: number;
  /** Called with the raw request bytes before signing (pre-authentication hash). */
  onRaw?: (raw: Buffer) => void;
}

interface Pending {
  command: number;
  resolve(r: Smb2Response): void;
  reject(e: unknown): void;
  timer: NodeJS.Timeout;
  timeoutMs: number;
}

export class SmbConnection {
  readonly host: string;
  readonly port: number;
  private socket!: Socket;
  private reader = new FrameReader();
  private pending = new Map<bigint, Pending>();
  private nextMessageId = 0n;
  private credits = 1;
  private creditWaiters: Array<() => void> = [];
  private closedError: Error | undefined;

  dialect = 0x0202;
  supportsMultiCredit = false;
  sessionId = 0n;
  keys: SessionKeys | undefined;
  signingRequired = false;
  cipher: Smb3Cipher | undefined;
  /** Encrypt every request of this session (SessionFlags ENCRYPT_DATA). */
  encryptSession = false;
  defaultTimeoutMs: number;
  /** Commands sent, for diagnostics and tests. */
  readonly log: Array<{ command: string; status: string }> = [];
  onClose: (() => void) | undefined;

  private constructor(host: string, port: number, timeoutMs: number) {
    this.host = host;
    this.port = port;
    this.defaultTimeoutMs = timeoutMs;
  }

  get where(): string {
    return `${this.host}:${this.port}`;
  }

  get closed(): boolean {
    return this.closedError !== undefined;
  }

  static open(host: string, port: number, timeoutMs: number): Promise<SmbConnection> {
    const c = new SmbConnection(host, port, timeoutMs);
    return new Promise((resolve, reject) => {
      const sock = tcpConnect({ host, port });
      c.socket = sock;
      sock.setNoDelay(true);
      const timer = setTimeout(() => {
        sock.destroy();
        reject(
          smbError('ETIMEDOUT', [], `Connecting to the SMB server ${host}:${port} timed out (ETIMEDOUT) after ${timeoutMs} ms; check the host, the port and any firewall.`),
        );
      }, timeoutMs);
      let connected = false;
      sock.once('connect', () => {
        connected = true;
        clearTimeout(timer);
        sock.on('data', (d) => c.onData(d));
        sock.on('close', () => c.fail(c.dropError('ECONNRESET')));
        resolve(c);
      });
      sock.on('error', (e: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        const code = e.code ?? 'ECONNRESET';
        const err =
          code === 'ECONNREFUSED'
            ? smbError(code, [], `Nothing accepts SMB connections at ${host}:${port} (ECONNREFUSED); check the host and port, and that the server runs.`, e)
            : code === 'ENOTFOUND' || code === 'EAI_AGAIN'
              ? smbError(code, [], `The host name ${host} could not be resolved (${code}); check the smb:// URI.`, e)
              : c.dropError(code, e);
        if (!connected) reject(err);
        c.fail(err);
      });
    });
  }

  private dropError(code: string, cause?: unknown): Error {
    return smbError(
      code,
      [],
      `The connection to the SMB server ${this.where} was dropped (${code}); the server may have restarted or closed the session. Retry to reconnect.`,
      cause,
    );
  }

  /** Let the process exit while this connection is idle (pending requests keep it alive). */
  unref(): void {
    this.socket.unref();
  }

  close(): void {
    if (this.closed) return;
    this.fail(smbError('ECONNRESET', [], `The connection to ${this.where} was closed by the client.`));
  }

  private fail(e: Error): void {
    if (!this.closedError) {
      this.closedError = e;
      this.socket.destroy();
      this.onClose?.();
    }
    for (const [, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(e);
    }
    this.pending.clear();
    for (const w of this.creditWaiters.splice(0)) w();
  }

  /** Credits in hand; large READ/WRITE requests size themselves to these (64 KiB each). */
  get availableCredits(): number {
    return this.credits;
  }

  private async takeCredits(charge: number): Promise<bigint> {
    while (this.credits < charge) {
      if (this.closedError) throw this.closedError;
      if (this.pending.size === 0) {
        // Nothing outstanding can grant more: waiting would hang. Say so instead.
        throw smbError(
          'EPROTO',
          [],
          `The SMB server ${this.where} granted ${this.credits} credit(s) but the request needs ${charge} (EPROTO); use smaller requests or check the server's credit settings.`,
        );
      }
      await new Promise<void>((r) => this.creditWaiters.push(r));
    }
    if (this.closedError) throw this.closedError;
    this.credits -= charge;
    const id = this.nextMessageId;
    this.nextMessageId += BigInt(charge);
    return id;
  }

  private grant(n: number): void {
    if (n <= 0) return;
    this.credits += n;
    for (const w of this.creditWaiters.splice(0)) w();
  }

  /** Send one request and wait for its final response (any status; callers decide). */
  async send(command: Command, body: Buffer, opts: SendOptions = {}): Promise<Smb2Response> {
    if (this.closedError) throw this.closedError;
    const charge = this.supportsMultiCredit ? Math.max(1, Math.ceil((opts.payloadSize ?? 0) / 65536)) : 1;
    const messageId = await this.takeCredits(charge);
    // Ask for enough credits to keep large reads/writes and a few requests in flight.
    const creditRequest = Math.max(charge, this.credits < 256 ? 256 : charge);
    const header = encodeHeader({
      command,
      creditCharge: this.dialect >= 0x0210 ? charge : 0,
      creditRequest,
      flags: 0,
      messageId,
      treeId: opts.treeId ?? 0,
      sessionId: this.sessionId,
    });
    const msg = Buffer.concat([header, body]);
    opts.onRaw?.(msg);
    const encrypt = !!this.keys && !!this.cipher && (this.encryptSession || !!opts.encrypt) && command !== Command.SESSION_SETUP && command !== Command.NEGOTIATE;
    let wire: Buffer;
    if (encrypt) {
      wire = encryptMessage(this.cipher!, this.keys!.encryptionKey, this.sessionId, msg);
    } else {
      // SMB 3.1.1 always signs TREE_CONNECT (it replaces 3.0's validate-negotiate protection).
      const sign = this.signingRequired || (this.dialect === 0x0311 && command === Command.TREE_CONNECT);
      if (this.keys && sign && command !== Command.NEGOTIATE && command !== Command.SESSION_SETUP) {
        msg.writeUInt32LE(FLAG_SIGNED, 16);
        signInPlace(this.dialect, this.keys.signingKey, msg);
      }
      wire = msg;
    }
    const timeoutMs = opts.timeoutMs ?? this.defaultTimeoutMs;
    return new Promise<Smb2Response>((resolve, reject) => {
      const p: Pending = {
        command,
        resolve,
        reject,
        timeoutMs,
        timer: setTimeout(() => this.onTimeout(messageId), timeoutMs),
      };
      this.pending.set(messageId, p);
      this.socket.write(frame(wire));
    });
  }

  private onTimeout(id: bigint): void {
    const p = this.pending.get(id);
    if (!p) return;
    // A request that never returns leaves the connection in an unknown state: drop it, so the
    // pool opens a fresh one next time.
    this.fail(
      smbError(
        'ETIMEDOUT',
        [],
        `The SMB server ${this.where} did not answer ${commandName(p.command)} within ${p.timeoutMs} ms (ETIMEDOUT); the connection was closed. Retry, or raise the timeout for slow servers.`,
      ),
    );
  }

  private onData(d: Buffer): void {
    let messages: Buffer[];
    try {
      messages = this.reader.push(d);
    } catch (e) {
      this.fail(this.malformed('frame', e));
      return;
    }
    for (const m of messages) {
      try {
        this.onMessage(m);
      } catch (e) {
        this.fail(this.malformed('message', e));
        return;
      }
    }
  }

  /** A frame or message that cannot be read: every request on the connection fails with EPROTO. */
  private malformed(what: string, e: unknown): Error {
    const detail = e instanceof Malformed ? `${e.field} ${e.detail}` : (e as Error).message;
    return smbError(
      'EPROTO',
      [],
      capitalise(
        `the SMB server ${this.where} sent a malformed ${what} (EPROTO): ${detail}; the connection was closed and the next request reconnects. ` +
          'Retry, and if it repeats, check the server (or a device between it and this machine).',
      ),
      e,
    );
  }

  private onMessage(m: Buffer): void {
    let plain = m;
    let wasEncrypted = false;
    if (m.length < 4) throw new Malformed('the message', `is ${m.length} byte(s) long, too short for a protocol id`);
    const magic = m.readUInt32LE(0);
    if (magic === TRANSFORM_MAGIC) {
      if (!this.keys || !this.cipher) throw new Error('encrypted message before keys were set up');
      plain = decryptMessage(this.cipher, this.keys.decryptionKey, m);
      wasEncrypted = true;
    } else if (magic !== SMB2_MAGIC) {
      throw new Error(`unknown protocol id 0x${magic.toString(16)}`);
    }
    // A response may be a compound chain; we never send compounds, but read them anyway.
    for (let at = 0; at < plain.length; ) {
      const header = decodeHeader(plain.subarray(at));
      const next = header.nextCommand;
      if (next && (next < HEADER_SIZE || next % 8 !== 0 || at + next >= plain.length)) {
        throw new Malformed('NextCommand', `(${next}) does not point at a further 8-byte-aligned message within the ${plain.length}-byte response`);
      }
      const end = next ? at + next : plain.length;
      const raw = plain.subarray(at, end);
      this.onResponse(header, raw, wasEncrypted);
      if (!header.nextCommand) break;
      at = end;
    }
  }

  private onResponse(header: Smb2Header, raw: Buffer, wasEncrypted: boolean): void {
    this.grant(header.credits);
    if (header.messageId === 0xffffffffffffffffn) return; // oplock/lease break notification: we take none
    const p = this.pending.get(header.messageId);
    if (!p) return;
    if (header.status === STATUS.STATUS_PENDING && header.flags & FLAG_ASYNC) {
      // Interim answer: the final one follows with the same MessageId. Give it time again.
      clearTimeout(p.timer);
      p.timer = setTimeout(() => this.onTimeout(header.messageId), p.timeoutMs * 4);
      return;
    }
    if (!wasEncrypted && this.keys && header.sessionId === this.sessionId) {
      // On a signed session every final response must be signed (MS-SMB2 3.2.5.1.3); only a
      // server that lost the session cannot sign its answer. An unsigned response otherwise
      // could be a forgery with the signature stripped.
      const unsigned = !(header.flags & FLAG_SIGNED);
      const sessionGone = header.status === STATUS.STATUS_USER_SESSION_DELETED || header.status === STATUS.STATUS_NETWORK_SESSION_EXPIRED;
      if ((unsigned && this.signingRequired && !sessionGone) || (!unsigned && !verifySignature(this.dialect, this.keys.signingKey, raw))) {
        clearTimeout(p.timer);
        this.pending.delete(header.messageId);
        p.reject(
          smbError('EBADMSG', [], `The server's ${commandName(header.command)} response from ${this.where} was ${header.flags & FLAG_SIGNED ? 'signed with the wrong key' : 'not signed on a signed session'} (EBADMSG); the connection may be tampered with or the session keys disagree.`),
        );
        return;
      }
    }
    clearTimeout(p.timer);
    this.pending.delete(header.messageId);
    this.log.push({ command: commandName(header.command), status: header.status.toString(16) });
    if (this.log.length > 1000) this.log.splice(0, 500);
    p.resolve({ header, body: Buffer.from(raw.subarray(HEADER_SIZE)), raw: Buffer.from(raw) });
  }
}
