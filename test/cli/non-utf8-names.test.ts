// The built CLI with file names that are not UTF-8 (issue 11 item 11), on a real XFS, as root.
// Node decodes process.argv as UTF-8 and turns such bytes into U+FFFD; the CLI reads the raw
// arguments (/proc/self/cmdline) and the engine passes the exact bytes to the OS. Human output
// shows each such byte as \xNN; JSON carries it as "\udcNN" (surrogateescape).
//
// child_process takes arguments as strings only (UTF-8), so the raw bytes reach the CLI through
// a shell script written as bytes: `exec node dist/cli.js ranges '<bytes>'`. filefrag and
// xfs_io are run the same way, on the same bytes, for comparison.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fromOsBytes } from '../../src/engine/os-path';
import { CLI, CLI_ARGV, ensureBuilt } from './run-cli';
import { makeLoopFs, skipReason, tempDir, type LoopFs } from './loop';
import { parseFilefrag, parseSeekOutput } from './tool-output';

type Arg = string | Buffer;

/** One shell word holding exactly these bytes. */
function shellWord(a: Arg): Buffer {
  const b = Buffer.from(a);
  const parts: Buffer[] = [Buffer.from("'")];
  let start = 0;
  for (let i = 0; i < b.length; i++) {
    if (b[i] !== 0x27) continue;
    parts.push(b.subarray(start, i), Buffer.from("'\\''"));
    start = i + 1;
  }
  parts.push(b.subarray(start), Buffer.from("'"));
  return Buffer.concat(parts);
}

