// The engine in a worker thread: results equal the in-thread engine's (bigints and packed maps
// cross intact), errors cross as FsctlError, progress events arrive, the caller's event loop
// keeps running, and a cancel mid-operation stops the native loop and leaves nothing behind.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createEngine, FsctlError, type Progress } from '../../src/engine';
import { freshDir, makeFs, skipReason, type TestFs } from '../support/loopfs';
import { listing, sha256 } from '../support/sparse-files';
import { findVsCode, REPO_ROOT } from '../support/codeserver';
import { spawnSync } from 'node:child_process';

const skip = skipReason('ext4');

/** A file with `n` 4 KiB data blocks separated by 4 KiB holes: n copy_file_range calls to copy. */
function manyRanges(p: string, n: number): void {
  const fd = fs.openSync(p, 'w');
  const buf = Buffer.alloc(4096, 0xab);
  for (let i = 0; i < n; i++) fs.writeSync(fd, buf, 0, 4096, i * 8192);
  fs.closeSync(fd);
}

describe('engine in a worker thread', { skip }, () => {
  let ext4: TestFs;
  const worker = createEngine({ worker: true });
  const local = createEngine();
  before(() => {
    ext4 = makeFs('ext4', 512);
  });
  after(async () => {
    await worker.dispose();
    ext4?.cleanup();
  });

  test('same results as in-thread: ranges, map (packed transfer), volume', async () => {
    const f = path.join(freshDir(ext4, 'same'), 'f.bin');
    manyRanges(f, 9000);
    const [a, b] = [await worker.ranges(f), await local.ranges(f)];
    assert.deepEqual(a.ranges, b.ranges);
    assert.equal(a.ranges.length, 9000);
    const [ma, mb] = [await worker.map(f), await local.map(f)];
    assert.deepEqual(ma.extents, mb.extents);
    // 9000 extents need three FIEMAP pages of 4096: paging continues at the last extent's end.
    assert.equal(ma.extents.length, 9000);
    assert.ok(ma.calls >= 3, `calls ${ma.calls}`);
    ma.extents.forEach((e, i) => assert.equal(e.offset, BigInt(i) * 8192n));
    const packed = await worker.mapPacked(f);
    assert.equal(packed.packed.count, 9000);
    assert.ok(packed.packed.offset instanceof BigInt64Array);
    assert.equal(typeof ma.extents[0].offset, 'bigint');
    assert.deepEqual((await worker.volume(f)).filesystem, 'ext4');
  });

  test("the clone probe in a worker closes its descriptors as it opened them: no Node warning (Node 24, VS Code's extension host)", (t) => {
    // Node >= 22 warns "File descriptor N closed but not opened in unmanaged mode" when a worker
    // closes with fs.closeSync a descriptor fs did not open (the probe's O_TMPFILE ones, by libc).
    const vs = findVsCode();
    if (typeof vs === 'string') return t.skip(vs);
    const script = path.join(freshDir(ext4, 'probe-warning'), 'probe.mts');
    fs.writeFileSync(
      script,
      `import { createEngine } from ${JSON.stringify(path.join(REPO_ROOT, 'src/engine/index.ts'))};\n` +
        'const e = createEngine({ worker: true });\n' +
        `console.log(String((await e.volume(${JSON.stringify(ext4.mountPoint)})).supportsClone));\n` +
        'await e.dispose();\n',
    );
    const r = spawnSync(vs.node, ['--import', 'tsx', script], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'false', 'ext4 cannot clone: the probe ran (O_TMPFILE files)');
    assert.doesNotMatch(r.stderr, /closed but not opened/);
  });

  test('errors cross as FsctlError', async () => {
    await assert.rejects(worker.ranges('/nonexistent/x'), (e: unknown) => e instanceof FsctlError && e.code === 'ENOENT');
    await assert.rejects(worker.map('/dev/null'), (e: unknown) => e instanceof FsctlError && e.code === 'E_NOT_REGULAR');
  });

  test('progress events arrive and the event loop keeps running during a long copy', async () => {
    const d = freshDir(ext4, 'progress');
    const f = path.join(d, 'f.bin');
    manyRanges(f, 8000);
    const events: Progress[] = [];
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    const rep = await worker.copy(f, path.join(d, 'copy.bin'), { onProgress: (p) => events.push(p) });
    clearInterval(timer);
    assert.equal(rep.method, 'copy_file_range');
    assert.ok(rep.calls >= 8000);
    assert.equal(sha256(rep.destination!), sha256(f));
    assert.ok(events.length >= 1, 'progress events');
    assert.equal(events[events.length - 1].done, 8000n * 4096n);
    assert.ok(ticks >= 2, `event loop ran ${ticks} timer ticks during the copy`);
    fs.rmSync(d, { recursive: true });
  });

  test('cancel mid-copy: E_CANCELLED and nothing left in the destination folder', async () => {
    const d = freshDir(ext4, 'cancel');
    const f = path.join(d, 'f.bin');
    manyRanges(f, 30000);
    const out = freshDir(ext4, 'cancel-out');
    const ac = new AbortController();
    let seen = 0;
    const t0 = Date.now();
    await assert.rejects(
      worker.copy(f, out, {
        signal: ac.signal,
        onProgress: (p) => {
          seen++;
          if (p.done > 0n) ac.abort();
        },
      }),
      (e: unknown) => e instanceof FsctlError && e.code === 'E_CANCELLED' && /nothing was left behind/.test(e.message),
    );
    assert.ok(seen >= 1);
    assert.ok(Date.now() - t0 < 20000);
    assert.deepEqual(listing(out), [], 'no temp file, no partial copy');
    fs.rmSync(d, { recursive: true });
  });

  test('cancel mid dig-holes on a big file: stops early, content intact', async () => {
    const d = freshDir(ext4, 'dig');
    const f = path.join(d, 'zeros.bin');
    // 256 MiB of zeros written as data. From the page cache the worker scans ~1 MiB in well
    // under a millisecond, so the file must be big enough that the first progress event's
    // round trip (worker -> this thread -> the shared cancel flag) lands before the scan ends:
    // 64 MiB (~10 ms) was once too short on a busy machine.
    fs.writeFileSync(f, Buffer.alloc(256 * 1024 * 1024));
    const ac = new AbortController();
    await assert.rejects(
      worker.digHoles(f, { signal: ac.signal, onProgress: () => ac.abort() }),
      (e: unknown) => e instanceof FsctlError && e.code === 'E_CANCELLED',
    );
    assert.equal(fs.statSync(f).size, 256 * 1024 * 1024);
    const rest = await worker.digHoles(f);
    assert.ok(rest.bytes > 0n);
    assert.deepEqual((await worker.ranges(f)).ranges, []);
  });

  test('in-thread engine: a long loop yields, so an AbortSignal cancels it too; nothing left', async () => {
    const d = freshDir(ext4, 'cancel-local');
    const f = path.join(d, 'f.bin');
    manyRanges(f, 8000);
    const out = freshDir(ext4, 'cancel-local-out');
    const ac = new AbortController();
    await assert.rejects(
      local.copy(f, out, { signal: ac.signal, onProgress: () => ac.abort() }),
      (e: unknown) => e instanceof FsctlError && e.code === 'E_CANCELLED',
    );
    assert.deepEqual(listing(out), []);
    fs.rmSync(d, { recursive: true });
  });

  test(
    'the bundled dist/worker.js (npm run build) runs the same engine',
    { skip: fs.existsSync(path.resolve(__dirname, '../../dist/worker.js')) ? undefined : 'dist/worker.js not built (npm run build)' },
    async () => {
      const bundled = createEngine({ worker: true, workerScript: path.resolve(__dirname, '../../dist/worker.js') });
      try {
        const f = path.join(freshDir(ext4, 'bundled'), 'f.bin');
        manyRanges(f, 10);
        assert.deepEqual((await bundled.map(f)).extents, (await local.map(f)).extents);
        await assert.rejects(bundled.ranges('/nonexistent'), (e: unknown) => e instanceof FsctlError && e.code === 'ENOENT');
      } finally {
        await bundled.dispose();
      }
    },
  );

  test('an already aborted signal rejects at once', async () => {
    const ac = new AbortController();
    ac.abort();
    await assert.rejects(
      worker.ranges('/etc/hostname', { signal: ac.signal }),
      (e: unknown) => e instanceof FsctlError && e.code === 'E_CANCELLED',
    );
  });
});

describe('engine.dispose during a running operation', { skip }, () => {
  let ext4: TestFs;
  before(() => {
    ext4 = makeFs('ext4', 256);
  });
  after(() => ext4?.cleanup());

  test('cancels it, lets it clean up, then stops the worker: nothing left', async () => {
    const d = freshDir(ext4, 'dispose');
    const f = path.join(d, 'f.bin');
    manyRanges(f, 8000);
    const out = freshDir(ext4, 'dispose-out');
    const w = createEngine({ worker: true });
    let started!: () => void;
    const progressed = new Promise<void>((r) => (started = r));
    const running = w.copy(f, out, { onProgress: () => started() }).then(
      () => undefined,
      (e: unknown) => e,
    );
    await progressed;
    await w.dispose();
    const e = await running;
    assert.ok(e instanceof FsctlError && e.code === 'E_CANCELLED', String(e));
    assert.deepEqual(listing(out), []);
  });
});
