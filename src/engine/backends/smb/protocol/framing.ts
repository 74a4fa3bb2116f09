// The Direct TCP transport framing (MS-SMB2 2.1): every SMB2 message is preceded by a 4-byte
// header, a zero byte and a 24-bit big-endian length (the NetBIOS session message form).

export function frame(message: Buffer): Buffer {
  const h = Buffer.alloc(4);
  h.writeUInt32BE(message.length & 0xffffff, 0);
  return Buffer.concat([h, message]);
}

/** Accumulates socket data and yields whole messages. */
export class FrameReader {
  private chunks: Buffer[] = [];
  private size = 0;

  push(data: Buffer): Buffer[] {
    this.chunks.push(data);
    this.size += data.length;
    const out: Buffer[] = [];
    for (;;) {
      if (this.size < 4) break;
      const head = this.peek(4);
      const len = head.readUInt32BE(0) & 0xffffff;
      if (head[0] !== 0) throw new Error(`the NetBIOS session header has packet type 0x${head[0].toString(16)}, not 0 (a session message)`);
      if (this.size < 4 + len) break;
      const all = this.take(4 + len);
      out.push(all.subarray(4));
    }
    return out;
  }

  private peek(n: number): Buffer {
    if (this.chunks[0].length >= n) return this.chunks[0].subarray(0, n);
    const all = Buffer.concat(this.chunks);
    this.chunks = [all];
    return all.subarray(0, n);
  }

  private take(n: number): Buffer {
    const all = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks);
    const msg = all.subarray(0, n);
    const rest = all.subarray(n);
    this.chunks = rest.length ? [rest] : [];
    this.size = rest.length;
    return msg;
  }
}
