// A tree of many small files with reflinks, for the space benchmark (bench/space.ts), made in
// this process (no process per file, so 200,000 files take seconds to a minute, not an hour).
//
// Files come in groups of four, 100 files per folder:
//   a.bin  an original: 8 KiB of its own data (two 4 KiB blocks, random)
//   b.bin  cp --reflink=always of a.bin (copyFileSync COPYFILE_FICLONE_FORCE)
//   c.bin  another whole-file clone of a.bin
//   d.bin  4 KiB of its own data, then FICLONERANGE of a.bin's first 4 KiB at offset 4 KiB
// so every file shares, a stretch is shared by at most four files (sharesWith stays small:
// the pairs of a stretch grow with the square of the files sharing it, see bench/NOTES.md),
// and a quarter of the data blocks are exclusive.

import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FICLONERANGE, loadLibc } from '../src/engine/backends/linux/libc';

const BLOCK = 4096;

export interface Tree {
  dir: string;
  files: number;
  /** Data written (not cloned), bytes. */
  written: number;
  seconds: number;
}

/** Make `files` (a multiple of 4) files under `dir` (created). */
export function makeSpaceTree(dir: string, files: number): Tree {
  const t0 = performance.now();
  const libc = loadLibc();
  // struct file_clone_range { s64 src_fd; u64 src_offset, src_length, dest_offset; }
  const arg = Buffer.alloc(32);
  const rand = crypto.randomBytes(1 << 20);
  let r = 0;
  const data = (n: number): Buffer => {
    if (r + n > rand.length) {
      crypto.randomFillSync(rand);
      r = 0;
    }
    const b = rand.subarray(r, r + n);
    r += n;
    return b;
  };
  fs.mkdirSync(dir, { recursive: true });
  let written = 0;
  let folder = '';
  for (let i = 0; i < files; i += 4) {
    if (i % 100 === 0) {
      folder = path.join(dir, `d${String(i / 100).padStart(5, '0')}`);
      fs.mkdirSync(folder);
    }
    const g = String(i).padStart(7, '0');
    const a = path.join(folder, `${g}a.bin`);
    fs.writeFileSync(a, data(2 * BLOCK));
    fs.copyFileSync(a, path.join(folder, `${g}b.bin`), fs.constants.COPYFILE_FICLONE_FORCE);
    fs.copyFileSync(a, path.join(folder, `${g}c.bin`), fs.constants.COPYFILE_FICLONE_FORCE);
    const d = fs.openSync(path.join(folder, `${g}d.bin`), 'w');
    const s = fs.openSync(a, 'r');
    try {
      fs.writeSync(d, data(BLOCK));
      arg.writeBigInt64LE(BigInt(s), 0);
      arg.writeBigUInt64LE(0n, 8);
      arg.writeBigUInt64LE(BigInt(BLOCK), 16);
      arg.writeBigUInt64LE(BigInt(BLOCK), 24);
      if (libc.ioctlPtr(d, FICLONERANGE, arg) !== 0) throw new Error(`FICLONERANGE failed (errno ${libc.errno()})`);
    } finally {
      fs.closeSync(s);
      fs.closeSync(d);
    }
    written += 3 * BLOCK;
  }
  return { dir, files, written, seconds: (performance.now() - t0) / 1000 };
}
