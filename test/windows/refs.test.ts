// The success paths of the Windows backend on a real ReFS volume (a Dev Drive on a VHDX, made by
// .github/workflows/windows.yml). Self-skips unless process.platform === 'win32' and
// EXTENT_LENS_REFS_DIR points at a folder on ReFS. It CANNOT run on the Linux machines where the
// rest of the suite runs: there, the same FSCTL algorithms are proven over SMB2 against Samba
// (test/smb/) and the Windows ABI under Wine (test/wine/). See docs/WINDOWS.md.
//
// Independent checks: content by SHA-256 through Node's fs; shared clusters through
// FSCTL_GET_RETRIEVAL_POINTERS_AND_REFCOUNT reference counts (ReFS updates them lazily, docs/facts/windows-fsctl.md#reference-counts,
// so the check polls for a few seconds); the volume's capabilities and a clone's runs and
// reference counts through fsutil, which must agree with the backend (test/windows/fsutil.ts).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { OpContext } from '../../src/engine/backend';
import type { ExtendedBackend } from '../../src/engine/backend-ext';
import type { ExtentMap } from '../../src/engine/types';
import { normaliseRuns, parseExtentsAndRefCounts, parseVolumeInfo, type RefcountRun } from './fsutil';

const refsDir = process.env.EXTENT_LENS_REFS_DIR;
const skip =
  process.platform !== 'win32'
    ? `needs Windows with a ReFS volume (this is ${process.platform}); runs in .github/workflows/windows.yml`
    : !refsDir
      ? 'set EXTENT_LENS_REFS_DIR to a folder on a ReFS volume / Dev Drive'
      : undefined;

const ctx: OpContext = { checkCancelled() {}, progress() {} };
const MiB = 1 << 20;

