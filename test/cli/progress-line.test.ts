// The progress line on stderr (src/cli/status-line.ts): drawn only when stderr is a terminal (a
// real pseudo-terminal from util-linux `script`), only after the wait (1 s by default;
// EXTENT_LENS_PROGRESS_AFTER_MS), erased before the command's own output, so stdout is the same
// bytes with or without it and a pipe or file gets no trace of it; cut to the terminal's width.

import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { amountOf, fitLine } from '../../src/cli/status-line';
import { CLI_ARGV, cli, ensureBuilt } from './run-cli';
import { tempDir } from './temp-dir';

const hasScript = spawnSync('script', ['--version']).status === 0;

/** Run the CLI with stderr on a pseudo-terminal of `columns` columns (stdout to `out`): what the terminal got. */
function onTerminal(args: string[], out: string, env: NodeJS.ProcessEnv, columns = 200): string {
  const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
  const cmd = `stty columns ${columns}; ${[process.execPath, ...CLI_ARGV, ...args].map(q).join(' ')} > ${q(out)}`;
  return execFileSync('script', ['-qec', cmd, '/dev/null'], { encoding: 'latin1', env: { ...process.env, ...env } });
}

describe('CLI progress line on a terminal', { skip: hasScript ? false : 'util-linux script is not installed' }, () => {
  let d: string;
  before(() => {
    ensureBuilt();
    d = tempDir('progress');
    const data = randomBytes(256 * 1024);
    for (let i = 0; i < 6; i++) fs.writeFileSync(path.join(d, `f${i}`), i % 2 === 0 ? data : randomBytes(256 * 1024));
  });
  after(() => fs.rmSync(d, { recursive: true, force: true }));

  test('dedupe: the line is drawn in place, erased before the output, and stdout is the same bytes as through a pipe', () => {
    const out = path.join(d, '..', `${path.basename(d)}.out`);
    try {
      const term = onTerminal(['dedupe', d], out, { EXTENT_LENS_PROGRESS_AFTER_MS: '0' });
      const lines = [...term.matchAll(/\r(extent-lens dedupe: [^\r]*?) *(?=\r)/g)].map((m) => m[1]);
      assert.ok(lines.length > 0, `a progress line was drawn: ${JSON.stringify(term)}`);
      assert.ok(
        // (redrawn at most every 200 ms: a small tree shows the walk's line, a big one the hashing too)
        lines.every((l) => /^extent-lens dedupe: ([\d,]+ files? found|.+ of .+ \(\d+%\) hashed, [\d,]+ files? done)$/.test(l)),
        JSON.stringify(lines),
      );
      // the last thing on the terminal is the erase: \r, as many spaces as the widest line, \r
      const width = Math.max(...lines.map((l) => l.length));
      assert.match(term, new RegExp(`\\r {${width},}\\r$`), 'erased at the end');
      const piped = cli(['dedupe', d], { env: { ...process.env, EXTENT_LENS_PROGRESS_AFTER_MS: '0' } });
      assert.equal(piped.code, 0);
      const timeless = (t: string): string => t.replace(/^done in .*$/m, 'done in');
      assert.equal(timeless(fs.readFileSync(out, 'utf8')), timeless(piped.stdout), 'stdout unchanged by the line');
      assert.doesNotMatch(piped.stderr, /\r|extent-lens dedupe:/, 'a pipe gets no line');
    } finally {
      fs.rmSync(out, { force: true });
    }
  });

  test('a command quicker than the default wait (1 s) draws nothing', () => {
    const out = path.join(d, '..', `${path.basename(d)}.quick`);
    try {
      const term = onTerminal(['dedupe', d], out, { EXTENT_LENS_PROGRESS_AFTER_MS: undefined });
      assert.doesNotMatch(term, /extent-lens dedupe:/, JSON.stringify(term));
    } finally {
      fs.rmSync(out, { force: true });
    }
  });

  test("copy: its last line says it waits for the disk, drawn however soon after the last bytes (it sat at '100% copied')", () => {
    const src = path.join(d, '..', `${path.basename(d)}.big`);
    const dst = path.join(d, '..', `${path.basename(d)}.copy`);
    const out = path.join(d, '..', `${path.basename(d)}.copyout`);
    try {
      fs.writeFileSync(src, randomBytes(8 * 1024 * 1024));
      const term = onTerminal(['copy', src, dst], out, { EXTENT_LENS_PROGRESS_AFTER_MS: '0' });
      const lines = [...term.matchAll(/\r(extent-lens copy: [^\r]*?) *(?=\r)/g)].map((m) => m[1]);
      assert.equal(lines.at(-1), 'extent-lens copy: 8 MiB of 8 MiB (100%) copied; writing the copy to the disk', JSON.stringify(lines));
      assert.ok(fs.readFileSync(dst).equals(fs.readFileSync(src)));
    } finally {
      for (const f of [src, dst, out]) fs.rmSync(f, { force: true });
    }
  });

  test('space: files and bytes; never wider than the terminal', () => {
    const out = path.join(d, '..', `${path.basename(d)}.space`);
    try {
      const term = onTerminal(['space', d], out, { EXTENT_LENS_PROGRESS_AFTER_MS: '0' }, 30);
      const lines = [...term.matchAll(/\r(extent-lens space: [^\r]*?) *(?=\r)/g)].map((m) => m[1]);
      assert.ok(lines.length > 0, JSON.stringify(term));
      for (const l of lines) assert.ok(l.length <= 29, `fits 30 columns: ${JSON.stringify(l)}`);
      assert.ok(lines.every((l) => l.endsWith('...')), JSON.stringify(lines));
      assert.match(fs.readFileSync(out, 'utf8'), /^total/m);
    } finally {
      fs.rmSync(out, { force: true });
    }
  });
});

describe('status-line words', () => {
  test('fitLine: non-ASCII and controls as ?, cut with ...', () => {
    assert.equal(fitLine('abc', 10), 'abc');
    assert.equal(fitLine('é\tx', 10), '??x');
    assert.equal(fitLine('0123456789', 8), '01234...');
    assert.equal(fitLine('0123456789', 2), '01');
  });
  test('amountOf: exact percent of bigints past 2^53, done capped at total, no total = the bytes alone', () => {
    assert.equal(amountOf(1n << 62n, 1n << 63n), '4 EiB of 8 EiB (50%)');
    assert.equal(amountOf((1n << 53n) + 1n, 1n << 53n), '8 PiB of 8 PiB (100%)');
    assert.equal(amountOf(1536n, 0n), '1.5 KiB');
  });
});
