// One TCP connection to an SMB2 server: framing, message ids and credits, the table of
// outstanding requests, STATUS_PENDING interim answers, signing and encryption of requests,
// verification and decryption of responses, deadlines, cancellation and dropped connections.
//
// Requests may be outstanding concurrently; each waits for enough credits first. One session
// per connection (the pool keys connections by user@host:port/share), so the keys live here.
//
// Deadlines (MS-SMB2 3.2.6.1 lets the client choose them; 3.2.5.1.5 says an interim response
// SHOULD extend the request's timer): a request must be answered, finally or with an interim
// STATUS_PENDING, within `timeoutMs` of being sent. The first interim response moves the
// deadline to `maxWaitMs` after sending, and no later: further interim responses extend
// nothing, so a server that only ever answers STATUS_PENDING is given up on at `maxWaitMs`.
// A missed deadline closes the connection (ETIMEDOUT; the pool opens a fresh one next time).
//
// Cancellation: a request sent while the engine operation is running is abandoned as soon as
// the operation is cancelled (its OpContext, polled while the request waits) or its
// AbortSignal fires: it rejects with E_CANCELLED and an SMB2 CANCEL goes to the server
// (MS-SMB2 3.2.4.24; async form once an interim response gave an AsyncId). Requests sent after
// the cancel (the operation's clean-up: CLOSE, delete-on-close) are not cancelled; the
// deadline bounds them.
//
// Bulk transfers give way: the server answers one connection in order, so a request sent behind
// a read's outstanding READs waits for all their data first. While foreground requests (a
// listing, a stat: any but BACKGROUND_COMMANDS) are outstanding or were answered within
// FOREGROUND_HOLD_MS, the client's read and write pipelines keep little in flight (client.ts).
// (Over 400 lines on purpose: credits, the outstanding-request table, interim answers,
// deadlines and cancel all change the same per-request state; split apart they would share it
// through a wider interface than the one this file keeps.)

import { Socket, connect as tcpConnect } from 'node:net';
import type { Smb3Cipher } from './crypto';
import type { OpContext } from '../../../backend';
import { FsctlError } from '../../../errors';
import { Malformed, capitalise, contextNow, operationNow, smbError } from './errors';
import { FrameReader, NotSmb, frame } from './framing';
import {
  Command,
  FLAG_ASYNC,
  FLAG_SERVER_TO_REDIR,
  FLAG_SIGNED,
  HEADER_SIZE,
  SMB2_MAGIC,
  TRANSFORM_MAGIC,
  commandName,
  decodeHeader,
  encodeHeader,
  type Smb2Header,
} from './header';
import { signInPlace, verifySignature, type SessionKeys, type SigningAlgorithm } from './signing';
import { STATUS } from '../../../nt/codec/ntstatus';
import { hostPort } from './uri';
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
  /** Time for the first answer (final or interim); default: the connection's timeoutMs. */
  timeoutMs?: number;
  /** Time for the final answer once the server sent an interim one; default: the connection's maxWaitMs. */
  maxWaitMs?: number;
  /** Cancels the request while it waits (in addition to the engine operation's cancellation). */
  signal?: AbortSignal;
  /** Names the request in errors: 'IOCTL 0x000940cf'; default the command. */
  label?: string;
  /** Called with the raw request bytes before signing (pre-authentication hash). */
  onRaw?: (raw: Buffer) => void;
}

interface Pending {
  command: number;
  label: string;
  resolve(r: Smb2Response): void;
  reject(e: unknown): void;
  timer: NodeJS.Timeout;
  sentAt: number;
  timeoutMs: number;
  maxWaitMs: number;
  /** Interim (STATUS_PENDING) responses received so far. */
  interims: number;
  /** From the first interim response: the id SMB2 CANCEL names the request by. */
  asyncId?: bigint;
  treeId: number;
  encrypted: boolean;
  /** The operation's context, polled while the request waits. */
  ctx?: OpContext;
  /** Stops listening to the AbortSignal. */
  unlisten?: () => void;
}