let scripts = '';
let n = 0;
/** Run `argv` (raw bytes allowed) through a shell script written as bytes. */
function runBytes(argv: Arg[], env?: NodeJS.ProcessEnv): { code: number | null; stdout: string; stderr: string } {
  const file = path.join(scripts, `run-${n++}.sh`);
  fs.writeFileSync(file, Buffer.concat([Buffer.from('exec'), ...argv.flatMap((a) => [Buffer.from(' '), shellWord(a)]), Buffer.from('\n')]));
  const r = spawnSync('sh', [file], { encoding: 'utf8', env: env ?? process.env, timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
const cli = (...args: Arg[]) => runBytes([process.execPath, ...CLI_ARGV, ...args]);
function cliJson(...args: Arg[]): any {
  const r = cli(...args, '--json');
  assert.equal(r.code, 0, r.stderr + r.stdout);
  return JSON.parse(r.stdout);
}

const bytesPath = (dir: Arg, name: Arg): Buffer => Buffer.concat([Buffer.from(dir), Buffer.from('/'), Buffer.from(name)]);
/** How a name looks in human output: each byte that is not UTF-8 as \xNN. */
const shown = (b: Buffer): string => fromOsBytes(b).replace(/[\udc80-\udcff]/g, (c) => '\\x' + (c.charCodeAt(0) - 0xdc00).toString(16));
const sha = (p: Buffer): string => createHash('sha256').update(fs.readFileSync(p)).digest('hex');
const names = (dir: Buffer): string[] => (fs.readdirSync(dir, { encoding: 'buffer' }) as Buffer[]).map((x) => x.toString('hex')).sort();
const hex = (...xs: Arg[]): string[] => xs.map((x) => Buffer.from(x).toString('hex')).sort();

function pattern(len: number): Buffer {
  const b = Buffer.alloc(len);
  for (let i = 0; i < len; i++) b[i] = ((i * 131) % 251) + 1;
  return b;
}

const BAD = Buffer.from('bad\xff.bin', 'latin1');
const LATIN1 = Buffer.from('caf\xe9.bin', 'latin1');

describe('extent-lens with names that are not UTF-8 (xfs)', { skip: skipReason('xfs', ['xfs_io', 'filefrag']) }, () => {
  let xfs: LoopFs;
  let d: string;
  before(() => {
    ensureBuilt();
    scripts = tempDir('non-utf8');
    xfs = makeLoopFs('xfs', 300);
    d = path.join(xfs.mnt, 'names');
    fs.mkdirSync(d);
  });
  after(() => {
    xfs?.cleanup();
    if (scripts) fs.rmSync(scripts, { recursive: true, force: true });
  });

  test('ranges and map reach the file (as xfs_io and filefrag do), show \\xff, and JSON carries \\udcff', () => {
    const f = bytesPath(d, BAD);
    // data, a hole, data, preallocated (unwritten) space
    const io = runBytes(['xfs_io', '-f', '-c', 'pwrite -q 0 64k', '-c', 'pwrite -q 256k 64k', '-c', 'falloc 512k 64k', '-c', 'fsync', f]);
    assert.equal(io.code, 0, io.stderr);
    const h = cli('ranges', f);
    assert.equal(h.code, 0, h.stderr);
    assert.equal(h.stdout.split('\n')[0], `${shown(f)}: size 589824 (576 KiB)`);
    assert.match(h.stdout.split('\n')[0], /\/bad\\xff\.bin: /);
    const j = cliJson('ranges', f);
    assert.equal(j.path, fromOsBytes(f));
    assert.equal(j.path.endsWith('/bad\udcff.bin'), true);
    assert.match(cli('ranges', f, '--json').stdout, /"path":"[^"]*\/bad\\udcff\.bin"/);
    const seek = parseSeekOutput(runBytes(['xfs_io', '-c', 'seek -a -r 0', f]).stdout);
    assert.deepEqual(
      j.ranges.map((r: { offset: string; length: string }) => [BigInt(r.offset), BigInt(r.length)]),
      seek.map((r) => [r.offset, r.length]),
    );
    const m = cli('map', f);
    assert.equal(m.code, 0, m.stderr);
    assert.match(m.stdout, /\/bad\\xff\.bin: size 589824 \(576 KiB\), block size 4096, source fiemap\n/);
    const mj = cliJson('map', f);
    assert.equal(mj.path, fromOsBytes(f));
    const ff = runBytes(['filefrag', '-v', '-b4096', f]);
    assert.equal(ff.code, 0, ff.stderr);
    const theirs = parseFilefrag(ff.stdout).extents;
    assert.deepEqual(
      mj.extents.map((e: { offset: string; length: string; physical: string }) => [BigInt(e.offset), BigInt(e.length), BigInt(e.physical)]),
      theirs.map((e) => [e.offset, e.length, e.physical]),
    );
    assert.equal(theirs.length, 3);
  });

  test('clone: source and destination not UTF-8, rename to "name (clone).ext", into a folder not UTF-8', () => {
    const src = bytesPath(d, LATIN1);
    fs.writeFileSync(src, pattern(300_000));
    const dst = bytesPath(d, Buffer.from('clone-\xff\xfe.bin', 'latin1'));
    const h = cli('clone', src, dst);
    assert.equal(h.code, 0, h.stderr);
    assert.equal(
      h.stdout,
      `cloned ${shown(src)} -> ${shown(dst)}: 300000 (292.97 KiB) by FICLONE in 1 call, ${/, ([^,]*)\n$/.exec(h.stdout)![1]}\n`,
    );
    assert.equal(sha(dst), sha(src));
    // Taken now: E_EXISTS naming it (escaped), then the rename policy.
    const again = cli('clone', src, dst);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /clone-\\xff\\xfe\.bin already exists \(E_EXISTS\)/);
    const renamed = bytesPath(d, Buffer.from('clone-\xff\xfe (clone).bin', 'latin1'));
    const r = cliJson('clone', src, dst, '--on-existing', 'rename');
    assert.equal(r.destination, fromOsBytes(renamed));
    assert.equal(r.source, fromOsBytes(src));
    assert.equal(sha(renamed), sha(src));
    // Overwrite, through the bytes.
    fs.writeFileSync(dst, 'old');
    assert.equal(cliJson('clone', src, dst, '--on-existing', 'overwrite').destination, fromOsBytes(dst));
    assert.equal(sha(dst), sha(src));
    // Into a folder whose name is not UTF-8: the source keeps its name.
    const folder = bytesPath(d, Buffer.from('into-\xfe', 'latin1'));
    fs.mkdirSync(folder);
    const into = cli('clone', src, folder);
    assert.equal(into.code, 0, into.stderr);
    assert.match(into.stdout, /^cloned .*\/caf\\xe9\.bin -> .*\/into-\\xfe\/caf\\xe9\.bin: /);
    assert.equal(sha(bytesPath(folder, LATIN1)), sha(src));
    assert.deepEqual(names(folder), hex(LATIN1));
  });

  test('copy, punch and volume on names that are not UTF-8', () => {
    const src = bytesPath(d, Buffer.from('copy-src-\xe9.bin', 'latin1'));
    fs.writeFileSync(src, pattern(200_000));
    const dst = bytesPath(d, Buffer.from('copy-\xc3\x28.bin', 'latin1'));
    const c = cli('copy', src, dst);
    assert.equal(c.code, 0, c.stderr);
    assert.match(c.stdout, /^copied .*\/copy-src-\\xe9\.bin -> .*\/copy-\\xc3\(\.bin: 200000 /);
    assert.equal(sha(dst), sha(src));
    const c2 = cliJson('copy', src, dst, '--on-existing', 'rename');
    assert.equal(c2.destination, fromOsBytes(bytesPath(d, Buffer.from('copy-\xc3\x28 (copy).bin', 'latin1'))));
    const before = fs.statSync(dst).blocks;
    const p = cli('punch', dst, '0', '64k');
    assert.equal(p.code, 0, p.stderr);
    assert.match(p.stdout, /^punched .*\/copy-\\xc3\(\.bin \[0, 65536\): 65536 \(64 KiB\) by FALLOC_FL_PUNCH_HOLE/);
    assert.equal(fs.statSync(dst).blocks, before - 128);
    assert.equal(cliJson('punch', dst, '64k', '64k').path, fromOsBytes(dst));
    const folder = bytesPath(d, Buffer.from('vol-\xff', 'latin1'));
    fs.mkdirSync(folder);
    const v = cli('volume', folder);
    assert.equal(v.code, 0, v.stderr);
    assert.match(v.stdout, /^path\s+.*\/vol-\\xff$/m);
    assert.match(v.stdout, /^block cloning\s+yes$/m);
    assert.match(v.stdout, /^evidence\s+a FICLONE probe in .*\/vol-\\xff cloned/m);
    assert.equal(cliJson('volume', folder).path, fromOsBytes(folder));
    assert.deepEqual(names(folder), []);
  });

  test('a missing name: ENOENT with the name escaped, JSON error paths with \\udcNN; the U+FFFD-named file is not reached', () => {
    fs.writeFileSync(path.join(d, 'gone\ufffd.bin'), pattern(4096));
    const f = bytesPath(d, Buffer.from('gone\xff.bin', 'latin1'));
    const h = cli('punch', f, '0', '4k');
    assert.equal(h.code, 1);
    assert.match(h.stderr, /^extent-lens punch: .*\/gone\\xff\.bin does not exist \(ENOENT\)/);
    const j = cli('punch', f, '0', '4k', '--json');
    assert.equal(j.code, 1);
    assert.deepEqual(JSON.parse(j.stdout).error.paths, [fromOsBytes(f)]);
    assert.equal(fs.statSync(path.join(d, 'gone\ufffd.bin')).blocks > 0, true); // nothing was punched there
  });

  test('the arguments line up with node flags, a bin link, and a name that really holds U+FFFD', () => {
    const f = bytesPath(d, Buffer.from('line-\xff.bin', 'latin1'));
    fs.writeFileSync(f, pattern(8192));
    const real = path.join(d, 'real-\ufffd.bin'); // valid UTF-8 (EF BF BD): reached as it is
    fs.writeFileSync(real, pattern(4096));
    const withFlags = runBytes([process.execPath, '--no-warnings', '--stack-size=2000', ...CLI_ARGV, 'ranges', f, '--json']);
    assert.equal(withFlags.code, 0, withFlags.stderr);
    assert.equal(JSON.parse(withFlags.stdout).path, fromOsBytes(f));
    const both = cliJson('ranges', real);
    assert.equal(both.path, real);
    assert.equal(both.size, '4096');
    if (CLI_ARGV[0] === CLI) {
      // `extent-lens` on the PATH is a link to dist/cli.js (#!/usr/bin/env node).
      const bin = path.join(scripts, 'extent-lens');
      fs.symlinkSync(CLI, bin);
      const viaBin = runBytes([bin, 'ranges', f, '--json'], {
        ...process.env,
        PATH: `${path.dirname(process.execPath)}:${process.env.PATH}`,
      });
      assert.equal(viaBin.code, 0, viaBin.stderr);
      assert.equal(JSON.parse(viaBin.stdout).path, fromOsBytes(f));
    }
  });

  test('smb:// with bytes that are not UTF-8: refused before any connection (E_BAD_INPUT), exit 1', () => {
    const uri = Buffer.concat([Buffer.from('smb://u@127.0.0.1:9/share/'), BAD]);
    const r = runBytes([process.execPath, ...CLI_ARGV, 'ranges', uri], { ...process.env, EXTENT_LENS_SMB_PASSWORD: 'x' });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /share\/bad\\xff\.bin is not a usable SMB path \(E_BAD_INPUT\): the path holds bytes that are not UTF-8/);
  });
});
