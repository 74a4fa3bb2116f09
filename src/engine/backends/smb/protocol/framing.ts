// The Direct TCP transport framing (MS-SMB2 2.1): every SMB2 message is preceded by a 4-byte
// header, a zero byte and a 24-bit big-endian length (the NetBIOS session message form).

export function frame(message: Buffer): Buffer {
  const h = Buffer.alloc(4);
  h.writeUInt32BE(message.length & 0xffffff, 0);
  return Buffer.concat([h, message]);
}

/** The peer began its answer with text (`start`, its first 4 bytes): another service than SMB listens there. */
export class NotSmb extends Error {
  constructor(readonly start: string) {
    super(`the answer began with the text "${start}", not an SMB message`);
  }
}

/** Below this many bytes still to come, a message is read through the scratch buffer. */
const DIRECT_MIN = 64 * 1024;

/**
 * Turns socket data into whole messages, each in a buffer of its own size allocated when its
 * length is known, so a message never keeps a larger read buffer alive and `push` may be given
 * a buffer the caller reuses afterwards. The socket can also read straight into the message:
 * `target()` says where the next read should land (the rest of a large message being filled,
 * else a scratch buffer) and `arrived()` takes what landed there, so the bulk of a 8 MiB READ
 * response is never copied in JavaScript.
 */
export class FrameReader {
  private head = Buffer.alloc(4);
  private headFill = 0;
  private msg: Buffer | undefined;
  private msgFill = 0;
  private scratch: Buffer | undefined;
  private direct = false;

  /** Where the next socket read should be stored. */
  target(): Buffer {
    this.direct = !!this.msg && this.msg.length - this.msgFill >= DIRECT_MIN;
    if (this.direct) return this.msg!.subarray(this.msgFill);
    return (this.scratch ??= Buffer.allocUnsafe(DIRECT_MIN));
  }

  /** `n` bytes were stored in the buffer the last `target()` returned. */
  arrived(buf: Uint8Array, n: number): Buffer[] {
    if (!this.direct) return this.push(Buffer.from(buf.buffer, buf.byteOffset, n));
    this.direct = false;
    this.msgFill += n; // the read was at most the rest of this message, so nothing spills over
    if (this.msgFill < this.msg!.length) return [];
    const m = this.msg!;
    this.msg = undefined;
    return [m];
  }

  push(data: Buffer): Buffer[] {
    const out: Buffer[] = [];
    let at = 0;
    while (at < data.length) {
      if (!this.msg) {
        const n = Math.min(4 - this.headFill, data.length - at);
        data.copy(this.head, this.headFill, at, at + n);
        this.headFill += n;
        at += n;
        if (this.headFill < 4) break;
        this.headFill = 0;
        if (this.head[0] !== 0) {
          // Four printable characters: another protocol's text ("HTTP", "SSH-", "220 "), not SMB.
          if (this.head.every((b) => b >= 0x20 && b < 0x7f)) throw new NotSmb(this.head.toString('latin1'));
          throw new Error(`the NetBIOS session header has packet type 0x${this.head[0].toString(16)}, not 0 (a session message)`);
        }
        this.msg = Buffer.allocUnsafe(this.head.readUInt32BE(0) & 0xffffff); // every byte is written before it is handed out
        this.msgFill = 0;
      } else {
        const n = Math.min(this.msg.length - this.msgFill, data.length - at);
        data.copy(this.msg, this.msgFill, at, at + n);
        this.msgFill += n;
        at += n;
      }
      if (this.msg && this.msgFill === this.msg.length) {
        out.push(this.msg);
        this.msg = undefined;
      }
    }
    return out;
  }
}
