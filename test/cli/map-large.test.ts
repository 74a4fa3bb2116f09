// `extent-lens map` of a real file with 40,000 extents on XFS: many of the writer's row
// batches and output chunks. The table must agree with filefrag on every extent, and --json
// with the table. (The writer's exact bytes are held by test/cli/map-table.test.ts.)

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { makeLoopFs, skipReason, type LoopFs } from './loop';
import { cli, ensureBuilt } from './run-cli';

const COUNT = 40_000;

describe(
  `map of ${COUNT} extents (XFS): the table agrees with filefrag, --json with the table`,
  { skip: skipReason('xfs', ['xfs_io', 'filefrag']) },
  () => {
    let xfs: LoopFs;
    let file: string;
    before(() => {
      ensureBuilt();
      xfs = makeLoopFs('xfs', 512, 'cli');
      file = path.join(xfs.mnt, 'many.bin');
      // unwritten 4 KiB extents alternating with holes, and every 7th one written (no flag)
      let script = `falloc 0 ${COUNT * 8192}\n`;
      for (let i = 0; i < COUNT; i++) script += `fpunch ${i * 8192 + 4096} 4096\n`;
      for (let i = 0; i < COUNT; i += 7) script += `pwrite -q ${i * 8192} 4096\n`;
      script += 'fsync\n';
      execFileSync('xfs_io', ['-f', file], { input: script, stdio: ['pipe', 'ignore', 'inherit'] });
    });
    after(() => xfs?.cleanup());

    test('the table: one row per extent, the extents filefrag reports', () => {
      const r = cli(['map', file]);
      assert.equal(r.code, 0, r.stderr);
      const lines = r.stdout.trimEnd().split('\n');
      assert.equal(lines.length, COUNT + 4); // path line, header, rows, summary, the note on the extent tree's blocks
      assert.match(lines[lines.length - 2], new RegExp(`^${COUNT} extents, ${COUNT} holes; mapped ${COUNT * 4096} `));
      // 40,000 extents need an extent btree: blocks the file holds that no extent shows (its block count does)
      const beyond = BigInt(execFileSync('stat', ['-c', '%b', file], { encoding: 'utf8' }).trim()) * 512n - BigInt(COUNT * 4096);
      assert.ok(beyond > 0n);
      assert.match(
        lines[lines.length - 1],
        new RegExp(`^note: XFS holds ${beyond} bytes \\(.+\\) for this file beyond the blocks of its extents .*extent tree`),
      );
      assert.match(lines[2], /^\s+1\s+0\s+4096\s+4096\s+\d+$/); // block 0 was written: no flag
      assert.match(lines[3], /^\s+2\s+8192\s+12288\s+4096\s+\d+  unwritten$/);
      assert.match(
        lines[COUNT + 1],
        new RegExp(`^${COUNT}\\s+${(COUNT - 1) * 8192}\\s+${COUNT * 8192 - 4096}\\s+4096\\s+\\d+  last(,unwritten)?$`),
      );
      // filefrag -v -b4096: "ext: logical..end: physical..end: length: ..." in 4 KiB blocks
      const ff = execFileSync('filefrag', ['-v', '-b4096', file], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
      const theirs = [...ff.matchAll(/^\s*\d+:\s+(\d+)\.\.\s*\d+:\s+(\d+)\.\.\s*\d+:\s+(\d+):/gm)].map((m) =>
        [BigInt(m[1]) * 4096n, BigInt(m[3]) * 4096n, BigInt(m[2]) * 4096n].join(' '),
      );
      const ours = lines.slice(2, -2).map((row) =>
        row
          .trim()
          .split(/\s+/)
          .filter((_, k) => k === 1 || k === 3 || k === 4)
          .join(' '),
      );
      assert.equal(theirs.length, COUNT);
      assert.deepEqual(ours, theirs);
    });

    test('--json: the same extents as the table', () => {
      const r = cli(['map', file, '--json']);
      assert.equal(r.code, 0, r.stderr);
      const j = JSON.parse(r.stdout) as { extents: Array<{ offset: string; length: string; physical: string | null; flags: string[] }> };
      const rows = cli(['map', file]).stdout.trimEnd().split('\n').slice(2, -2);
      assert.equal(j.extents.length, COUNT);
      rows.forEach((row, i) => {
        const [, off, , len, phys, flags] = /^\s*\d+\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+|-)(?:\s+(\S+))?$/.exec(row) ?? [];
        const e = j.extents[i];
        assert.deepEqual([off, len, phys, flags ?? ''], [e.offset, e.length, e.physical ?? '-', e.flags.join(',')], `extent ${i + 1}`);
      });
    });
  },
);
