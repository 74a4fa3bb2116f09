// A hostile SMB2 server for tests: a small TCP server on 127.0.0.1 (a free port) that speaks
// just enough SMB2 to get a client through NEGOTIATE (2.1 or 3.1.1), SESSION_SETUP (an NTLM
// CHALLENGE in SPNEGO, then success without checking anything), TREE_CONNECT and the file
// commands a transport sends, and lets each test replace any answer with a crafted one: a
// StructureSize lie, an offset past the end, STATUS_PENDING forever.
//
// No signing or encryption: tests connect with `sign: false` (a server that does not require
// signing lets the client send and accept unsigned messages). The server stops itself after
// `lifetimeMs` even if a test forgets to, and every interval it runs dies with its socket.

import { Server, Socket, createServer } from 'node:net';
import { negTokenResp } from '../../src/engine/backends/smb/protocol/spnego';

export const Cmd = {
  NEGOTIATE: 0,
  SESSION_SETUP: 1,
  LOGOFF: 2,
  TREE_CONNECT: 3,
  TREE_DISCONNECT: 4,
  CREATE: 5,
  CLOSE: 6,
  FLUSH: 7,
  READ: 8,
  WRITE: 9,
  IOCTL: 11,
  CANCEL: 12,
  QUERY_DIRECTORY: 14,
  QUERY_INFO: 16,
  SET_INFO: 17,
} as const;

export const St = {
  SUCCESS: 0,
  PENDING: 0x00000103,
  MORE_PROCESSING_REQUIRED: 0xc0000016,
  NOT_SUPPORTED: 0xc00000bb,
  NO_MORE_FILES: 0x80000006,
} as const;

const FLAG_SERVER_TO_REDIR = 0x1;
const FLAG_ASYNC = 0x2;
export const SESSION_ID = 0x0000_1122_3344_5566n;
export const TREE_ID = 7;

export interface SmbRequest {
  command: number;
  messageId: bigint;
  flags: number;
  /** Set when the request uses the async header form (an SMB2 CANCEL of an async request). */
  asyncId?: bigint;
  treeId: number;
  sessionId: bigint;
  body: Buffer;
  /** When it arrived (Date.now()). */
  at: number;
}

export interface Reply {
  status?: number;
  /** The body after the 64-byte header; default the 9-byte error response. */
  body?: Buffer;
  /** Command in the response header; default the request's. */
  command?: number;
  /** Async form with this AsyncId (interim responses). */
  asyncId?: bigint;
  credits?: number;
  /** Send these bytes as the whole message instead (still framed). */
  raw?: Buffer;
}

export interface HostileConn {
  /** Answer `req` with STATUS_PENDING interim responses every `everyMs`, never finally. */
  pendForever(req: SmbRequest, everyMs?: number): void;
  send(req: SmbRequest, r: Reply): void;
}

export interface HostileOptions {
  /** Dialect the server picks: 0x0210 (default) or 0x0311 (with negotiate contexts). */
  dialect?: number;
  /** Replies for a request, or undefined for the default answer. */
  on?: (req: SmbRequest, conn: HostileConn) => Reply[] | undefined;
  /** Stop by itself after this long (default 20 s). */
  lifetimeMs?: number;
}

export interface HostileServer {
  port: number;
  /** Every request received, in order. */
  requests: SmbRequest[];
  stop(): Promise<void>;
}

export const errorBody = (): Buffer => Buffer.from([9, 0, 0, 0, 0, 0, 0, 0, 0]);

/**
 * NEGOTIATE Response body. For 3.1.1: a preauth-integrity context (14 bytes, padded to 16) at
 * body offset 64, then an encryption-capabilities context (AES-128-GCM) at body offset 80.
 */