/**
 * How long after its last foreground request (any but BACKGROUND_COMMANDS) a connection still
 * counts as in foreground use: the requests of a listing or of the Explorer's stats follow one another with
 * short gaps, and a bulk pipeline that filled its window in a gap would put its data ahead of
 * the next one again.
 */
const FOREGROUND_HOLD_MS = 1000;

/**
 * Requests that are bulk data (READ, WRITE), the server's own work (IOCTL: copychunk, clones,
 * allocated ranges; FLUSH) or wait for an event (CHANGE_NOTIFY), not someone looking: a paste's
 * copychunk must not hold a read down to two requests for its whole length.
 */
const BACKGROUND_COMMANDS: ReadonlySet<number> = new Set([
  Command.READ,
  Command.WRITE,
  Command.IOCTL,
  Command.FLUSH,
  Command.CHANGE_NOTIFY,
  Command.CANCEL,
]);

/** How often a waiting request looks at its operation's cancellation flag. */
const CANCEL_POLL_MS = 50;

function seconds(ms: number): string {
  return ms >= 1000 ? `${+(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`;
}

export class SmbConnection {
  readonly host: string;
  readonly port: number;
  private socket!: Socket;
  private reader = new FrameReader();
  private pending = new Map<bigint, Pending>();
  private nextMessageId = 0n;
  private credits = 1;
  /**
   * Requests that took their credits but are not in `pending` yet (send() resumes after an
   * await): they will return credits too, so a request waiting for credits must count them.
   */
  private reserved = 0;
  private creditWaiters: Array<() => void> = [];
  private closedError: Error | undefined;
  /**
   * The error of a request made after the connection was lost, by its name: not the first lost
   * request's (a read's next READ failed "while CHANGE_NOTIFY was in flight", the Explorer's watch).
   */
  private lateError: ((label: string) => Error) | undefined;

  dialect = 0x0202;
  supportsMultiCredit = false;
  sessionId = 0n;
  keys: SessionKeys | undefined;
  signingRequired = false;
  /** HMAC-SHA256 (2.x), AES-CMAC (3.x), or what 3.1.1 negotiated (AES-GMAC). */
  signingAlgorithm: SigningAlgorithm = 'hmac-sha256';
  cipher: Smb3Cipher | undefined;
  /** Encrypt every request of this session (SessionFlags ENCRYPT_DATA). */
  encryptSession = false;
  defaultTimeoutMs: number;
  /** The longest a request may wait for its final response after an interim one (never below the timeout). */
  maxWaitMs: number;
  /** Commands sent, for diagnostics and tests. */
  readonly log: Array<{ command: string; status: string }> = [];
  /** SMB2 CANCEL requests sent (tests read this). */
  readonly cancelsSent: Array<{ messageId: bigint; asyncId?: bigint }> = [];
  onClose: (() => void) | undefined;
  /** Foreground requests (any but BACKGROUND_COMMANDS) sent or waiting for credits, not answered yet. */
  private foregroundPending = 0;
  /** When the last of them was sent or answered (performance.now(): a clock that never steps back). */
  private foregroundAt = -Infinity;
  /** How many of them were ever sent (a pipeline compares it with the count when it began). */
  private foregroundSent = 0;
  private cancelPoll: NodeJS.Timeout | undefined;

  private constructor(host: string, port: number, timeoutMs: number, maxWaitMs?: number) {
    this.host = host;
    this.port = port;
    this.defaultTimeoutMs = timeoutMs;
    this.maxWaitMs = Math.max(timeoutMs, maxWaitMs ?? 4 * timeoutMs);
  }

  get where(): string {
    return hostPort(this.host, this.port);
  }

  get closed(): boolean {
    return this.closedError !== undefined;
  }

