// Helpers of the dedupe tests on loop-mounted file systems (test/linux/dedupe*.test.ts): file
// contents and extents as the peer tools see them, free space after sync, and the layouts
// several of those files share.

import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createEngine, type DedupePlan, type DedupeReport, type Engine } from '../../src/engine';
import { after, before, describe } from 'node:test';
import { makeFs, skipReason, type FsKind, type TestFs } from './loopfs';

export const KiB = 1024;
export const MiB = 1024 * KiB;
export const CHUNK = 128 * KiB;

/** sha256 of a file's content, read 8 MiB at a time (the sparse files are 1 GiB). */
export function sha(p: string): string {
  const h = createHash('sha256');
  const buf = Buffer.alloc(8 * MiB);
  const fd = fs.openSync(p, 'r');
  for (let n; (n = fs.readSync(fd, buf, 0, buf.length, null)) > 0;) h.update(buf.subarray(0, n));
  fs.closeSync(fd);
  return h.digest('hex');
}
export function shas(dir: string): Map<string, string> {
  return new Map(fs.readdirSync(dir).map((n) => [n, sha(path.join(dir, n))]));
}

/** filefrag -v extents: logical and physical block, length, flags. */
export function frags(p: string): { logical: number; physical: number; length: number; flags: string }[] {
  const out = execFileSync('filefrag', ['-v', p], { encoding: 'utf8' });
  const rows: { logical: number; physical: number; length: number; flags: string }[] = [];
  for (const line of out.split('\n')) {
    const m = /^\s*\d+:\s+(\d+)\.\.\s*\d+:\s+(\d+)\.\.\s*\d+:\s+(\d+):\s*(?:\d+:)?\s*(\S*)/.exec(line);
    if (m) rows.push({ logical: Number(m[1]), physical: Number(m[2]), length: Number(m[3]), flags: m[4] });
  }
  return rows;
}

/** A sparse file of `size` bytes holding data[i] at offset at[i]. */
export function sparseFile(p: string, size: number, data: Buffer[], at: number[]): void {
  const fd = fs.openSync(p, 'w');
  fs.ftruncateSync(fd, size);
  at.forEach((o, i) => fs.writeSync(fd, data[i], 0, data[i].length, o));
  fs.fsyncSync(fd);
  fs.closeSync(fd);
}

/**
 * Apply `plan`, cancelled at its first progress event: a report of what was done (not an error,
 * since sharing had begun), its `freed` what statfs says, and every file of `dir` reads as `before`.
 */
export async function applyCancelledAtOnce(
  engine: Engine,
  plan: DedupePlan,
  dir: string,
  before: Map<string, string>,
  mountPoint: string,
): Promise<DedupeReport> {
  const c = new AbortController();
  const free0 = freeAfterSync(mountPoint);
  const r = await engine.dedupe(plan, { signal: c.signal, onProgress: () => c.abort() });
  assert.ok(r.cancelled, 'cancelled');
  assert.equal(r.cancelled.groups, plan.groups.length);
  assert.ok(r.cancelled.groupsDone < r.cancelled.groups, JSON.stringify(r.cancelled));
  assert.equal(r.cancelled.countsAtLeast, false, 'every thread handed back its counts');
  assert.equal(r.freed, freeAfterSync(mountPoint) - free0, 'freed as statfs says');
  assert.deepEqual(shas(dir), before);
  return r;
}

export function freeAfterSync(mountPoint: string): bigint {
  execFileSync('sync');
  const s = fs.statfsSync(mountPoint, { bigint: true });
  return s.bfree * s.bsize;
}

/**
 * XFS frees exactly the data blocks. btrfs frees the data extents and, with them, metadata (their
 * checksums, 4 bytes per 4 KiB block, and extent items, in 16 KiB tree nodes): at most 1% more or
 * a few nodes (64 KiB), whichever is larger (a 3 MiB test once freed 32 KiB more); and at least
 * the estimate less one tree node written twice (DUP metadata: 32 KiB), which the same commit may
 * allocate (a 256 KiB test once freed 229,376 bytes).
 */
export function freedMatches(kind: FsKind, freed: bigint, estimated: bigint): void {
  if (kind === 'xfs') assert.equal(freed, estimated);
  else {
    const slack = estimated / 100n > 65536n ? estimated / 100n : 65536n;
    assert.ok(freed >= estimated - 32768n && freed <= estimated + slack, `btrfs freed ${freed}, estimated ${estimated}`);
  }
}

export function groupOf(plan: DedupePlan, name: string): DedupePlan['groups'][number] | undefined {
  return plan.groups.find((g) => g.ranges.some((r) => path.basename(r.path) === name));
}

/**
 * a, b, c copies in sel/; out/cclone clones c, out/bpart clones b's second MiB (a trial's layout:
 * 8 MiB estimated, 7 MiB freed on XFS, 4 MiB on btrfs, where bpart keeps b's whole extent).
 * Finds sel/ and applies the plan.
 */
export async function outsideSharedLayout(d: string, kind: FsKind): Promise<{ plan: DedupePlan; r: DedupeReport }> {
  fs.mkdirSync(path.join(d, 'sel'));
  fs.mkdirSync(path.join(d, 'out'));
  const data = randomBytes(4 * MiB);
  for (const n of ['a', 'b', 'c']) fs.writeFileSync(path.join(d, 'sel', n), data);
  execFileSync('sync');
  execFileSync('cp', ['--reflink=always', path.join(d, 'sel', 'c'), path.join(d, 'out', 'cclone')]);
  execFileSync('xfs_io', ['-f', '-c', `reflink ${path.join(d, 'sel', 'b')} ${MiB} 0 ${MiB}`, path.join(d, 'out', 'bpart')]);
  execFileSync('sync');
  const engine = createEngine();
  const plan = await engine.findDuplicates([path.join(d, 'sel')]);
  assert.equal(plan.groups.length, 1);
  // the copy with the most blocks shared elsewhere: c (XFS flags blocks); on btrfs, which
  // flags whole extents, b's is shared too, and either frees the same
  assert.match(path.basename(plan.groups[0].ranges[0].path), kind === 'xfs' ? /^c$/ : /^[bc]$/);
  return { plan, r: await engine.dedupe(plan) };
}

/**
 * The dedupe suites that run on both file systems that share blocks: `body` once per kind,
 * inside `describe('dedupe on <kind>')`, with the file system its before() makes (filled in
 * then: read it inside tests). Room for every test's files at once (a sparse image: only what is
 * written costs disk).
 */
export function onReflinkFileSystems(body: (kind: FsKind, t: TestFs) => void): void {
  for (const kind of ['btrfs', 'xfs'] as FsKind[])
    describe(`dedupe on ${kind}`, { skip: skipReason(kind) }, () => {
      const t = {} as TestFs;
      before(() => Object.assign(t, makeFs(kind, 1024)));
      after(() => t.cleanup?.());
      body(kind, t);
    });
}