export function negotiateBody(dialect: number): Buffer {
  const fixed = Buffer.alloc(64);
  fixed.writeUInt16LE(65, 0);
  fixed.writeUInt16LE(1, 2); // SecurityMode: signing enabled, not required
  fixed.writeUInt16LE(dialect, 4);
  Buffer.from('hostile-server!!').copy(fixed, 8); // ServerGuid
  fixed.writeUInt32LE(0x4, 24); // Capabilities: LARGE_MTU
  fixed.writeUInt32LE(1 << 20, 28);
  fixed.writeUInt32LE(1 << 20, 32);
  fixed.writeUInt32LE(1 << 20, 36);
  fixed.writeUInt16LE(128, 56); // SecurityBufferOffset
  fixed.writeUInt16LE(0, 58); // SecurityBufferLength
  if (dialect !== 0x0311) return fixed;
  fixed.writeUInt16LE(2, 6); // NegotiateContextCount
  fixed.writeUInt32LE(128, 60); // NegotiateContextOffset (header-relative)
  const preauth = Buffer.alloc(16);
  preauth.writeUInt16LE(1, 0); // SMB2_PREAUTH_INTEGRITY_CAPABILITIES
  preauth.writeUInt16LE(6, 2);
  preauth.writeUInt16LE(1, 8); // HashAlgorithmCount
  preauth.writeUInt16LE(0, 10); // SaltLength
  preauth.writeUInt16LE(1, 12); // SHA-512
  const enc = Buffer.alloc(12);
  enc.writeUInt16LE(2, 0); // SMB2_ENCRYPTION_CAPABILITIES
  enc.writeUInt16LE(4, 2);
  enc.writeUInt16LE(1, 8); // CipherCount
  enc.writeUInt16LE(2, 10); // AES-128-GCM
  return Buffer.concat([fixed, preauth, enc]);
}

/** An NTLMSSP CHALLENGE message with an empty target name and MsvAvEOL target info. */
export function ntlmChallenge(): Buffer {
  const b = Buffer.alloc(60);
  Buffer.from('NTLMSSP\0', 'latin1').copy(b, 0);
  b.writeUInt32LE(2, 8);
  b.writeUInt32LE(56, 16); // TargetNameFields: len 0, offset 56
  b.writeUInt32LE(0xe28a8215, 20); // NegotiateFlags
  Buffer.from('0123456789abcdef', 'hex').copy(b, 24); // ServerChallenge
  b.writeUInt16LE(4, 40); // TargetInfoFields: len 4
  b.writeUInt16LE(4, 42);
  b.writeUInt32LE(56, 44); // offset 56: MsvAvEOL (4 zero bytes)
  return b;
}

/** SESSION_SETUP Response body carrying `token` right after the 8-byte fixed part. */
export function sessionSetupBody(token: Buffer, flags = 0): Buffer {
  const b = Buffer.alloc(8);
  b.writeUInt16LE(9, 0);
  b.writeUInt16LE(flags, 2);
  b.writeUInt16LE(token.length ? 64 + 8 : 0, 4);
  b.writeUInt16LE(token.length, 6);
  return Buffer.concat([b, token]);
}

/** The first SESSION_SETUP answer's SPNEGO token: NegTokenResp with the NTLM CHALLENGE. */
export function challengeToken(): Buffer {
  return negTokenResp(ntlmChallenge());
}

export const FILE_ID = Buffer.from('00112233445566778899aabbccddeeff', 'hex');

export function createBody(endOfFile = 1n << 20n): Buffer {
  const b = Buffer.alloc(88);
  b.writeUInt16LE(89, 0);
  b.writeUInt32LE(1, 4); // CreateAction: opened
  b.writeBigUInt64LE(endOfFile, 40); // AllocationSize
  b.writeBigUInt64LE(endOfFile, 48); // EndofFile
  b.writeUInt32LE(0x80, 56); // FILE_ATTRIBUTE_NORMAL
  FILE_ID.copy(b, 64);
  return b;
}

/** QUERY_INFO / QUERY_DIRECTORY Response body with `data` right after the 8-byte fixed part. */
export function outputBody(data: Buffer): Buffer {
  const b = Buffer.alloc(8);
  b.writeUInt16LE(9, 0);
  b.writeUInt16LE(64 + 8, 2);
  b.writeUInt32LE(data.length, 4);
  return Buffer.concat([b, data]);
}

/** IOCTL Response body (StructureSize 49) with `output` right after the 48-byte fixed part. */
export function ioctlBody(ctlCode: number, output: Buffer): Buffer {
  const b = Buffer.alloc(48);
  b.writeUInt16LE(49, 0);
  b.writeUInt32LE(ctlCode >>> 0, 4);
  FILE_ID.copy(b, 8);
  b.writeUInt32LE(64 + 48, 24); // InputOffset
  b.writeUInt32LE(64 + 48, 32); // OutputOffset
  b.writeUInt32LE(output.length, 36);
  return Buffer.concat([b, output]);
}

