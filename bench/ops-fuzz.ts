// A fuzzer for the mutating operations' data safety (clone, clone-range, copy, punch, zero,
// dig-holes, and clone or copy onto an existing file: refused, renamed or replaced;
// src/engine/operations.ts and the backends): random sequences of them on a few
// files of random sizes (not whole blocks) on a fresh loop-mounted image per seed, each checked
// against a model of every file's bytes kept in memory. An operation that succeeds must leave
// exactly the bytes its definition says (a cloned range reads as the source's did, the
// destination grows to the range's end; a punched or zeroed range reads as zeros; dig-holes and a
// refused operation change nothing; a new file from clone or copy equals its source); one that
// fails must change no byte of any file and leave no file behind. Offsets and lengths are mostly
// whole blocks, some not, some ranges end at the source's EOF (or are 0: to its end), some
// overlap in one file. `--smb`
// sends them over SMB2 through a Samba sharing the image. Not a test (minutes, and it needs
// root): run it by hand after changing an operation. Usage:
//
//   node --import tsx bench/ops-fuzz.ts [--fs btrfs|xfs|ext4] [--smb] [--ops N] [--seeds A:B]
//
// Each seed prints one line with what succeeded and the codes of what was refused; the exit
// status is 1 when a file's bytes are not what the model says.

import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { createEngine, type Engine } from '../src/engine';
import { sambaSkipReason } from '../test/support/samba';
import { runSeeds, shareOver, type SeedResult, type Share } from './lib/fuzz-run';
import { BLOCK, prng, type Prng } from './lib/fuzz-tree';
import { makeLoopFs, skipReason, type FsKind } from './lib/loopfs';

interface Options {
  kind: FsKind;
  smb: boolean;
  ops: number;
}

/** A random offset or length: whole blocks mostly, sometimes not. */
function amount(rnd: Prng, maxBlocks: number): number {
  const blocks = rnd.int(0, maxBlocks);
  return rnd.real() < 0.8 ? blocks * BLOCK : blocks * BLOCK + rnd.int(1, BLOCK - 1);
}

/** One operation on the files, applied to the model when it succeeded; its name, or its refusal's code. */
async function oneOp(
  rnd: Prng,
  engine: Engine,
  model: Map<string, Buffer>,
  name: (f: string) => string,
  local: (name: string) => string,
  dir: string,
): Promise<string> {
  const files = [...model.keys()];
  const a = rnd.pick(files);
  const b = rnd.pick(files);
  const src = model.get(a)!;
  const kind = rnd.pick(['clone-range', 'clone-range', 'clone-range', 'punch', 'zero', 'dig-holes', 'clone', 'copy', 'onto'] as const);
  try {
    if (kind === 'clone-range') {
      const so = rnd.real() < 0.9 ? Math.min(amount(rnd, Math.ceil(src.length / BLOCK)), src.length) : src.length;
      // to the source's EOF (an unaligned tail), or a random length within it
      let len = rnd.real() < 0.3 ? src.length - so : Math.min(amount(rnd, 16), src.length - so);
      const dst = model.get(b)!;
      const dOff = amount(rnd, Math.ceil(dst.length / BLOCK) + 2);
      await engine.cloneRange(name(a), BigInt(so), name(b), BigInt(dOff), BigInt(len));
      if (len === 0) len = src.length - so; // (0: to the source's end, as FICLONERANGE)
      const next = Buffer.alloc(Math.max(dst.length, dOff + len));
      dst.copy(next);
      src.copy(next, dOff, so, so + len);
      model.set(b, next);
    } else if (kind === 'punch' || kind === 'zero') {
      const off = Math.min(amount(rnd, Math.ceil(src.length / BLOCK)), src.length);
      const len = Math.min(amount(rnd, 8), src.length - off);
      const range = { offset: BigInt(off), length: BigInt(len) };
      await (kind === 'punch' ? engine.punch(name(a), range) : engine.zero(name(a), range));
      const next = Buffer.from(src);
      next.fill(0, off, off + len);
      model.set(a, next);
    } else if (kind === 'dig-holes') {
      await engine.digHoles(name(a));
    } else if (kind === 'onto') {
      // clone or copy onto an existing file: refused (the default), renamed, or replaced
      const onExisting = rnd.pick(['fail', 'rename', 'overwrite'] as const);
      const how = rnd.pick(['clone', 'copy'] as const);
      const r = await (how === 'clone' ? engine.clone(name(a), name(b), { onExisting }) : engine.copy(name(a), name(b), { onExisting }));
      model.set(onExisting === 'overwrite' ? b : local(r.destination ?? '?'), Buffer.from(src));
      return `${how}-${onExisting}`;
    } else {
      const fresh = path.join(dir, `n${model.size}`);
      await (kind === 'clone' ? engine.clone(name(a), name(fresh)) : engine.copy(name(a), name(fresh)));
      model.set(fresh, Buffer.from(src));
    }
    return kind;
  } catch (e) {
    const code = (e as { code?: string }).code ?? 'no code';
    return `${kind}:${code}`;
  }
}

