// Bounded reads of server replies. Every length and offset a server supplies is checked
// against the bytes actually received before anything is read; a field that does not fit
// throws Malformed (naming the field), which the caller turns into EPROTO (decodeReply).

import { Malformed } from './errors';
import { HEADER_SIZE } from './header';

export class Wire {
  constructor(
    readonly b: Buffer,
    /** What `b` is, for messages: 'body', 'CHALLENGE message', ... */
    readonly what = 'body',
  ) {}

  get length(): number {
    return this.b.length;
  }

  need(at: number, n: number, field: string): void {
    if (!Number.isSafeInteger(at) || !Number.isSafeInteger(n) || at < 0 || n < 0 || at + n > this.b.length) {
      throw new Malformed(field, `(${n} byte(s) at ${at}) lies past the end of the ${this.b.length}-byte ${this.what}`);
    }
  }

  u8(at: number, field: string): number {
    this.need(at, 1, field);
    return this.b.readUInt8(at);
  }

  u16(at: number, field: string): number {
    this.need(at, 2, field);
    return this.b.readUInt16LE(at);
  }

  u32(at: number, field: string): number {
    this.need(at, 4, field);
    return this.b.readUInt32LE(at);
  }

  u64(at: number, field: string): bigint {
    this.need(at, 8, field);
    return this.b.readBigUInt64LE(at);
  }

  /** A copy of `n` bytes at `at`. */
  bytes(at: number, n: number, field: string): Buffer {
    this.need(at, n, field);
    return Buffer.from(this.b.subarray(at, at + n));
  }
}

/**
 * Check a response body's StructureSize (MS-SMB2 2.2: the fixed part's size, plus one when a
 * variable part follows) and that the fixed part was received.
 */
export function structure(body: Buffer, expected: number): Wire {
  const w = new Wire(body);
  const size = w.u16(0, 'StructureSize');
  if (size !== expected) throw new Malformed('StructureSize', `is ${size}, expected ${expected}`);
  const fixed = expected & ~1;
  if (body.length < fixed) {
    throw new Malformed('StructureSize', `${expected} needs a ${fixed}-byte fixed part, but the body has only ${body.length} byte(s)`);
  }
  return w;
}

/**
 * The `length` bytes a header-relative `offset` points at, within `body` (the message after
 * its 64-byte header). A zero length needs no valid offset.
 */
/** `copy` false: a view into `body` (READ data, which is large and handed on as is). */
export function payload(body: Buffer, offset: number, length: number, offsetField: string, lengthField: string, copy = true): Buffer {
  if (length === 0) return Buffer.alloc(0);
  const at = offset - HEADER_SIZE;
  if (at < 0 || at + length > body.length) {
    throw new Malformed(
      `${offsetField}/${lengthField}`,
      `(${offset}/${length}) point outside the ${HEADER_SIZE + body.length}-byte message`,
    );
  }
  return copy ? Buffer.from(body.subarray(at, at + length)) : body.subarray(at, at + length);
}
