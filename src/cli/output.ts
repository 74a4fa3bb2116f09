// Writing to stdout/stderr synchronously and in few, large writes.
//
// Why not process.stdout.write: for a pipe it is asynchronous, so a million-line map would be
// queued in memory and the process would have to wait for the drain before exiting. A
// synchronous write of a few big chunks is the fastest way out for a short-lived CLI. A
// non-blocking pipe (inherited from a parent) can answer EAGAIN: we wait briefly and retry.
// A closed pipe (`extent-lens map f | head`) answers EPIPE: we stop writing quietly.

import * as fs from 'node:fs';

const sleeper = new Int32Array(new SharedArrayBuffer(4));
let closed = false;
/** Descriptors a write failed on (ENOSPC on /dev/full, EIO, ...): nothing more goes there. */
const failed = new Set<number>();

/**
 * Writing to stdout failed for a reason other than a closed pipe: main.ts says so in one line
 * (as coreutils' "write error"), and that a command which changes files had completed: its
 * report is written only after the work, so only the report was lost.
 */
export class OutputError extends Error {
  constructor(
    readonly code: string,
    readonly reason: string,
  ) {
    super(`writing to standard output failed: ${reason} (${code})`);
  }
}

function writeAll(fd: number, text: string): void {
  if (text.length === 0) return;
  writeBuffer(fd, Buffer.from(text, 'utf8'));
}

function writeBuffer(fd: number, data: Uint8Array): void {
  if (closed || failed.has(fd)) return;
  if (statusWidth > 0) clearStatus();
  let buf = data;
  while (buf.length > 0) {
    try {
      const n = fs.writeSync(fd, buf);
      buf = buf.subarray(n);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') {
        Atomics.wait(sleeper, 0, 0, 1);
        continue;
      }
      if (code === 'EPIPE') {
        closed = true;
        return;
      }
      failed.add(fd);
      // stderr failing too leaves nowhere to say it: the exit status does (main.ts)
      if (fd !== 1) return;
      // "ENOSPC: no space left on device, write" -> "no space left on device"
      const reason = String((e as Error).message)
        .replace(/^[A-Z0-9_]+: /, '')
        .replace(/, write$/, '');
      throw new OutputError(code ?? 'EIO', reason);
    }
  }
}

/**
 * Width of the progress line now on stderr (status-line.ts), 0 when there is none. Anything
 * written to stdout or stderr erases it first, so the output is exactly what it would be
 * without it. Erased with spaces and \r, no escape sequence, so a dumb terminal shows it too.
 */
let statusWidth = 0;

/** Put `line` (ASCII, shorter than the terminal's width) on stderr in place of the last one. */
export function showStatus(line: string): void {
  const pad = statusWidth > line.length ? ' '.repeat(statusWidth - line.length) : '';
  statusWidth = 0;
  writeBuffer(2, Buffer.from(`\r${line}${pad}`, 'latin1'));
  statusWidth = line.length;
}

/** Erase the progress line, if there is one (and leave the cursor where it began). */
export function clearStatus(): void {
  if (statusWidth === 0) return;
  const blank = `\r${' '.repeat(statusWidth)}\r`;
  statusWidth = 0;
  writeBuffer(2, Buffer.from(blank, 'latin1'));
}

export function writeOut(text: string): void {
  writeAll(1, text);
}

export function writeErr(text: string): void {
  writeAll(2, text);
}

/**
 * Output assembled in a 1 MiB buffer and written when it fills: one write per ~1 MiB instead
 * of one per line, without holding a whole 100 MB document in memory. `ascii()` is the fast
 * path for text known to be ASCII (numbers, flags, JSON punctuation): latin1Write copies it
 * with no UTF-8 encoding step; `push()` takes any text (paths) as UTF-8.
 */
export class ChunkWriter {
  private buf: Buffer;
  private pos = 0;
  private readonly sink: (chunk: Uint8Array) => void;
  /** `out`: a file descriptor (1, 2) or a function that receives each chunk (tests). */
  constructor(out: 1 | 2 | ((chunk: Uint8Array) => void) = 1, size = 1 << 20) {
    this.buf = Buffer.allocUnsafe(size);
    this.sink = typeof out === 'function' ? out : (chunk) => writeBuffer(out, chunk);
  }

  /** Any text, encoded as UTF-8. */
  push(text: string): void {
    this.drainAscii();
    const max = Buffer.byteLength(text, 'utf8');
    if (this.pos + max > this.buf.length) {
      this.flush();
      if (max > this.buf.length) {
        this.sink(Buffer.from(text, 'utf8'));
        return;
      }
    }
    this.pos += this.buf.write(text, this.pos, 'utf8');
  }

  /**
   * Text that is pure ASCII (the caller guarantees it): gathered in a string of ~64 KiB and
   * then copied byte for byte. Copying one big string is cheaper than many small ones (each
   * copy flattens a rope of concatenations and pays a call into C++).
   */
  ascii(text: string): void {
    this.pending += text;
    if (this.pending.length >= 65536) this.drainAscii();
  }

  private pending = '';

  private drainAscii(): void {
    const text = this.pending;
    if (text.length === 0) return;
    this.pending = '';
    if (this.pos + text.length > this.buf.length) {
      this.flushBuffer();
      if (text.length > this.buf.length) {
        this.sink(Buffer.from(text, 'latin1'));
        return;
      }
    }
    this.pos += this.buf.write(text, this.pos, 'latin1');
  }

  /**
   * Direct access for byte-level writers (see src/cli/digits.ts): make room for `n` bytes and
   * return the buffer and the position to write at; then call `advance` with the new position.
   */
  room(n: number): { buf: Buffer; pos: number } {
    this.drainAscii();
    if (this.pos + n > this.buf.length) {
      this.flushBuffer();
      if (n > this.buf.length) this.buf = Buffer.allocUnsafe(n);
    }
    return { buf: this.buf, pos: this.pos };
  }

  advance(pos: number): void {
    this.pos = pos;
  }

  private flushBuffer(): void {
    if (this.pos === 0) return;
    this.sink(this.buf.subarray(0, this.pos));
    this.pos = 0;
  }

  flush(): void {
    this.drainAscii();
    this.flushBuffer();
  }
}

/** True once a write to stdout or stderr failed (not a closed pipe): the exit status must not be 0. */
export function outputFailed(): boolean {
  return failed.size > 0;
}
