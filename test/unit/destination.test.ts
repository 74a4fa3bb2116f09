// Destination naming and resolution (no root needed: a temp folder on the host's file system).

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  commitDestinationWith,
  nodeDestinationFs,
  relabelError,
  renamedName,
  resolveDestination,
  tempName,
} from '../../src/engine/destination';
import { FsctlError } from '../../src/engine/errors';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'el-engine-linux-dest-'));
after(() => fs.rmSync(root, { recursive: true, force: true }));

test('renamedName: "name (clone).ext", "name (clone 2).ext", dotfiles and no extension', () => {
  assert.equal(renamedName('disk.img', 'clone', 1), 'disk (clone).img');
  assert.equal(renamedName('disk.img', 'clone', 2), 'disk (clone 2).img');
  assert.equal(renamedName('README', 'copy', 3), 'README (copy 3)');
  assert.equal(renamedName('.bashrc', 'clone', 1), '.bashrc (clone)');
  assert.equal(renamedName('a.tar.gz', 'clone', 1), 'a.tar (clone).gz');
});

test('tempName: hidden, in the folder, recognisable', () => {
  const t = tempName('/x/y', 'disk.img');
  assert.equal(path.dirname(t), '/x/y');
  assert.match(path.basename(t), /^\.el-[0-9a-f]{12}\.tmp$/, t);
  assert.notEqual(tempName('/x', 'a'), tempName('/x', 'a'));
});

test('resolveDestination: folder keeps the source name; new path; policies', async () => {
  const d = fs.mkdtempSync(path.join(root, 'r-'));
  const src = path.join(d, 'src.bin');
  fs.writeFileSync(src, 'x');
  const out = path.join(d, 'out');
  fs.mkdirSync(out);
  const a = await resolveDestination('clone', src, out, 'fail', 'clone', nodeDestinationFs);
  assert.equal(a.final, path.join(out, 'src.bin'));
  assert.equal(a.overwrite, false);
  assert.equal(path.dirname(a.temp), out);
  const b = await resolveDestination('clone', src, path.join(out, 'new.bin'), 'fail', 'clone', nodeDestinationFs);
  assert.equal(b.final, path.join(out, 'new.bin'));
  fs.writeFileSync(path.join(out, 'src.bin'), 'y');
  await assert.rejects(resolveDestination('clone', src, out, 'fail', 'clone', nodeDestinationFs), (e: FsctlError) => e.code === 'E_EXISTS');
  const c = await resolveDestination('clone', src, out, 'rename', 'clone', nodeDestinationFs);
  assert.equal(c.final, path.join(out, 'src (clone).bin'));
  const o = await resolveDestination('clone', src, out, 'overwrite', 'clone', nodeDestinationFs);
  assert.equal(o.overwrite, true);
  await assert.rejects(
    resolveDestination('clone', src, path.join(d, 'missing', 'x'), 'fail', 'clone', nodeDestinationFs),
    (e: FsctlError) => e.code === 'ENOENT',
  );
  await assert.rejects(
    resolveDestination('clone', src, path.join(src, 'x'), 'fail', 'clone', nodeDestinationFs),
    (e: FsctlError) => e.code === 'ENOTDIR',
  );
});

test('resolveDestination: the folder and final path of a new file path, in their normal form', async () => {
  const d = fs.mkdtempSync(path.join(root, 'n-'));
  const src = path.join(d, 'src.bin');
  fs.writeFileSync(src, 'x');
  fs.mkdirSync(path.join(d, 'sub'));
  const r = await resolveDestination('clone', src, `${d}/./sub/..//disk.img`, 'fail', 'clone', nodeDestinationFs);
  assert.equal(r.final, path.join(d, 'disk.img'));
  assert.equal(path.dirname(r.temp), d);
  const hidden = await resolveDestination('clone', src, path.join(d, '..hidden'), 'fail', 'clone', nodeDestinationFs);
  assert.equal(hidden.final, path.join(d, '..hidden'));
  assert.equal(hidden.dir, d);
  // A relative path names a file in the working folder, reported as the file system resolves it.
  const here = await resolveDestination('clone', src, 'clone.bin', 'fail', 'clone', nodeDestinationFs);
  assert.equal(here.final, path.join(fs.realpathSync.native('.'), 'clone.bin'));
  assert.equal(here.dir, fs.realpathSync.native('.'));
});