/** READ Response body (StructureSize 17) with `data` at header offset 80. */
export function readBody(data: Buffer): Buffer {
  const b = Buffer.alloc(16);
  b.writeUInt16LE(17, 0);
  b.writeUInt8(64 + 16, 2);
  b.writeUInt32LE(data.length, 4);
  return Buffer.concat([b, data]);
}

/** FILE_DIRECTORY_INFORMATION entries for the names given. */
export function directoryEntries(names: string[]): Buffer {
  const parts = names.map((n, i) => {
    const name = Buffer.from(n, 'utf16le');
    const len = 80 + name.length; // FILE_ID_FULL_DIR_INFORMATION
    const e = Buffer.alloc(len + ((8 - (len % 8)) % 8));
    if (i < names.length - 1) e.writeUInt32LE(e.length, 0);
    e.writeBigUInt64LE(5n, 40);
    e.writeUInt32LE(0x80, 56);
    e.writeUInt32LE(name.length, 60);
    e.writeBigUInt64LE(BigInt(1000 + i), 72); // FileId
    name.copy(e, 80);
    return e;
  });
  return Buffer.concat(parts);
}

function fileInfo(infoType: number, cls: number): Buffer | undefined {
  if (infoType === 1 && cls === 34) {
    const b = Buffer.alloc(56); // FILE_NETWORK_OPEN_INFORMATION
    b.writeBigUInt64LE(1n << 20n, 32);
    b.writeBigUInt64LE(1n << 20n, 40);
    b.writeUInt32LE(0x280, 48); // NORMAL | SPARSE_FILE
    return b;
  }
  if (infoType === 2 && cls === 5) {
    const name = Buffer.from('NTFS', 'utf16le'); // FILE_FS_ATTRIBUTE_INFORMATION
    const b = Buffer.alloc(12);
    b.writeUInt32LE(0x40 | 0x08000000, 0); // SPARSE_FILES | BLOCK_REFCOUNTING
    b.writeUInt32LE(255, 4);
    b.writeUInt32LE(name.length, 8);
    return Buffer.concat([b, name]);
  }
  if (infoType === 2 && cls === 7) {
    const b = Buffer.alloc(32); // FILE_FS_FULL_SIZE_INFORMATION
    b.writeBigUInt64LE(1000n, 0);
    b.writeBigUInt64LE(500n, 8);
    b.writeBigUInt64LE(500n, 16);
    b.writeUInt32LE(8, 24);
    b.writeUInt32LE(512, 28);
    return b;
  }
  if (infoType === 2 && cls === 1) return Buffer.alloc(18); // FILE_FS_VOLUME_INFORMATION
  return undefined;
}

/** The answer a well-behaved (if simple-minded) server gives. */
export function defaultReplies(req: SmbRequest, dialect: number, sessionSetups: number): Reply[] {
  const small = (structureSize: number, size: number) => {
    const b = Buffer.alloc(size);
    b.writeUInt16LE(structureSize, 0);
    return b;
  };
  switch (req.command) {
    case Cmd.NEGOTIATE:
      return [{ body: negotiateBody(dialect) }];
    case Cmd.SESSION_SETUP:
      return sessionSetups === 1
        ? [{ status: St.MORE_PROCESSING_REQUIRED, body: sessionSetupBody(challengeToken()) }]
        : [{ body: sessionSetupBody(Buffer.alloc(0)) }];
    case Cmd.TREE_CONNECT: {
      const b = small(16, 16);
      b.writeUInt8(1, 2); // DISK
      b.writeUInt32LE(0x1f01ff, 12);
      return [{ body: b }];
    }
    case Cmd.TREE_DISCONNECT:
    case Cmd.LOGOFF:
    case Cmd.FLUSH:
      return [{ body: small(4, 4) }];
    case Cmd.CREATE:
      return [{ body: createBody() }];
    case Cmd.CLOSE:
      return [{ body: small(60, 60) }];
    case Cmd.SET_INFO:
      return [{ body: small(2, 2) }];
    case Cmd.WRITE: {
      const b = small(17, 16);
      b.writeUInt32LE(req.body.readUInt32LE(4), 4);
      return [{ body: b }];
    }
    case Cmd.READ:
      return [{ body: readBody(Buffer.alloc(Math.min(req.body.readUInt32LE(4), 4096), 0x5a)) }];
    case Cmd.QUERY_INFO: {
      const data = fileInfo(req.body[2], req.body[3]);
      return data ? [{ body: outputBody(data) }] : [{ status: St.NOT_SUPPORTED }];
    }
    case Cmd.QUERY_DIRECTORY:
      return req.body[3] & 1 ? [{ body: outputBody(directoryEntries(['a.bin', 'b.bin'])) }] : [{ status: St.NO_MORE_FILES }];
    case Cmd.CANCEL:
      return [];
    default:
      return [{ status: St.NOT_SUPPORTED }];
  }
}

