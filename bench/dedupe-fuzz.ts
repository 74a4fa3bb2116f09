// A fuzzer for dedupe's saving rules (src/engine/dedupe-saving.ts, dedupe-extent*.ts,
// dedupe-counted-once.ts): random small trees (bench/lib/fuzz-tree.ts) on a fresh loop-mounted
// btrfs or XFS image per seed, found with a random chunk size, applied, and the estimate
// compared with what the file system's own accounting says was freed: btrfs's Data "Used"
// (`btrfs filesystem usage -b`), XFS's data blocks as its reverse map counts them (`xfs_io -c
// 'fsmap -v'`, extent-map blocks apart: they are metadata). An exact estimate must equal it; a
// range must hold it; every file's sha256 must be what it was. `--extras` adds hard links,
// preallocated and punched ranges; `--smb` finds and applies over SMB2 through a Samba on
// 127.0.0.1 sharing the image (verify-then-clone; the estimate there is a range); `--race`
// changes a few destination ranges between the find and the apply (every byte of their first
// block), after which only the bytes are checked: the apply must leave the changes. Not a test (minutes, and it needs root): run it by hand
// after changing a saving rule. Usage:
//
//   node --import tsx bench/dedupe-fuzz.ts [--fs btrfs|xfs] [--compress] [--extras] [--smb] [--race] [--max-files N] [--seeds A:B]
//
// Each seed prints one line; the exit status is 1 when a seed is off. A seed is repeatable: the
// layout and the bytes come from it (docs/ENGINE.md, "Deduplication", has the last results).

import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { createEngine, isApplied, type DedupePlan } from '../src/engine';
import { sambaSkipReason } from '../test/support/samba';
import { runSeeds, shareOver, type SeedResult } from './lib/fuzz-run';
import { dataUsed, makeTree, prng, type Prng, type TreeOptions } from './lib/fuzz-tree';
import { makeLoopFs, skipReason, type LoopFs } from './lib/loopfs';

/** sha256 of every file under the mount, by path (the apply must change no byte of any). */
function contents(mnt: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const e of fs.readdirSync(mnt, { recursive: true, withFileTypes: true }))
    if (e.isFile()) {
      const p = path.join(e.parentPath, e.name);
      out.set(p, crypto.createHash('sha256').update(fs.readFileSync(p)).digest('hex'));
    }
  return out;
}

interface Options extends TreeOptions {
  /** Find and apply over SMB2, through a Samba on 127.0.0.1 sharing the image (verify-then-clone). */
  smb?: boolean;
  /** Between the find and the apply, change the first block of a few destination ranges (every byte). */
  race?: boolean;
}

/** Inverts the first block of up to three random destination ranges of `plan` (`local`: a range's path as a path here). */
function changeSome(rnd: Prng, plan: DedupePlan, local: (p: string) => string): number {
  // (ranges the apply will send: a range the plan leaves alone is never compared)
  const dests = plan.groups
    .filter(isApplied)
    .flatMap((g) => g.ranges.slice(1).flatMap((r) => (r.alreadyShared || r.freesNothing ? [] : [{ r, length: g.length }])));
  let n = 0;
  for (let k = dests.length === 0 ? 0 : rnd.int(1, 3); k > 0; k--) {
    const { r, length } = rnd.pick(dests);
    const p = local(r.path);
    let fd: number;
    try {
      fd = fs.openSync(p, 'r+');
    } catch {
      continue; // (a read-only snapshot's)
    }
    const b = Buffer.alloc(Number(length < 4096n ? length : 4096n));
    const got = fs.readSync(fd, b, 0, b.length, Number(r.offset));
    for (let i = 0; i < got; i++) b[i] ^= 0xff;
    fs.writeSync(fd, b, 0, got, Number(r.offset));
    fs.closeSync(fd);
    n++;
  }
  return n;
}

