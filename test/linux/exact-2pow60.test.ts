// Exactness: on XFS a file of size 2^60 + 1 with data at 2^53 + 1 and at 2^60 maps exactly,
// in the engine API (bigint) and in the CLI's JSON text. 2^53 + 1 is the first integer a
// double cannot hold: any Number() on the way would turn it into 2^53 and the test fails.
// The JSON is checked as TEXT (regex on the digits) and parsed only where every offset is a
// string, so the test itself never rounds.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createEngine, type Engine } from '../../src/engine';
import { makeLoopFs, skipReason, type LoopFs } from '../cli/loop';
import { cli, ensureBuilt } from '../cli/run-cli';

const P53 = 1n << 53n;
const P60 = 1n << 60n;
const SIZE = P60 + 1n;
const BLOCK = 4096n;

/** Every `"key":"digits"` pair in JSON text, in order, without parsing numbers. */
function stringMembers(text: string, key: string): string[] {
  return [...text.matchAll(new RegExp(`"${key}":"(\\d+)"`, 'g'))].map((m) => m[1]);
}

/** filefrag -v extents as exact bigints (blocks of `block` bytes). */
function filefragPhysical(file: string): bigint[] {
  const out = execFileSync('filefrag', ['-v', '-b4096', file], { encoding: 'utf8' });
  return [...out.matchAll(/^\s*\d+:\s+\d+\.\.\s*\d+:\s+(\d+)\.\./gm)].map((m) => BigInt(m[1]) * BLOCK);
}