/** Files whose bytes are not the model's, and files the model does not know of (left behind). */
function mismatches(model: Map<string, Buffer>, dir: string): string[] {
  const off: string[] = [];
  for (const [p, want] of model) {
    const got = fs.readFileSync(p);
    if (got.equals(want)) continue;
    let i = 0;
    while (i < got.length && i < want.length && got[i] === want[i]) i++;
    let j = Math.min(got.length, want.length);
    while (j > i && got[j - 1] === want[j - 1]) j--;
    off.push(`${path.basename(p)} (${got.length} bytes, the model ${want.length}; bytes ${i} to ${j} differ)`);
  }
  for (const n of fs.readdirSync(dir)) if (!model.has(path.join(dir, n))) off.push(`${n} (left behind)`);
  return off;
}

async function oneSeed(seed: number, o: Options): Promise<SeedResult> {
  const rnd = prng(seed);
  const fsys = makeLoopFs(o.kind, o.kind === 'xfs' ? 300 : 256, 'ops-fuzz');
  let smb: Share | undefined;
  try {
    const dir = path.join(fsys.mnt, 'd');
    fs.mkdirSync(dir);
    const model = new Map<string, Buffer>();
    const segs = Array.from({ length: 4 }, (_, i) => crypto.createHash('sha512').update(`${seed}/${i}`).digest());
    for (let i = 0, n = rnd.int(2, 5); i < n; i++) {
      const size = amount(rnd, 40);
      const b = Buffer.alloc(size);
      for (let at = 0; at < size; at += 64) rnd.pick(segs).copy(b, at);
      const p = path.join(dir, `f${i}`);
      fs.writeFileSync(p, b);
      model.set(p, b);
    }
    if (o.smb) smb = await shareOver(fsys.mnt, o.kind);
    const name = (p: string): string => (smb ? smb.uri(p) : p);
    const local = (n: string): string => (smb ? smb.local(n) : n);
    const engine = createEngine();
    const done = new Map<string, number>();
    const problems: string[] = [];
    try {
      for (let k = 0; k < o.ops && problems.length === 0; k++) {
        const what = await oneOp(rnd, engine, model, name, local, dir);
        done.set(what, (done.get(what) ?? 0) + 1);
        const off = mismatches(model, dir);
        if (off.length) problems.push(`after op ${k} (${what}): ${off.join(', ')}`);
      }
    } finally {
      await engine.dispose();
      await smb?.stop();
    }
    const tally = [...done]
      .sort()
      .map(([w, n]) => `${w} ${n}`)
      .join(', ');
    return {
      ok: problems.length === 0,
      line: `${seed} ${problems.length ? 'OFF' : 'ok '} ${tally}${problems.length ? `\n    ${problems.join('\n    ')}` : ''}`,
    };
  } finally {
    fsys.cleanup();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      fs: { type: 'string', default: 'btrfs' },
      smb: { type: 'boolean', default: false },
      ops: { type: 'string', default: '40' },
      seeds: { type: 'string', default: '0:20' },
    },
  });
  const kind = (['btrfs', 'xfs', 'ext4'].includes(values.fs!) ? values.fs : 'btrfs') as FsKind;
  const why = skipReason(kind) ?? (values.smb ? sambaSkipReason() : undefined);
  if (why) throw new Error(`ops-fuzz: ${why}`);
  const o: Options = { kind, smb: values.smb === true, ops: Number(values.ops) };
  await runSeeds(values.seeds!, (seed) => oneSeed(seed, o));
}

void main();