  static open(host: string, port: number, timeoutMs: number, maxWaitMs?: number): Promise<SmbConnection> {
    const c = new SmbConnection(host, port, timeoutMs, maxWaitMs);
    return new Promise((resolve, reject) => {
      // Socket data lands where the frame reader says: straight into a large message's own
      // buffer (libuv reads up to the rest of it per call), else into a scratch buffer. No
      // 64 KiB pieces allocated per 'data' event and copied again.
      const sock = tcpConnect({
        host,
        port,
        onread: {
          buffer: () => c.reader.target(),
          callback: (n: number, buf: Uint8Array) => {
            c.onData(buf, n);
            return true;
          },
        },
      });
      c.socket = sock;
      sock.setNoDelay(true);
      const timer = setTimeout(() => {
        sock.destroy();
        reject(
          smbError(
            'ETIMEDOUT',
            [],
            `Connecting to the SMB server ${hostPort(host, port)} timed out (ETIMEDOUT) after ${timeoutMs} ms; check the host, the port and any firewall.`,
          ),
        );
      }, timeoutMs);
      let connected = false;
      sock.once('connect', () => {
        connected = true;
        clearTimeout(timer);
        // 'close' without an 'error' before it: the server ended the connection (FIN).
        const closed = (about?: Pending | string): Error => c.dropError('ECONNRESET', undefined, true, about);
        sock.on('close', () => c.fail(closed(), closed));
        resolve(c);
      });
      sock.on('error', (e: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        const code = e.code ?? 'ECONNRESET';
        const err =
          code === 'ECONNREFUSED'
            ? smbError(
                code,
                [],
                `Nothing accepts SMB connections at ${hostPort(host, port)} (ECONNREFUSED); check the host and port, and that the server runs.`,
                e,
              )
            : code === 'ENOTFOUND' || code === 'EAI_AGAIN'
              ? smbError(code, [], `The host name ${host} could not be resolved (${code}); check the smb:// URI.`, e)
              : c.dropError(code, e);
        if (!connected) reject(err);
        const dropped = code !== 'ECONNREFUSED' && code !== 'ENOTFOUND' && code !== 'EAI_AGAIN';
        c.fail(err, dropped ? (about) => c.dropError(code, e, false, about) : undefined);
      });
    });
  }

