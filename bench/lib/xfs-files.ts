// Building the benchmark's files with xfs_io, whose commands are read from stdin so that
// 100,000 or 1,000,000 operations run in one process without a giant command line.

import { execFileSync } from 'node:child_process';

/** Run xfs_io on `file` with `commands` (one per line) fed on stdin. */
export function xfsIoScript(file: string, commands: Iterable<string>, create = true): void {
  let script = '';
  for (const c of commands) script += c + '\n';
  execFileSync('xfs_io', [...(create ? ['-f'] : []), file], { input: script, stdio: ['pipe', 'ignore', 'inherit'], maxBuffer: 1 << 30 });
}

/**
 * `count` data extents of 4 KiB alternating with 4 KiB holes. The size is set first so that
 * no write extends the file: XFS then does no speculative preallocation past EOF, which
 * would otherwise fill the holes with unwritten extents and double the count.
 */
export function makeAlternatingDataFile(file: string, count: number): void {
  function* cmds(): Generator<string> {
    yield `truncate ${count * 8192}`;
    for (let i = 0; i < count; i++) yield `pwrite -q -S 0xab ${i * 8192} 4096`;
    yield 'fsync';
  }
  xfsIoScript(file, cmds());
}

/**
 * `count` unwritten (preallocated) extents of 4 KiB alternating with holes: one falloc of the
 * whole span, then a hole punched in every other block. No data is written, so a million
 * extents cost metadata only (about 4 GiB of file system space, no data I/O).
 */
export function makeAlternatingUnwrittenFile(file: string, count: number): void {
  function* cmds(): Generator<string> {
    yield `falloc 0 ${count * 8192}`;
    for (let i = 0; i < count; i++) yield `fpunch ${i * 8192 + 4096} 4096`;
    yield 'fsync';
  }
  xfsIoScript(file, cmds());
}

/** A file of `bytes` written data (not sparse), in one xfs_io pwrite. */
export function makeDataFile(file: string, bytes: number): void {
  xfsIoScript(file, [`pwrite -q -S 0x5a -b 8m 0 ${bytes}`, 'fsync']);
}
