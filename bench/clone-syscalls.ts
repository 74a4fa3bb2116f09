// The kernel floor of a safe clone, without the engine: the same system calls made straight
// through koffi, alternating with fs.copyFileSync(COPYFILE_FICLONE_FORCE), to separate what the
// kernel charges for each way of creating the destination from what the engine's JavaScript
// adds. Not part of `npm run bench`; run it by hand on a reflink file system:
//
//   node --import tsx bench/clone-syscalls.ts /mnt/xfs/big-file [runs]
//
// Ways measured (the destination is deleted between calls, outside the timed region):
//   node      fs.copyFileSync: open, fstat, open(O_CREAT), fstat, ftruncate, fchmod, FICLONE, close x2
//   creat     open(dst, O_CREAT|O_EXCL), FICLONE: no temp name at all (NOT what the engine may do)
//   tmpfile   open(dir, O_TMPFILE), FICLONE, linkat(AT_EMPTY_PATH): what the engine does
//   rename    open(.tmp, O_CREAT|O_EXCL), FICLONE, renameat2(RENAME_NOREPLACE): the older way

import koffi = require('koffi');
import * as fs from 'node:fs';
import * as path from 'node:path';
import { median } from './lib/stats';

const src = process.argv[2];
const runs = Number(process.argv[3] ?? 1000);
if (!src) {
  process.stderr.write('usage: node --import tsx bench/clone-syscalls.ts FILE-ON-A-REFLINK-FS [runs]\n');
  process.exit(2);
}
const dir = path.dirname(src);
const dst = path.join(dir, 'clone-syscalls.dst');
const tmp = path.join(dir, '.clone-syscalls.dst.tmp');
const lib = koffi.load('libc.so.6');
const open = lib.func('int open(const char *p, int flags, int mode)');
const ioctl = lib.func('int ioctl(int fd, unsigned long request, int arg)');
const close = lib.func('int close(int fd)');
const linkat = lib.func('int linkat(int a, const char *b, int c, const char *d, int f)');
const renameat2 = lib.func('int renameat2(int a, const char *b, int c, const char *d, unsigned int f)');
const C = fs.constants;
const FICLONE = 0x40049409;
const O_TMPFILE = 0o20000000 | 0o200000;

function clone(way: string): void {
  if (way === 'node') return fs.copyFileSync(src, dst, C.COPYFILE_FICLONE_FORCE);
  const s = open(src, C.O_RDONLY, 0) as number;
  const target = way === 'rename' ? tmp : dst;
  const d = (way === 'tmpfile' ? open(dir, O_TMPFILE | C.O_RDWR, 0o644) : open(target, C.O_RDWR | C.O_CREAT | C.O_EXCL, 0o644)) as number;
  if (s < 0 || d < 0 || ioctl(d, FICLONE, s) !== 0) throw new Error(`${way}: open or FICLONE failed (errno ${koffi.errno()})`);
  if (way === 'tmpfile' && linkat(d, '', -100, dst, 0x1000) !== 0) throw new Error(`linkat failed (errno ${koffi.errno()}; needs root before Linux 6.10)`);
  close(s);
  close(d);
  if (way === 'rename' && renameat2(-100, tmp, -100, dst, 1) !== 0) throw new Error(`renameat2 failed (errno ${koffi.errno()})`);
}

const ways = ['node', 'creat', 'tmpfile', 'rename'];
const times: Record<string, number[]> = Object.fromEntries(ways.map((w) => [w, []]));
for (let i = 0; i < runs + 50; i++) {
  for (const w of ways) {
    const t0 = performance.now();
    clone(w);
    const t = performance.now() - t0;
    fs.unlinkSync(dst);
    if (i >= 50) times[w].push(t);
  }
}
const base = median(times.node);
for (const w of ways) process.stdout.write(`${w.padEnd(8)} median ${(median(times[w]) * 1000).toFixed(1)} us  (${(median(times[w]) / base).toFixed(2)}x node)\n`);