/** One seed: the tree, the plan, the apply; the line to print and whether it holds. */
async function oneSeed(seed: number, o: Options): Promise<SeedResult> {
  const rnd = prng(seed);
  const fsys: LoopFs =
    o.kind === 'xfs'
      ? makeLoopFs('xfs', 512, 'dedupe-fuzz', [], false, ['-m', 'rmapbt=1'])
      : makeLoopFs('btrfs', 512, 'dedupe-fuzz', o.compress ? ['compress=zstd'] : []);
  try {
    const { targets, files } = makeTree(seed, rnd, fsys, o);
    const n = files.length;
    const chunk = BigInt(rnd.pick([4, 16, 128]) * 1024);
    const smb = o.smb ? await shareOver(fsys.mnt, o.kind) : undefined;
    const engine = createEngine();
    try {
      const sums = contents(fsys.mnt);
      const where = smb ? targets.map((t) => smb.uri(t)) : targets;
      const plan = await engine.findDuplicates(where, { chunk });
      let raced = 0;
      if (o.race) {
        raced = changeSome(rnd, plan, (p) => (smb ? smb.local(p) : p));
        for (const [p, h] of contents(fsys.mnt)) sums.set(p, h); // what the apply must leave
      }
      const before = dataUsed(o.kind, fsys.mnt);
      const report = await engine.dedupe(plan);
      const freed = before - dataUsed(o.kind, fsys.mnt); // (over SMB too: Samba's writes are this file system's)
      const { netSaving: max, netSavingMin: min = max } = plan.total;
      const after = contents(fsys.mnt);
      const changed = [...sums].filter(([p, h]) => after.get(p) !== h).map(([p]) => path.relative(fsys.mnt, p));
      // (nothing changes the files meanwhile: a range that "differs" is wrong; others are named)
      const errors = [
        ...plan.errors.map((e) => e.code),
        ...(o.race ? [] : report.skipped.filter((k) => k.reason === 'differs').map(() => 'differs')),
      ];
      const skipped = report.skipped.filter((k) => k.reason !== 'differs').map((k) => k.reason);
      // (with changes made after the find the estimate no longer holds: only the bytes are checked)
      const estimateHolds = o.race || (min === max ? freed === max : min <= freed && freed <= max);
      const ok = estimateHolds && changed.length === 0 && errors.length === 0;
      const said = min === max ? `exact ${max}` : `${min} to ${max}`;
      return {
        ok,
        line: `${seed} ${ok ? 'ok ' : 'OFF'} estimated ${said}, freed ${freed} (data; statfs: ${report.freed}), chunk ${chunk / 1024n}k, ${n} files, ${targets.length} folders${changed.length ? `; CONTENT CHANGED: ${changed.join(' ')}` : ''}${errors.length ? `; errors: ${errors.join(' ')}` : ''}${skipped.length ? `; left alone: ${skipped.join(' ')}` : ''}${o.race ? `; ${raced} changed after the find, ${report.differed} differed` : ''}`,
      };
    } finally {
      await engine.dispose();
      await smb?.stop();
    }
  } finally {
    fsys.cleanup();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      fs: { type: 'string', default: 'btrfs' },
      compress: { type: 'boolean', default: false },
      extras: { type: 'boolean', default: false },
      smb: { type: 'boolean', default: false },
      race: { type: 'boolean', default: false },
      'max-files': { type: 'string', default: '10' },
      seeds: { type: 'string', default: '0:50' },
    },
  });
  const kind = values.fs === 'xfs' ? 'xfs' : 'btrfs';
  const why = skipReason(kind, ['xfs_io', ...(kind === 'btrfs' ? ['btrfs'] : [])]);
  if (why) throw new Error(`dedupe-fuzz: ${why}`);
  const smbWhy = values.smb ? sambaSkipReason() : undefined;
  if (smbWhy) throw new Error(`dedupe-fuzz: ${smbWhy}`);
  const o: Options = {
    kind,
    compress: values.compress === true && kind === 'btrfs',
    maxFiles: Math.max(3, Number(values['max-files'])),
    extras: values.extras === true,
    smb: values.smb === true,
    race: values.race === true,
  };
  await runSeeds(values.seeds!, (seed) => oneSeed(seed, o));
}

void main();