test('resolveDestination: ".." after a link is resolved by the file system, never as text', async () => {
  const d = fs.mkdtempSync(path.join(root, 'l-'));
  const src = path.join(d, 'src.bin');
  fs.writeFileSync(src, 'x');
  fs.mkdirSync(path.join(d, 'else', 'deep'), { recursive: true });
  fs.symlinkSync('else/deep', path.join(d, 'sub'));
  fs.writeFileSync(path.join(d, 't.bin'), 'unrelated');
  const r = await resolveDestination('copy', src, `${d}/sub/../t.bin`, 'overwrite', 'copy', nodeDestinationFs);
  assert.equal(r.final, path.join(d, 'else', 't.bin'));
  assert.equal(r.overwrite, false);
  assert.equal(path.dirname(r.temp), path.join(d, 'else'));
  const f = await resolveDestination('copy', src, `${d}/sub/..`, 'fail', 'copy', nodeDestinationFs);
  assert.equal(f.final, path.join(d, 'else', 'src.bin'));
});

test('renamedName and tempName stay within NAME_MAX (255 bytes) whatever the name', () => {
  const long = 'n'.repeat(250) + '.bin';
  const r = renamedName(long, 'clone', 12);
  assert.equal(Buffer.byteLength(r), 255);
  assert.ok(r.endsWith(' (clone 12).bin'), r);
  // Multi-byte characters are never cut in half.
  const wide = renamedName('€'.repeat(84) + '.x', 'copy', 1);
  assert.ok(Buffer.byteLength(wide) <= 255 && wide === '€'.repeat(82) + ' (copy).x', wide);
  // An extension that leaves no room: the whole name is cut, the tag kept.
  const ext = renamedName('a.' + 'e'.repeat(253), 'clone', 1);
  assert.ok(Buffer.byteLength(ext) <= 255 && ext.endsWith(' (clone)'), ext);
  assert.equal(path.basename(tempName('/x', long)).length, 20);
});

test('commitDestinationWith (a rename that never replaces) never replaces without overwrite; rename picks the next free name', async () => {
  const d = fs.mkdtempSync(path.join(root, 'c-'));
  const src = path.join(d, 'a.txt');
  fs.writeFileSync(src, 'src');
  const res = await resolveDestination('copy', src, path.join(d, 'b.txt'), 'fail', 'copy', nodeDestinationFs);
  fs.writeFileSync(res.temp, 'new');
  fs.writeFileSync(res.final, 'raced in'); // someone created the name meanwhile
  // the OS refused the name (link/rename without replace): its code, EEXIST, not the engine's own E_EXISTS
  await assert.rejects(
    commitDestinationWith('copy', res, nodeDestinationFs, (to) => nodeDestinationFs.rename(res.temp, to, res.overwrite)),
    (e: FsctlError) => e.code === 'EEXIST' && /already exists \(EEXIST\)/.test(e.message),
  );
  assert.equal(fs.readFileSync(res.final, 'utf8'), 'raced in');
  res.policy = 'rename';
  const final = await commitDestinationWith('copy', res, nodeDestinationFs, (to) => nodeDestinationFs.rename(res.temp, to, res.overwrite));
  assert.equal(path.basename(final), 'b (copy).txt');
  assert.equal(fs.readFileSync(final, 'utf8'), 'new');
  assert.ok(!fs.existsSync(res.temp));
});

test('relabelError replaces the temp path by the final one', () => {
  const e = new FsctlError({
    operation: 'clone',
    code: 'EXDEV',
    paths: ['/s', '/d/.t.tmp'],
    message: 'clone: failed on /s -> /d/.t.tmp (EXDEV).',
  });
  const r = relabelError(e, '/d/.t.tmp', '/d/t') as FsctlError;
  assert.deepEqual(r.paths, ['/s', '/d/t']);
  assert.equal(r.message, 'clone: failed on /s -> /d/t (EXDEV).');
});

test('clone between an smb:// path and a local path: E_CROSS_VOLUME before any connection', async () => {
  const { createEngine } = await import('../../src/engine');
  const e = createEngine();
  await assert.rejects(e.clone('smb://nobody@127.0.0.1:1/share/a.bin', root), (x: FsctlError) => x.code === 'E_CROSS_VOLUME');
  await assert.rejects(
    e.cloneRange('/etc/hostname', 0n, 'smb://nobody@127.0.0.1:1/share/a.bin', 0n, 4096n),
    (x: FsctlError) => x.code === 'E_CROSS_VOLUME',
  );
});

test('an error without paths from a backend gets the request paths (smb connection refused)', async () => {
  const { createEngine } = await import('../../src/engine');
  const uri = 'smb://nobody@127.0.0.1:1/share/x.bin';
  const prev = process.env.EXTENT_LENS_SMB_PASSWORD;
  process.env.EXTENT_LENS_SMB_PASSWORD = 'x';
  try {
    await assert.rejects(createEngine().ranges(uri), (x: FsctlError) => x instanceof FsctlError && x.paths.includes(uri));
  } finally {
    if (prev === undefined) delete process.env.EXTENT_LENS_SMB_PASSWORD;
    else process.env.EXTENT_LENS_SMB_PASSWORD = prev;
  }
});
