// A fuzzer for the space accounting's "what deleting frees" (src/engine/space*.ts): random
// small trees (bench/lib/fuzz-tree.ts, with hard links, preallocated and punched ranges too) on
// a fresh loop-mounted btrfs or XFS image per seed, a random selection (the original folder,
// the snapshot, both, or some of their files), `engine.space` on it, then the selection deleted
// and what the file system's own accounting says was freed compared with the figure: btrfs's
// Data "Used" (`btrfs filesystem usage -b`), XFS's data and copy-on-write staging blocks as its
// reverse map counts them (`xfs_io -c 'fsmap -v'`). An exact `reclaimable` must equal it;
// bounds must hold it. On btrfs every file's `exclusive` is also compared with `btrfs
// filesystem du --raw`, and a one-folder selection's `unique` with its Exclusive + Set shared
// (not where data is compressed: docs/ENGINE.md, `unique`). `--no-rmap` makes XFS without the
// reverse map (measured by statfs's free blocks): the bounds must hold and the exact scan must
// give the freed figure. `--as-user UID` takes the figures as that user (the built CLI, `npm run
// build` first, under setpriv): no owner queries, so bounds where root gets exact figures.
// Not a test (minutes, and it needs root): run it by hand after changing
// the accounting. Usage:
//
//   node --import tsx bench/space-fuzz.ts [--fs btrfs|xfs] [--compress] [--no-rmap] [--as-user UID] [--max-files N] [--seeds A:B]
//
// Each seed prints one line; the exit status is 1 when a seed is off. XFS releases copy-on-write
// staging blocks and trims preallocation past files' ends in the background: a seed whose data
// changed while its figures were taken says "moved" and is not checked; run it again (a seed's
// tree is the same each time), and an off seed too before looking into it.

import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { createEngine } from '../src/engine';
import { runSeeds, type SeedResult } from './lib/fuzz-run';
import { dataUsed, makeTree, prng, run, type FuzzTree, type Prng, type TreeOptions } from './lib/fuzz-tree';
import { makeLoopFs, skipReason, type LoopFs } from './lib/loopfs';

interface Options extends TreeOptions {
  rmap: boolean;
  /** Take the figures as this user (the built CLI under setpriv), not as root. */
  asUser?: number;
}

/** What the checks read of a space result (the engine's, or the CLI's JSON). */
interface Figures {
  files: Array<{ path: string; exclusive: bigint }>;
  total: { unique: bigint; reclaimable: bigint; reclaimableMax: bigint; reclaimableExact: boolean; reclaimableBounds: boolean };
  errors: Array<{ code: string }>;
  hardLinks: number;
  encoded: boolean;
}

const CLI = path.join(__dirname, '..', 'dist', 'cli.js');

/** The figures as `uid` sees them: `extent-lens space --json` (dist/, built) under setpriv. */
function figuresAs(uid: number, sel: string[], exactScan: boolean): Figures {
  const args = ['--reuid', String(uid), '--regid', String(uid), '--clear-groups', process.execPath, CLI, 'space', '--json'];
  let out: string;
  try {
    out = execFileSync('setpriv', [...args, ...(exactScan ? ['--exact-scan'] : []), ...sel], { encoding: 'utf8', maxBuffer: 1 << 28 });
  } catch (e) {
    out = (e as { stdout?: string }).stdout ?? ''; // exit 1 with errors: still the document
  }
  type Row = { path: string; exclusive: string };
  const j = JSON.parse(out) as {
    files: Row[];
    total: Record<string, string | boolean>;
    errors: Array<{ code: string }>;
    hardLinks: number;
    fileSystems: Array<{ encoded?: string }>;
  };
  const t = j.total;
  return {
    files: j.files.map((f) => ({ path: f.path, exclusive: BigInt(f.exclusive) })),
    total: {
      unique: BigInt(t.unique as string),
      reclaimable: BigInt(t.reclaimable as string),
      reclaimableMax: BigInt(t.reclaimableMax as string),
      reclaimableExact: t.reclaimableExact === true,
      reclaimableBounds: t.reclaimableBounds === true,
    },
    errors: j.errors,
    hardLinks: j.hardLinks,
    encoded: j.fileSystems.some((f) => f.encoded !== undefined),
  };
}

