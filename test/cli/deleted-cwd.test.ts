// The CLI run from a folder that was deleted (a shell still standing in it): absolute paths work
// and relative ones fail with ENOENT, as for cp. Node cannot start a worker thread there (its
// bootstrap calls process.cwd(): ENOENT uv_cwd), and a trial's `copy /abs/a /abs/b` said "the
// engine worker stopped (ENOENT: no such file or directory, uv_cwd) (E_INTERNAL)" where cp copied.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CLI_ARGV, ensureBuilt } from './run-cli';
import { tempDir } from './temp-dir';

/** The CLI started from `gone`, removed after the shell entered it and before the CLI starts. */
function cliInDeletedFolder(gone: string, args: string[]): { code: number | null; stdout: string; stderr: string } {
  fs.mkdirSync(gone);
  const r = spawnSync('sh', ['-c', 'cd "$1" && rmdir "$1" && shift && exec "$@"', 'sh', gone, process.execPath, ...CLI_ARGV, ...args], {
    encoding: 'utf8',
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe(
  'run from a deleted folder',
  { skip: process.platform !== 'linux' ? 'Linux: a shell may stand in a removed folder' : undefined },
  () => {
    let dir: string;
    before(() => {
      ensureBuilt();
      dir = tempDir();
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    test('absolute paths work, in the worker commands too (copy, zero, dig-holes, dedupe\'s hashing threads); a relative one is ENOENT', () => {
      const src = path.join(dir, 'src.bin');
      fs.writeFileSync(src, Buffer.concat([Buffer.alloc(8192, 3), Buffer.alloc(8192, 0)]));
      const dest = path.join(dir, 'copy.bin');
    fs.mkdirSync(path.join(dir, 'twins'));
      const copy = cliInDeletedFolder(path.join(dir, 'gone1'), ['copy', src, dest]);
      assert.equal(copy.code, 0, copy.stderr);
      assert.deepEqual(fs.readFileSync(dest), fs.readFileSync(src));
      for (const args of [
        ['zero', dest, '0', '4096'],
        ['dig-holes', dest],
      ]) {
        const r = cliInDeletedFolder(path.join(dir, `gone-${args[0]}`), args);
        assert.equal(r.code, 0, `${args[0]}: ${r.stderr}`);
      }
      // dedupe's hashing threads (64 MiB and more of data): the caller's thread hashes alone
    const twin = randomBytes(40 << 20);
    fs.writeFileSync(path.join(dir, 'twins', 'a.bin'), twin);
    fs.writeFileSync(path.join(dir, 'twins', 'b.bin'), twin);
    const dd = cliInDeletedFolder(path.join(dir, 'gone-dedupe'), ['dedupe', path.join(dir, 'twins'), '--json']);
    assert.equal(dd.code, 0, dd.stderr);
    assert.ok(JSON.parse(dd.stdout).groups.some((g: { wholeFiles: boolean }) => g.wholeFiles), dd.stdout.slice(0, 400));
    fs.rmSync(path.join(dir, 'twins'), { recursive: true });
    // a name relative to a removed folder names nothing: ENOENT, as cp says, not a fault of ours
      const rel = cliInDeletedFolder(path.join(dir, 'gone2'), ['copy', src, 'here.bin']);
      assert.equal(rel.code, 1, rel.stderr);
      assert.match(rel.stderr, /\(ENOENT\)/);
      assert.doesNotMatch(rel.stderr, /E_INTERNAL|uv_cwd|worker/);
      assert.deepEqual(fs.readdirSync(dir).sort(), ['copy.bin', 'src.bin']);
    });
  },
);