function sha(p: string): string {
  return crypto.createHash('sha256').update(fs.readFileSync(p)).digest('hex');
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Map until some extent is shared (ReFS refcounts can lag a few seconds after a clone). */
async function waitShared(b: ExtendedBackend, p: string, seconds = 15): Promise<ExtentMap> {
  let m = await b.extentMap(p, undefined, ctx);
  for (let i = 0; i < seconds * 2 && !m.extents.some((e) => e.flags.includes('shared')); i++) {
    await sleep(500);
    m = await b.extentMap(p, undefined, ctx);
  }
  return m;
}

describe('win32 backend on ReFS (Dev Drive)', { skip }, () => {
  let dir = '';
  let b: ExtendedBackend;

  before(async () => {
    const { createWin32Backend } = await import('../../src/engine/backends/win32');
    b = createWin32Backend();
    dir = fs.mkdtempSync(path.join(refsDir!, 'el-windows-'));
  });
  after(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  test('volume: ReFS with block refcounting and sparse files', async () => {
    const v = await b.volume(dir);
    assert.equal(v.filesystem, 'ReFS');
    assert.equal(v.supportsClone, true, v.cloneEvidence);
    assert.equal(v.supportsSparse, true);
    assert.ok(v.blockSize === 4096 || v.blockSize === 65536, `cluster ${v.blockSize}`);
  });

  test('allocated ranges of a sparse file: holes where SET_ZERO_DATA punched them', async () => {
    const p = path.join(dir, 'sparse.bin');
    fs.writeFileSync(p, crypto.randomBytes(8 * MiB));
    await b.setSparse(p, true, ctx);
    await b.punchHole(p, { offset: 1n * BigInt(MiB), length: 2n * BigInt(MiB) }, ctx);
    await b.punchHole(p, { offset: 5n * BigInt(MiB), length: 1n * BigInt(MiB) }, ctx);
    const r = await b.allocatedRanges(p, undefined, ctx);
    const M = BigInt(MiB);
    assert.deepEqual(r.ranges, [
      { offset: 0n, length: M },
      { offset: 3n * M, length: 2n * M },
      { offset: 6n * M, length: 2n * M },
    ]);
    const data = fs.readFileSync(p);
    assert.ok(data.subarray(MiB, 3 * MiB).every((x) => x === 0), 'the punched range reads as zeros');
    // Paging: one entry per call.
    const { createNtBackend } = await import('../../src/engine/nt');
    const { createWin32Transport } = await import('../../src/engine/backends/win32');
    const paged = await createNtBackend(createWin32Transport(), 'win32', { rangesInitialOutputBytes: 16, retrievalInitialEntries: 1 }).allocatedRanges(p, undefined, ctx);
    assert.deepEqual(paged.ranges, r.ranges);
    assert.ok(paged.calls >= 3, `paged in ${paged.calls} calls`);
  });

  test('whole-file clone: identical content, clusters shared per GET_RETRIEVAL_POINTERS_AND_REFCOUNT', async () => {
    const src = path.join(dir, 'clone-src.bin');
    fs.writeFileSync(src, crypto.randomBytes(4 * MiB + 123));
    const dst = path.join(dir, 'clone-dst.bin');
    const rep = await b.cloneFile(src, dst, ctx);
    assert.equal(rep.method, 'FSCTL_DUPLICATE_EXTENTS_TO_FILE');
    assert.equal(rep.bytes, BigInt(4 * MiB + 123));
    assert.equal(sha(dst), sha(src));
    assert.equal(fs.statSync(dst).size, 4 * MiB + 123);
    const m = await waitShared(b, dst);
    assert.equal(m.source, 'refcount');
    assert.ok(m.extents.some((e) => e.flags.includes('shared') && (e.refcount ?? 0) >= 2), JSON.stringify(m.extents, (_k, v) => (typeof v === 'bigint' ? String(v) : v)));
  });

  test('range clone into another file (and the atomic _EX form): bytes equal, extents shared', async () => {
    const src = path.join(dir, 'range-src.bin');
    const dst = path.join(dir, 'range-dst.bin');
    fs.writeFileSync(src, crypto.randomBytes(4 * MiB));
    fs.writeFileSync(dst, Buffer.alloc(4 * MiB, 7));
    const M = BigInt(MiB);
    const rep = await b.cloneRange(src, M, dst, 2n * M, M, {}, ctx);
    assert.equal(rep.method, 'FSCTL_DUPLICATE_EXTENTS_TO_FILE');
    const s = fs.readFileSync(src);
    let d = fs.readFileSync(dst);
    assert.ok(d.subarray(2 * MiB, 3 * MiB).equals(s.subarray(MiB, 2 * MiB)));
    assert.ok(d.subarray(0, 2 * MiB).every((x) => x === 7), 'bytes outside the range are untouched');
    const atomic = await b.cloneRange(src, 0n, dst, 0n, M, { atomic: true }, ctx);
    assert.equal(atomic.method, 'FSCTL_DUPLICATE_EXTENTS_TO_FILE_EX');
    d = fs.readFileSync(dst);
    assert.ok(d.subarray(0, MiB).equals(s.subarray(0, MiB)));
    const m = await waitShared(b, dst);
    assert.ok(m.extents.some((e) => e.flags.includes('shared')));
  });

  test('misaligned range clone: a named OS error, destination unchanged', async () => {
    const src = path.join(dir, 'mis-src.bin');
    const dst = path.join(dir, 'mis-dst.bin');
    fs.writeFileSync(src, crypto.randomBytes(MiB));
    fs.writeFileSync(dst, Buffer.alloc(MiB, 1));
    await assert.rejects(b.cloneRange(src, 1n, dst, 0n, 4096n, {}, ctx), (e: { code: string }) => /^ERROR_/.test(e.code));
    assert.ok(fs.readFileSync(dst).every((x) => x === 1));
  });

  test('copy on a local volume: no resume key -> the hole-keeping fallback, identical bytes', async () => {
    const src = path.join(dir, 'copy-src.bin');
    fs.writeFileSync(src, crypto.randomBytes(3 * MiB));
    const dst = path.join(dir, 'copy-dst.bin');
    const rep = await b.copyFile(src, dst, ctx);
    assert.equal(sha(dst), sha(src));
    assert.ok(rep.method === 'sparse-copy' || rep.method === 'FSCTL_SRV_COPYCHUNK_WRITE', rep.method);
  });

  // fsutil is part of every Windows; a failure to run it is a failure of the check, not a skip.
  const fsutil = (...args: string[]) => execFileSync('fsutil', args, { encoding: 'utf8' });

  test('fsutil agrees that the clone source is sparse-capable ReFS with block cloning', async (t) => {
    const out = fsutil('fsinfo', 'volumeinfo', path.parse(dir).root);
    t.diagnostic(out);
    const info = parseVolumeInfo(out);
    assert.ok(info.recognised, `fsutil fsinfo volumeinfo printed nothing this test can read (a non-English Windows?):\n${out}`);
    const v = await b.volume(dir);
    assert.equal(info.fileSystemName, 'ReFS', out);
    assert.equal(info.fileSystemName, v.filesystem, 'fsutil and the backend name the same file system');
    assert.equal(info.supportsSparseFiles, true, `fsutil lists "Supports Sparse files":\n${out}`);
    assert.equal(info.supportsSparseFiles, v.supportsSparse, 'fsutil and the backend agree on sparse files');
    assert.equal(info.supportsBlockCloning, true, `fsutil lists "Supports Block Cloning":\n${out}`);
    assert.equal(info.supportsBlockCloning, v.supportsClone, 'fsutil and the backend agree on block cloning');
  });

  test('fsutil agrees with the backend on a clone\'s runs and reference counts', async (t) => {
    const src = path.join(dir, 'fsutil-src.bin');
    const dst = path.join(dir, 'fsutil-dst.bin');
    const size = 4 * MiB + 123;
    fs.writeFileSync(src, crypto.randomBytes(size));
    await b.cloneFile(src, dst, ctx);
    const cluster = BigInt((await b.volume(dir)).blockSize);
    const fileClusters = (BigInt(size) + cluster - 1n) / cluster;
    const fromBackend = (m: ExtentMap): RefcountRun[] =>
      normaliseRuns(
        m.extents.map((e) => ({ vcn: e.offset / cluster, clusters: (e.length + cluster - 1n) / cluster, lcn: e.physical === null ? -1n : e.physical / cluster, ref: e.refcount ?? 0 })),
        fileClusters,
      );
    const show = (runs: RefcountRun[]) => runs.map((r) => `vcn ${r.vcn} x${r.clusters} @lcn ${r.lcn} ref ${r.ref}`).join('\n');
    // Every complete cluster of a whole-file clone is shared with the source. The partial last
    // cluster (the file is 4 MiB + 123 bytes) may be private: Windows clones it rounded up past
    // EOF, and ReFS has been seen to keep such a tail cluster unshared.
    const completeClusters = BigInt(size) / cluster;
    const sharedComplete = (runs: RefcountRun[]) =>
      runs.filter((r) => r.ref >= 2).reduce((n, r) => n + (r.vcn + r.clusters > completeClusters ? (completeClusters > r.vcn ? completeClusters - r.vcn : 0n) : r.clusters), 0n);
    // ReFS settles its reference counts lazily, so read both views until they agree and show the
    // clone shared, within a deadline; on the deadline, fail with both views.
    const deadline = Date.now() + 30_000;
    let mine: RefcountRun[] = [];
    let theirs: RefcountRun[] = [];
    let raw = '';
    for (;;) {
      const m = await b.extentMap(dst, undefined, ctx);
      assert.equal(m.source, 'refcount', 'the backend reads GET_RETRIEVAL_POINTERS_AND_REFCOUNT on ReFS');
      mine = fromBackend(m);
      raw = fsutil('file', 'queryExtentsAndRefCounts', dst);
      const parsed = parseExtentsAndRefCounts(raw);
      assert.ok(parsed.length > 0, `fsutil file queryExtentsAndRefCounts printed no run this test can read:\n${raw}`);
      theirs = normaliseRuns(parsed, fileClusters);
      const agree = JSON.stringify(mine, (_k, v) => (typeof v === 'bigint' ? String(v) : v)) === JSON.stringify(theirs, (_k, v) => (typeof v === 'bigint' ? String(v) : v));
      if (agree && sharedComplete(theirs) === completeClusters) break;
      if (Date.now() > deadline) {
        assert.fail(`after 30 s fsutil and the backend still disagree, or the clone's ${completeClusters} complete clusters are not all shared:\nbackend:\n${show(mine)}\nfsutil:\n${show(theirs)}\nfsutil said:\n${raw}`);
      }
      await sleep(500);
    }
    t.diagnostic(`agreed on ${theirs.length} run(s):\n${show(theirs)}`);
    const covered = theirs.reduce((n, r) => n + r.clusters, 0n);
    assert.equal(covered, fileClusters, 'every cluster of the clone is allocated');
  });
});