/** The figures from the engine, in this (root) process. */
async function figures(sel: string[], exactScan: boolean): Promise<Figures> {
  const engine = createEngine();
  try {
    const r = await engine.space(sel, { exactScan });
    return { ...r, encoded: r.fileSystems.some((f) => f.encoded !== undefined) };
  } finally {
    await engine.dispose(); // nothing of ours holds a file open while it is deleted
  }
}

/** The selection: what is given to `space`, and how each part is deleted afterwards. */
function chooseSelection(rnd: Prng, t: FuzzTree): string[] {
  const r = rnd.real();
  if (!t.snap || r < 0.3) return [t.sv];
  if (r < 0.45) return [t.snap];
  if (r < 0.6) return [t.sv, t.snap];
  // some files of the writable folders (a read-only snapshot's files cannot be deleted one by one)
  const names = [...new Set(t.files.map((f) => path.basename(f)))];
  const folders = t.snapReadOnly ? [t.sv] : [t.sv, t.snap];
  const picked = new Set<string>();
  for (let k = rnd.int(1, Math.max(1, names.length)); k > 0; k--) picked.add(path.join(rnd.pick(folders), rnd.pick(names)));
  return [...picked];
}

/** Deletes the selection the way a person would; a read-only snapshot goes as a subvolume. */
function deleteSelection(sel: string[], t: FuzzTree, mnt: string): void {
  for (const p of sel) {
    if (p === t.snap && t.snapReadOnly) {
      run('btrfs', ['subvolume', 'delete', p]);
      run('btrfs', ['subvolume', 'sync', mnt]);
    } else if (fs.statSync(p).isDirectory()) {
      for (const name of fs.readdirSync(p)) fs.rmSync(path.join(p, name), { recursive: true, force: true });
    } else fs.rmSync(p);
  }
}

/**
 * A measure once it stops changing: XFS frees deleted inodes in the background (inodegc), which
 * under load lagged behind a `sync` by seconds.
 */
function settled(read: () => bigint): bigint {
  let last = read();
  for (let i = 0; i < 50; i++) {
    execFileSync('sleep', ['0.2']);
    const now = read();
    if (now === last) return now;
    last = now;
  }
  return last;
}

/** Free bytes as statfs counts them, after a sync. */
function freeBytes(mnt: string): bigint {
  execFileSync('sync');
  const s = fs.statfsSync(mnt, { bigint: true });
  return s.bfree * s.bsize;
}

/** Bytes the folders themselves hold (XFS: a folder's blocks come and go with its entries; not file data). */
function folderBytes(dirs: Array<string | undefined>): bigint {
  let n = 0n;
  for (const d of dirs) if (d && fs.existsSync(d)) n += fs.statSync(d, { bigint: true }).blocks * 512n;
  return n;
}

/** `btrfs filesystem du --raw` rows: path -> [total, exclusive, set shared]. */
function btrfsDu(args: string[], summary: boolean): Map<string, bigint[]> {
  const out = new Map<string, bigint[]>();
  const text = run('btrfs', ['filesystem', 'du', '--raw', ...(summary ? ['-s'] : []), ...args]);
  for (const line of text.split('\n').slice(1)) {
    const m = /^\s*(\d+)\s+(\d+)\s+(\d+|-)\s+(.*)$/.exec(line);
    if (m) out.set(path.resolve(m[4]), [BigInt(m[1]), BigInt(m[2]), m[3] === '-' ? 0n : BigInt(m[3])]);
  }
  return out;
}

/** What `space` said against btrfs filesystem du: the differences found, as text. */
function againstBtrfsDu(sel: string[], result: Figures): string[] {
  const off: string[] = [];
  const rows = btrfsDu(
    result.files.map((f) => f.path),
    false,
  );
  for (const f of result.files) {
    const du = rows.get(f.path);
    if (du && du[1] !== f.exclusive) off.push(`${path.relative(path.dirname(sel[0]), f.path)} exclusive ${f.exclusive} (du ${du[1]})`);
  }
  // compressed extents: btrfs filesystem du's "Set shared" overlaps neighbouring extents (docs/ENGINE.md, `unique`)
  if (sel.length === 1 && fs.statSync(sel[0]).isDirectory() && result.hardLinks === 0 && !result.encoded) {
    const du = btrfsDu(sel, true).get(sel[0]);
    if (du && du[1] + du[2] !== result.total.unique) off.push(`unique ${result.total.unique} (du ${du[1]} + ${du[2]})`);
  }
  return off;
}

