// The kernel floor of each way to clone a whole file (bench/lib/raw-clone.ts), alternating with
// fs.copyFileSync(COPYFILE_FICLONE_FORCE), call by call. Not part of `npm run bench` (which
// measures the 'core' way only); run it by hand on a reflink file system:
//
//   node --import tsx bench/clone-syscalls.ts /mnt/xfs/big-file [runs]

import * as fs from 'node:fs';
import * as path from 'node:path';
import { rawCloner, type RawWay } from './lib/raw-clone';
import { median } from './lib/stats';

const src = process.argv[2];
const runs = Number(process.argv[3] ?? 1000);
if (!src) {
  process.stderr.write('usage: node --import tsx bench/clone-syscalls.ts FILE-ON-A-REFLINK-FS [runs]\n');
  process.exit(2);
}
const dst = path.join(path.dirname(src), 'clone-syscalls.dst');
const raw: RawWay[] = ['creat', 'tmpfile', 'rename', 'core'];
const ways: Record<string, () => void> = {
  node: () => fs.copyFileSync(src, dst, fs.constants.COPYFILE_FICLONE_FORCE),
  ...Object.fromEntries(raw.map((w) => [w, rawCloner(w, src, dst)])),
};
const times: Record<string, number[]> = Object.fromEntries(Object.keys(ways).map((w) => [w, []]));
for (let i = 0; i < runs + 50; i++) {
  for (const [w, clone] of Object.entries(ways)) {
    const t0 = performance.now();
    clone();
    const t = performance.now() - t0;
    fs.unlinkSync(dst);
    if (i >= 50) times[w].push(t);
  }
}
const base = median(times.node);
for (const w of Object.keys(ways)) {
  const m = median(times[w]);
  process.stdout.write(`${w.padEnd(8)} median ${(m * 1000).toFixed(1)} us  (${(m / base).toFixed(2)}x node)\n`);
}