  /**
   * A connection lost under the client: says how (the server closed it, or it was reset or
   * broken), which request it took with it (`about`: the request this error is for; each pending
   * one is told of its own, so a copy's WRITE does not read as the Explorer's CHANGE_NOTIFY, as
   * a trial's did; a string: the name of a request made after the loss, which never left), and
   * that the next request reconnects.
   */
  private dropError(code: string, cause?: unknown, serverClosed = false, about?: Pending | string): Error {
    const how = serverClosed
      ? 'the server closed the connection'
      : code === 'ECONNRESET'
        ? 'the connection was reset'
        : code === 'EPIPE'
          ? 'the server closed the connection before a request could be written'
          : `the socket failed`;
    const first = typeof about === 'string' ? undefined : (about ?? [...this.pending.values()][0]);
    const inFlight =
      typeof about === 'string'
        ? ` before ${about} could be sent`
        : first
          ? ` while ${first.label} was in flight${this.pending.size > 1 ? ` (and ${this.pending.size - 1} more request(s))` : ''}`
          : '';
    return smbError(
      code,
      [],
      `The connection to the SMB server ${this.where} was dropped: ${how} (${code})${inFlight}; the server may have stopped, restarted or been unreachable. ` +
        'The operation failed; run it again: the next request reconnects and signs in again. If it keeps failing, check that the server is running and reachable.',
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

  /**
   * Fail every pending request with `e`, or with `each(p)`: an error of its own, said before they
   * are let go; a request made later is told with `each(its name)` (closedFor).
   */
  private fail(e: Error, each?: (about: Pending | string) => Error): void {
    if (!this.closedError) {
      this.closedError = e;
      this.lateError = each;
      this.socket.destroy();
      this.onClose?.();
    }
    const all = [...this.pending.values()].map((p) => [p, each ? each(p) : e] as const);
    this.pending.clear();
    for (const [p, err] of all) {
      this.settle(p);
      p.reject(err);
    }
    this.updateCancelPoll();
    for (const w of this.creditWaiters.splice(0)) w();
  }

  /** Stop the request's timer and cancellation watch (it has left `pending` already). */
  private settle(p: Pending): void {
    clearTimeout(p.timer);
    p.unlisten?.();
  }

  /**
   * Whether requests other than bulk data are outstanding on this connection, or one sent since
   * `count` (foregroundCount, taken when a pipeline began: not its own CREATE) was answered a
   * moment ago (FOREGROUND_HOLD_MS): read and write pipelines then keep little in flight, so
   * those requests are not answered only after megabytes of READ data.
   */
  foregroundSince(count: number): boolean {
    return this.foregroundPending > 0 || (this.foregroundSent > count && performance.now() - this.foregroundAt < FOREGROUND_HOLD_MS);
  }

  /**
   * Whether a request is in flight or waiting for credits, other than a watch's CHANGE_NOTIFY
   * (which waits for as long as nothing changes): closing the connection now would fail it.
   */
  get inUse(): boolean {
    return this.reserved > 0 || [...this.pending.values()].some((p) => p.command !== Command.CHANGE_NOTIFY);
  }

  /** The count foregroundSince compares with: requests other than bulk data sent so far. */
  get foregroundCount(): number {
    return this.foregroundSent;
  }

  /** Credits in hand; large READ/WRITE requests size themselves to these (64 KiB each). */
  get availableCredits(): number {
    return this.credits;
  }

  /** Why a request named `label` cannot be sent: the connection is lost (closedError, told for it). */
  private closedFor(label: string): Error {
    return this.lateError?.(label) ?? this.closedError!;
  }

  private async takeCredits(charge: number, label: string): Promise<bigint> {
    while (this.credits < charge) {
      if (this.closedError) throw this.closedFor(label);
      if (this.pending.size === 0 && this.reserved === 0) {
        // Nothing outstanding can grant more: waiting would hang. Say so instead.
        throw smbError(
          'EPROTO',
          [],
          `The SMB server ${this.where} granted ${this.credits} credit(s) but the request needs ${charge} (EPROTO); use smaller requests or check the server's credit settings.`,
        );
      }
      await new Promise<void>((r) => this.creditWaiters.push(r));
    }
    if (this.closedError) throw this.closedFor(label);
    this.credits -= charge;
    this.reserved++;
    const id = this.nextMessageId;
    this.nextMessageId += BigInt(charge);
    return id;
  }

  private grant(n: number): void {
    if (n <= 0) return;
    this.credits += n;
    for (const w of this.creditWaiters.splice(0)) w();
  }

  /** Sign or encrypt a request as the session requires; returns the bytes for the wire. */
  private seal(command: Command, msg: Buffer, encryptRequested: boolean): { wire: Buffer; encrypted: boolean } {
    const handshake = command === Command.SESSION_SETUP || command === Command.NEGOTIATE;
    const encrypt = !!this.keys && !!this.cipher && (this.encryptSession || encryptRequested) && !handshake;
    if (encrypt) return { wire: encryptMessage(this.cipher!, this.keys!.encryptionKey, this.sessionId, msg), encrypted: true };
    // SMB 3.1.1 always signs TREE_CONNECT (it replaces 3.0's validate-negotiate protection).
    const sign = this.signingRequired || (this.dialect === 0x0311 && command === Command.TREE_CONNECT);
    if (this.keys && sign && !handshake) {
      msg.writeUInt32LE(msg.readUInt32LE(16) | FLAG_SIGNED, 16);
      signInPlace(this.signingAlgorithm, this.keys.signingKey, msg);
    }
    return { wire: msg, encrypted: false };
  }

  /** Send one request and wait for its final response (any status; callers decide). */
  async send(command: Command, body: Buffer, opts: SendOptions = {}): Promise<Smb2Response> {
    if (this.closedError) throw this.closedFor(opts.label ?? commandName(command));
    // The operation's cancellation applies to requests sent before it was cancelled; the
    // clean-up an operation sends after a cancel must still reach the server.
    let ctx = contextNow();
    if (ctx && isCancelledNow(ctx)) ctx = undefined;
    if (opts.signal?.aborted) throw this.cancelled(commandName(command), false);
    const charge = this.supportsMultiCredit ? Math.max(1, Math.ceil((opts.payloadSize ?? 0) / 65536)) : 1;
    const foreground = !BACKGROUND_COMMANDS.has(command);
    if (foreground) {
      this.foregroundPending++;
      this.foregroundSent++;
      this.foregroundAt = performance.now();
    }
    try {
      const messageId = await this.takeCredits(charge, opts.label ?? commandName(command));
      let answer: Promise<Smb2Response>;
      try {
        answer = this.sendNow(command, body, opts, ctx, charge, messageId);
      } finally {
        this.reserved--; // in `pending` now, or failed before it was sent
      }
      return await answer;
    } finally {
      if (foreground) {
        this.foregroundPending--;
        this.foregroundAt = performance.now();
      }
    }
  }

  private sendNow(
    command: Command,
    body: Buffer,
    opts: SendOptions,
    ctx: OpContext | undefined,
    charge: number,
    messageId: bigint,
  ): Promise<Smb2Response> {
    if (this.closedError) throw this.closedFor(opts.label ?? commandName(command)); // dropped while this request waited for its turn
    // Ask for enough credits to keep large reads/writes and a few requests in flight.
    const creditRequest = Math.max(charge, this.credits < 256 ? 256 : charge);
    const treeId = opts.treeId ?? 0;
    const header = encodeHeader({
      command,
      creditCharge: this.dialect >= 0x0210 ? charge : 0,
      creditRequest,
      flags: 0,
      messageId,
      treeId,
      sessionId: this.sessionId,
    });
    const msg = Buffer.concat([header, body]);
    opts.onRaw?.(msg);
    const { wire, encrypted } = this.seal(command, msg, !!opts.encrypt);
    const timeoutMs = opts.timeoutMs ?? this.defaultTimeoutMs;
    const maxWaitMs = Math.max(timeoutMs, opts.maxWaitMs ?? (opts.timeoutMs !== undefined ? timeoutMs : this.maxWaitMs));
    return new Promise<Smb2Response>((resolve, reject) => {
      const p: Pending = {
        command,
        label: opts.label ?? commandName(command),
        resolve,
        reject,
        sentAt: Date.now(),
        timeoutMs,
        maxWaitMs,
        interims: 0,
        treeId,
        encrypted,
        ctx,
        timer: setTimeout(() => this.onTimeout(messageId), timeoutMs),
      };
      const signal = opts.signal;
      if (signal) {
        const onAbort = (): void => this.cancelRequest(messageId, this.cancelled(p.label, true));
        signal.addEventListener('abort', onAbort, { once: true });
        p.unlisten = () => signal.removeEventListener('abort', onAbort);
      }
      this.pending.set(messageId, p);
      this.updateCancelPoll();
      this.socket.write(frame(wire));
    });
  }

  private cancelled(label: string, sent: boolean): FsctlError {
    const op = operationNow();
    return smbError(
      'E_CANCELLED',
      [],
      sent
        ? `${op} was cancelled (E_CANCELLED) while ${label} waited for the SMB server ${this.where}; an SMB2 CANCEL asked the server to stop it.`
        : `${op} was cancelled (E_CANCELLED) before ${label} was sent to the SMB server ${this.where}.`,
      undefined,
      `SMB2 ${label}`,
    );
  }

  /** Poll the operations' cancellation flags while requests that carry one wait. */
  private updateCancelPoll(): void {
    const watching = [...this.pending.values()].some((p) => p.ctx);
    if (watching && !this.cancelPoll) {
      this.cancelPoll = setInterval(() => this.pollCancellation(), CANCEL_POLL_MS);
    } else if (!watching && this.cancelPoll) {
      clearInterval(this.cancelPoll);
      this.cancelPoll = undefined;
    }
  }

  private pollCancellation(): void {
    for (const [id, p] of [...this.pending]) {
      if (!p.ctx) continue;
      try {
        p.ctx.checkCancelled();
      } catch (e) {
        this.cancelRequest(id, e);
      }
    }
    this.updateCancelPoll();
  }

  /**
   * Give up on a waiting request: reject it with `error` and ask the server to cancel it
   * (SMB2 CANCEL is one-way: it takes no credits and gets no answer of its own; the request's
   * own final response, usually STATUS_CANCELLED, is then ignored).
   */
  private cancelRequest(id: bigint, error: unknown): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    this.settle(p);
    this.updateCancelPoll();
    p.reject(error);
    if (this.closedError) return;
    try {
      const h = encodeHeader({
        command: Command.CANCEL,
        creditCharge: 0,
        creditRequest: 0,
        flags: 0,
        messageId: id,
        treeId: p.treeId,
        sessionId: this.sessionId,
      });
      if (p.asyncId !== undefined) {
        // The async form names the request by its AsyncId (in place of ProcessId + TreeId).
        h.writeUInt32LE(FLAG_ASYNC, 16);
        h.writeBigUInt64LE(p.asyncId, 32);
      }
      const msg = Buffer.concat([h, Buffer.from([4, 0, 0, 0])]);
      this.socket.write(frame(this.seal(Command.CANCEL, msg, p.encrypted).wire));
      this.cancelsSent.push({ messageId: id, asyncId: p.asyncId });
      if (this.cancelsSent.length > 100) this.cancelsSent.splice(0, 50);
    } catch {
      // Best effort: the request is abandoned either way.
    }
  }

  private onTimeout(id: bigint): void {
    const p = this.pending.get(id);
    if (!p) return;
    const waited = Date.now() - p.sentAt;
    // A request that never returns leaves the connection in an unknown state: drop it, so the
    // pool opens a fresh one next time.
    const message =
      p.interims > 0
        ? `The SMB server ${this.where} answered ${p.label} only with STATUS_PENDING (${p.interims} interim response(s)) and sent no final response within ${seconds(waited)} (ETIMEDOUT); the connection was closed and the next request reconnects. The server may be stuck or overloaded: retry later, or raise EXTENT_LENS_SMB_MAX_WAIT_MS (now ${p.maxWaitMs} ms) if it is only slow.`
        : `The SMB server ${this.where} did not answer ${p.label} within ${seconds(waited)} (ETIMEDOUT); the connection was closed and the next request reconnects. Retry, or raise EXTENT_LENS_SMB_TIMEOUT_MS (now ${p.timeoutMs} ms) for a slow server.`;
    this.fail(smbError('ETIMEDOUT', [], message, undefined, `SMB2 ${commandName(p.command)}`));
  }

  private onData(buf: Uint8Array, n: number): void {
    let messages: Buffer[];
    try {
      messages = this.reader.arrived(buf, n);
    } catch (e) {
      this.fail(this.malformed('frame', e));
      return;
    }
    for (const m of messages) {
      try {
        this.onMessage(m);
      } catch (e) {
        this.fail(e instanceof Undecryptable ? this.undecryptable(e) : this.malformed('message', e));
        return;
      }
    }
  }

  /** An encrypted message whose AEAD tag did not verify: tampering or disagreeing keys, like a bad signature. */
  private undecryptable(e: Undecryptable): Error {
    return smbError(
      'EBADMSG',
      [],
      `An encrypted message from the SMB server ${this.where} did not decrypt with the session's key (EBADMSG); the connection may be tampered with or the session keys disagree. The connection was closed; retry, and check the network path if it repeats.`,
      e.cause,
    );
  }

  /** A frame or message that cannot be read: every request on the connection fails with EPROTO. */
  private malformed(what: string, e: unknown): Error {
    if (e instanceof NotSmb)
      // (a trial: an address whose port a proxy answered read "sent a malformed frame … Retry")
      return smbError(
        'EPROTO',
        [],
        `${this.where} answered with the text "${e.start}…", not SMB (EPROTO): what listens there is another service (a web server or proxy for "HTTP", SSH for "SSH-"), not an SMB server; check the host and the port (SMB's is 445).`,
        e,
      );
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
      if (!this.keys || !this.cipher) throw new Malformed('an encrypted (TRANSFORM) message', 'arrived before the session had keys');
      try {
        plain = decryptMessage(this.cipher, this.keys.decryptionKey, m);
      } catch (e) {
        if (e instanceof Malformed) throw e;
        throw new Undecryptable(e);
      }
      wasEncrypted = true;
    } else if (magic !== SMB2_MAGIC) {
      throw new Malformed('ProtocolId', `is 0x${magic.toString(16)}, neither 0xFE 'SMB' nor 0xFD 'SMB' (TRANSFORM)`);
    }
    // A response may be a compound chain; we never send compounds, but read them anyway.
    for (let at = 0; at < plain.length;) {
      const header = decodeHeader(plain.subarray(at));
      const next = header.nextCommand;
      if (next && (next < HEADER_SIZE || next % 8 !== 0 || at + next >= plain.length)) {
        throw new Malformed(
          'NextCommand',
          `(${next}) does not point at a further 8-byte-aligned message within the ${plain.length}-byte response`,
        );
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
    if (!p) return; // an answer to a request given up on (cancelled), or unsolicited
    if (!(header.flags & FLAG_SERVER_TO_REDIR) || header.command !== p.command) {
      this.pending.delete(header.messageId);
      this.settle(p);
      this.updateCancelPoll();
      p.reject(
        smbError(
          'EPROTO',
          [],
          `The SMB server ${this.where} answered ${p.label} with ${header.flags & FLAG_SERVER_TO_REDIR ? `a ${commandName(header.command)} response` : 'a message that is not a response (SMB2_FLAGS_SERVER_TO_REDIR clear)'} (EPROTO: Command/Flags); the server does not follow SMB2. Retry, and check the server if it repeats.`,
          undefined,
          `SMB2 ${commandName(p.command)}`,
        ),
      );
      return;
    }
    if (header.status === STATUS.STATUS_PENDING && header.flags & FLAG_ASYNC) {
      // Interim answer: the final one follows with the same MessageId. The first one moves the
      // deadline to maxWaitMs after sending (never further, however many follow).
      p.interims++;
      p.asyncId = header.asyncId;
      if (p.interims === 1) {
        clearTimeout(p.timer);
        p.timer = setTimeout(() => this.onTimeout(header.messageId), Math.max(0, p.sentAt + p.maxWaitMs - Date.now()));
      }
      return;
    }
    if (!wasEncrypted && this.keys && header.sessionId === this.sessionId) {
      // On a signed session every final response must be signed (MS-SMB2 3.2.5.1.3); only a
      // server that lost the session cannot sign its answer. An unsigned response otherwise
      // could be a forgery with the signature stripped.
      const unsigned = !(header.flags & FLAG_SIGNED);
      const sessionGone = header.status === STATUS.STATUS_USER_SESSION_DELETED || header.status === STATUS.STATUS_NETWORK_SESSION_EXPIRED;
      if (
        (unsigned && this.signingRequired && !sessionGone) ||
        (!unsigned && !verifySignature(this.signingAlgorithm, this.keys.signingKey, raw))
      ) {
        this.pending.delete(header.messageId);
        this.settle(p);
        this.updateCancelPoll();
        p.reject(
          smbError(
            'EBADMSG',
            [],
            `The server's ${commandName(header.command)} response from ${this.where} was ${header.flags & FLAG_SIGNED ? 'signed with the wrong key' : 'not signed on a signed session'} (EBADMSG); the connection may be tampered with or the session keys disagree.`,
          ),
        );
        return;
      }
    }
    this.pending.delete(header.messageId);
    this.settle(p);
    this.updateCancelPoll();
    this.log.push({ command: commandName(header.command), status: header.status.toString(16) });
    if (this.log.length > 1000) this.log.splice(0, 500);
    // No copies: `raw` is a view of a buffer the frame reader (or the decryption) made for this
    // message alone, and nothing writes to it; a 1 MiB READ is not copied twice more here.
    p.resolve({ header, body: raw.subarray(HEADER_SIZE), raw });
  }
}

/** A TRANSFORM message whose authentication failed (reported as EBADMSG, not EPROTO). */
class Undecryptable extends Error {
  constructor(cause: unknown) {
    super('the encrypted message did not authenticate', { cause });
  }
}

function isCancelledNow(ctx: OpContext): boolean {
  try {
    ctx.checkCancelled();
    return false;
  } catch {
    return true;
  }
}