function frame(msg: Buffer): Buffer {
  const h = Buffer.alloc(4);
  h.writeUInt32BE(msg.length, 0);
  return Buffer.concat([h, msg]);
}

export async function startHostileServer(opts: HostileOptions = {}): Promise<HostileServer> {
  const dialect = opts.dialect ?? 0x0210;
  const requests: SmbRequest[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((sock) => {
    sockets.add(sock);
    const timers = new Set<NodeJS.Timeout>();
    let sessionSetups = 0;
    let nextAsyncId = 0x100n;
    let buf = Buffer.alloc(0);
    const message = (req: SmbRequest, r: Reply): Buffer => {
      if (r.raw) return r.raw;
      const h = Buffer.alloc(64);
      h.writeUInt32LE(0x424d53fe, 0);
      h.writeUInt16LE(64, 4);
      h.writeUInt32LE(r.status ?? St.SUCCESS, 8);
      h.writeUInt16LE(r.command ?? req.command, 12);
      h.writeUInt16LE(r.credits ?? 64, 14);
      h.writeUInt32LE(FLAG_SERVER_TO_REDIR | (r.asyncId !== undefined ? FLAG_ASYNC : 0), 16);
      h.writeBigUInt64LE(req.messageId, 24);
      if (r.asyncId !== undefined) h.writeBigUInt64LE(r.asyncId, 32);
      else {
        h.writeUInt32LE(0xfeff, 32);
        h.writeUInt32LE(req.command === Cmd.TREE_CONNECT ? TREE_ID : req.treeId, 36);
      }
      h.writeBigUInt64LE(req.command === Cmd.NEGOTIATE ? 0n : SESSION_ID, 40);
      return Buffer.concat([h, r.body ?? errorBody()]);
    };
    const conn: HostileConn = {
      send(req, r) {
        if (!sock.destroyed) sock.write(frame(message(req, r)));
      },
      pendForever(req, everyMs = 200) {
        const asyncId = nextAsyncId++;
        const interim = () => conn.send(req, { status: St.PENDING, asyncId, credits: 1 });
        interim();
        const t = setInterval(interim, everyMs);
        timers.add(t);
      },
    };
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 4) {
        const len = buf.readUInt32BE(0) & 0xffffff;
        if (buf.length < 4 + len) break;
        const m = buf.subarray(4, 4 + len);
        buf = buf.subarray(4 + len);
        if (m.length < 64) continue;
        const flags = m.readUInt32LE(16);
        const req: SmbRequest = {
          command: m.readUInt16LE(12),
          messageId: m.readBigUInt64LE(24),
          flags,
          asyncId: flags & FLAG_ASYNC ? m.readBigUInt64LE(32) : undefined,
          treeId: flags & FLAG_ASYNC ? 0 : m.readUInt32LE(36),
          sessionId: m.readBigUInt64LE(40),
          body: Buffer.from(m.subarray(64)),
          at: Date.now(),
        };
        requests.push(req);
        if (req.command === Cmd.SESSION_SETUP) sessionSetups++;
        const replies = opts.on?.(req, conn) ?? defaultReplies(req, dialect, sessionSetups);
        for (const r of replies) conn.send(req, r);
      }
    });
    const cleanup = () => {
      for (const t of timers) clearInterval(t);
      timers.clear();
      sockets.delete(sock);
    };
    sock.on('close', cleanup);
    sock.on('error', () => sock.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopped ??= new Promise<void>((resolve) => {
      clearTimeout(lifetime);
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }));
  const lifetime = setTimeout(() => void stop(), opts.lifetimeMs ?? 20000);
  lifetime.unref();
  return { port, requests, stop };
}
