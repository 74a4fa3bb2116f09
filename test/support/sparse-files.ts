// Build files with known layouts on real file systems: data written at chosen offsets (holes
// between), unwritten (preallocated) extents through xfs_io falloc, reflinked pairs, and
// digests to compare contents.

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';

export interface DataPiece {
  offset: bigint;
  length: number;
  /** Byte value to fill with (default a deterministic non-zero pattern). */
  fill?: number;
}

/** Create `p` with `size` bytes logical size and data only at `pieces` (everything else a hole). */
export function writeSparse(p: string, size: bigint, pieces: DataPiece[]): void {
  fs.rmSync(p, { force: true });
  const fd = fs.openSync(p, 'w');
  try {
    for (const piece of pieces) {
      const buf = Buffer.alloc(piece.length, piece.fill ?? 0);
      if (piece.fill === undefined) for (let i = 0; i < buf.length; i++) buf[i] = ((i * 131 + Number(piece.offset % 251n)) % 251) + 1;
      pwriteAt(fd, buf, piece.offset);
    }
  } finally {
    fs.closeSync(fd);
  }
  truncate(p, size);
}

/** pwrite at an exact 64-bit offset (node's writeSync cannot take a bigint position). */
function pwriteAt(fd: number, buf: Buffer, offset: bigint): void {
  if (offset <= BigInt(Number.MAX_SAFE_INTEGER)) {
    fs.writeSync(fd, buf, 0, buf.length, Number(offset));
    return;
  }
  throw new Error('use xfsIoPwrite for offsets above 2^53');
}

/** truncate(1) semantics with exact sizes (xfs_io handles > 2^53). */
export function truncate(p: string, size: bigint): void {
  execFileSync('xfs_io', ['-c', `truncate ${size}`, p]);
}

/** Run xfs_io commands on a file (-f creates it). Returns stdout. */
export function xfsIo(p: string, commands: string[], create = false): string {
  if (commands.length === 0) return '';
  const args = create ? ['-f'] : [];
  for (const c of commands) args.push('-c', c);
  args.push(p);
  return execFileSync('xfs_io', args, { encoding: 'utf8' });
}

/** Write `length` bytes of pattern at `offset` with xfs_io (works for any 64-bit offset). */
export function xfsIoPwrite(p: string, offset: bigint, length: number, pattern = 0xcd): void {
  xfsIo(p, [`pwrite -q -S 0x${pattern.toString(16)} ${offset} ${length}`], true);
}

/** Preallocate an unwritten extent (FIEMAP UNWRITTEN; a hole to SEEK_DATA on XFS). */
export function falloc(p: string, offset: bigint, length: bigint, keepSize = false): void {
  xfsIo(p, [`falloc ${keepSize ? '-k ' : ''}${offset} ${length}`], true);
}

export function sha256(p: string): string {
  return createHash('sha256').update(fs.readFileSync(p)).digest('hex');
}

/** Directory listing, sorted: compare before/after a failed operation to prove no leftovers. */
export function listing(dir: string): string[] {
  return fs.readdirSync(dir).sort();
}

/** Make a file of `size` bytes of non-zero data. */
export function writeData(p: string, size: number, seed = 7): void {
  const buf = Buffer.alloc(size);
  for (let i = 0; i < size; i++) buf[i] = ((i * 31 + seed) % 255) + 1;
  fs.writeFileSync(p, buf);
}

/** A reflinked pair made by an independent tool (cp --reflink=always): shared extents to inspect. */
export function reflinkPair(src: string, dst: string): void {
  execFileSync('cp', ['--reflink=always', src, dst]);
}