describe('exact 64-bit offsets on XFS (size 2^60 + 1)', { skip: skipReason('xfs', ['xfs_io', 'filefrag']) }, () => {
  let xfs: LoopFs;
  let engine: Engine;
  let file: string;
  before(() => {
    ensureBuilt();
    xfs = makeLoopFs('xfs', 512, 'exact');
    file = path.join(xfs.mnt, 'huge.bin');
    execFileSync('xfs_io', ['-f', '-c', `pwrite ${P53 + 1n} 1`, '-c', `pwrite ${P60} 1`, file], { stdio: 'ignore' });
    execFileSync('truncate', ['-s', SIZE.toString(), file]);
    engine = createEngine({ worker: false });
  });
  after(async () => {
    await engine?.dispose();
    xfs?.cleanup();
  });

  test('engine.ranges: [2^53, +4096) and [2^60, 2^60 + 1) exactly', async () => {
    const r = await engine.ranges(file);
    assert.equal(r.size, SIZE);
    assert.deepEqual(
      r.ranges.map((x) => [x.offset, x.length]),
      [
        [P53, BLOCK],
        [P60, 1n],
      ],
    );
    // a window starting at the odd offset 2^53 + 1 clips exactly
    const w = await engine.ranges(file, { window: { offset: P53 + 1n, length: 2n } });
    assert.deepEqual(
      w.ranges.map((x) => [x.offset, x.length]),
      [[P53 + 1n, 2n]],
    );
  });

  test('engine.map: extents at 2^53 and 2^60 with the physical offsets filefrag reports', async () => {
    const m = await engine.map(file);
    assert.equal(m.size, SIZE);
    assert.equal(m.blockSize, 4096);
    assert.equal(m.source, 'fiemap');
    assert.deepEqual(
      m.extents.map((e) => [e.offset, e.length]),
      [
        [P53, BLOCK],
        [P60, BLOCK],
      ],
    );
    assert.ok(m.extents[1].flags.includes('last'));
    assert.ok(!m.extents[0].flags.includes('unwritten'));
    assert.deepEqual(
      m.extents.map((e) => e.physical),
      filefragPhysical(file),
    );
  });

  test('CLI ranges --json: the exact digits, as strings', () => {
    const r = cli(['ranges', file, '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(stringMembers(r.stdout, 'size'), [SIZE.toString()]);
    assert.deepEqual(stringMembers(r.stdout, 'offset').slice(0, 2), [P53.toString(), P60.toString()]);
    assert.match(r.stdout, /"ranges":\[\{"offset":"9007199254740992","length":"4096"\},\{"offset":"1152921504606846976","length":"1"\}\]/);
    const j = JSON.parse(r.stdout); // safe: every offset and size is a string
    assert.equal(BigInt(j.size), SIZE);
    assert.equal(BigInt(j.ranges[1].offset) + BigInt(j.ranges[1].length), SIZE);

    const w = cli(['ranges', file, '--offset', '9007199254740993', '--length', '1', '--json']);
    assert.equal(w.code, 0, w.stderr);
    assert.match(w.stdout, /"ranges":\[\{"offset":"9007199254740993","length":"1"\}\]/);
  });

  test('CLI map --json and human output: the exact digits', () => {
    const r = cli(['map', file, '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^\{"path":"[^"]+","size":"1152921504606846977","blockSize":4096,"extents":\[/);
    assert.deepEqual(stringMembers(r.stdout, 'offset').slice(0, 2), ['9007199254740992', '1152921504606846976']);
    assert.deepEqual(
      stringMembers(r.stdout, 'physical').map(BigInt),
      filefragPhysical(file),
    );
    const h = cli(['map', file]);
    assert.equal(h.code, 0, h.stderr);
    assert.match(h.stdout, /size 1152921504606846977 \(1 EiB\)/);
    assert.match(h.stdout, /^\s*1\s+9007199254740992\s+9007199254745088\s+4096\s/m);
    assert.match(h.stdout, /^\s*2\s+1152921504606846976\s+1152921504606851072\s+4096\s+\d+\s+last/m);
  });

  test('CLI clone-range at 2^60 into a new file keeps the exact offset', () => {
    const dst = path.join(xfs.mnt, 'huge-dst.bin');
    fs.writeFileSync(dst, '');
    const r = cli(['clone-range', file, P60.toString(), dst, P60.toString(), '1', '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /"sourceOffset":"1152921504606846976"/);
    assert.equal(BigInt(fs.statSync(dst, { bigint: true }).size), SIZE);
    const m = cli(['ranges', dst, '--json']);
    assert.match(m.stdout, /"ranges":\[\{"offset":"1152921504606846976","length":"1"\}\]/);
  });
});

// The largest file a Linux file system can hold ends at 2^63 - 1, the largest offset: reads that
// would reach past it are refused by the kernel (EINVAL), and anything that walks the logical
// size block by block never ends. Found by a trial: `copy` failed (pread EINVAL past the end),
// and `dedupe` of two such files ran for minutes.
describe('the largest file: size 2^63 - 1 on XFS', { skip: skipReason('xfs', ['xfs_io', 'filefrag']) }, () => {
  const MAX = (1n << 63n) - 1n;
  const TAIL = (MAX / BLOCK) * BLOCK - BLOCK; // the last whole block before the end
  let xfs: LoopFs;
  let a: string;
  let b: string;
  before(() => {
    ensureBuilt();
    xfs = makeLoopFs('xfs', 512, 'exact-max');
    a = path.join(xfs.mnt, 'a.img');
    b = path.join(xfs.mnt, 'b.img');
    for (const f of [a, b])
      execFileSync('xfs_io', ['-f', '-c', `pwrite -S 0x5a 0 8192`, '-c', `pwrite -S 0xa5 ${TAIL} 4096`, '-c', `truncate ${MAX}`, f], {
        stdio: 'ignore',
      });
  });
  after(() => xfs?.cleanup());

  test('CLI copy: the same size, data and holes (reading stops at 2^63 - 1)', () => {
    const dst = path.join(xfs.mnt, 'copy.img');
    const r = cli(['copy', a, dst, '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(fs.statSync(dst, { bigint: true }).size, MAX);
    const m = cli(['ranges', dst, '--json']);
    assert.equal(m.code, 0, m.stderr);
    assert.ok(m.stdout.includes(`"ranges":[{"offset":"0","length":"8192"},{"offset":"${TAIL}","length":"4096"}]`), m.stdout);
    const fd = fs.openSync(dst, 'r');
    try {
      const tail = Buffer.alloc(4096);
      fs.readSync(fd, tail, 0, 4096, TAIL);
      assert.ok(tail.every((x) => x === 0xa5));
    } finally {
      fs.closeSync(fd);
    }
  });

  test('CLI dedupe: only the data is read and shared, at once, with exact offsets', () => {
    const t0 = performance.now();
    const find = cli(['dedupe', a, b, '--json']);
    assert.equal(find.code, 0, find.stderr);
    assert.ok(performance.now() - t0 < 30_000, 'the holes are not walked');
    assert.match(find.stdout, /"hashedBytes":"24576"/);
    assert.match(find.stdout, new RegExp(`"length":"${MAX}"`), 'one whole-file group of the full size');
    const apply = cli(['dedupe', a, b, '--apply', '--json']);
    assert.equal(apply.code, 0, apply.stderr);
    assert.match(apply.stdout, /"deduped":"12288"/);
    const shared = filefragPhysical(b);
    assert.deepEqual(shared, filefragPhysical(a), 'b now lies on a’s blocks');
  });
});