/** One seed: the tree, the selection, the figures, the deletion; the line to print and whether it holds. */
async function oneSeed(seed: number, o: Options): Promise<SeedResult> {
  const rnd = prng(seed);
  const fsys: LoopFs =
    o.kind === 'xfs'
      ? makeLoopFs('xfs', 512, 'space-fuzz', [], false, ['-m', `rmapbt=${o.rmap ? 1 : 0}`])
      : makeLoopFs('btrfs', 512, 'space-fuzz', o.compress ? ['compress=zstd'] : []);
  try {
    const tree = makeTree(seed, rnd, fsys, o);
    const sel = chooseSelection(rnd, tree);
    const problems: string[] = [];
    // XFS without its reverse map has no fsmap of data: the free blocks statfs counts (metadata of
    // other kinds than the folders' own blocks would still show)
    const used = (): bigint =>
      o.kind === 'btrfs'
        ? dataUsed('btrfs', fsys.mnt)
        : settled(() => (o.rmap ? dataUsed('xfs', fsys.mnt, true) : -freeBytes(fsys.mnt)) - folderBytes([tree.sv, tree.snap]));
    const first = used();
    const take = (exactScan: boolean): Promise<Figures> | Figures =>
      o.asUser === undefined ? figures(sel, exactScan) : figuresAs(o.asUser, sel, exactScan);
    if (o.asUser !== undefined) for (const d of [path.dirname(fsys.mnt), fsys.mnt]) fs.chmodSync(d, 0o755); // (mkdtemp's are 0700)
    const result = await take(false);
    const scanned = result.total.reclaimableExact ? undefined : await take(true);
    if (o.kind === 'btrfs') problems.push(...againstBtrfsDu(sel, result));
    const t = result.total;
    if (result.errors.length > 0) problems.push(`errors: ${result.errors.map((e) => e.code).join(',')}`);
    const exact = t.reclaimableExact ? t.reclaimable : scanned?.total.reclaimableExact ? scanned.total.reclaimable : undefined;
    let said = t.reclaimableExact
      ? `exact ${t.reclaimable}`
      : `${t.reclaimable} to ${t.reclaimableMax}${t.reclaimableBounds ? '' : ' (estimate)'}`;
    if (!t.reclaimableExact && exact !== undefined) said += `, scan ${exact}`;
    const before = used();
    // XFS releases copy-on-write staging blocks in the background (every 5 minutes by default):
    // a seed during which it did says so rather than counting as off
    if (before !== first)
      return { ok: true, moved: true, line: `${seed} moved: ${first - before} bytes released while the figures were taken; run it again` };
    deleteSelection(sel, tree, fsys.mnt);
    const freed = before - used();
    if (exact !== undefined && freed !== exact) problems.push('exact is not freed');
    if (!t.reclaimableExact && t.reclaimableBounds && (freed < t.reclaimable || freed > t.reclaimableMax))
      problems.push('bounds do not hold');
    if (o.kind === 'xfs' && !o.rmap && o.asUser === undefined && exact === undefined) problems.push('the exact scan was not exact');
    const what = sel.map((p) => path.relative(fsys.mnt, p)).join(' ');
    return {
      ok: problems.length === 0,
      line: `${seed} ${problems.length === 0 ? 'ok ' : 'OFF'} ${said}, freed ${freed}; ${tree.files.length} files${tree.snap ? `, snapshot${tree.snapReadOnly ? ' (ro)' : ''}` : ''}; selected ${what}${problems.length ? `\n    ${problems.join('\n    ')}` : ''}`,
    };
  } finally {
    fsys.cleanup();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      fs: { type: 'string', default: 'btrfs' },
      compress: { type: 'boolean', default: false },
      'no-rmap': { type: 'boolean', default: false },
      'as-user': { type: 'string' },
      'max-files': { type: 'string', default: '10' },
      seeds: { type: 'string', default: '0:50' },
    },
  });
  const kind = values.fs === 'xfs' ? 'xfs' : 'btrfs';
  const why = skipReason(kind, ['xfs_io', 'fallocate', ...(kind === 'btrfs' ? ['btrfs'] : [])]);
  if (why) throw new Error(`space-fuzz: ${why}`);
  const o: Options = {
    kind,
    compress: values.compress === true && kind === 'btrfs',
    maxFiles: Math.max(3, Number(values['max-files'])),
    extras: true,
    rmap: !values['no-rmap'],
    asUser: values['as-user'] === undefined ? undefined : Number(values['as-user']),
  };
  await runSeeds(values.seeds!, (seed) => oneSeed(seed, o));
}

void main();
