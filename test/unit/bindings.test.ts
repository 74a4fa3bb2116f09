// The native declarations of the Windows and macOS backends, checked on Linux without loading
// kernel32.dll or libSystem: every prototype parses with koffi's own parser (koffi.proto), the
// backend source calls only declared functions (and every declared one is used), and the structs
// the backends hand to the OS have the x64 layouts that koffi's C layout engine computes.
// Whether the symbols RESOLVE in the real DLL is proven under Wine (test/wine/).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import koffi = require('koffi');
import { KERNEL32_PROTOTYPES } from '../../src/engine/backends/win32/kernel32';
import { DARWIN_PROTOTYPES } from '../../src/engine/backends/darwin/libc';
import { decodeDarwinStatfs, encodeFpunchhole, DARWIN_STATFS_SIZE } from '../../src/engine/backends/darwin/structs';
import * as s from '../../src/engine/backends/win32/structs';
import { duplicateExtentsExSize } from '../../src/engine/nt/codec/windows';

const root = path.resolve(__dirname, '../..');

/** Names called as `<obj>.Name(` in a source file. */
function calledOn(file: string, obj: string): Set<string> {
  const src = fs.readFileSync(path.join(root, file), 'utf8');
  const re = new RegExp(`\\b${obj}\\.([A-Za-z_][A-Za-z0-9_]*)\\(`, 'g');
  return new Set([...src.matchAll(re)].map((m) => m[1]));
}

test('every kernel32 prototype parses, with the declared name and arity', () => {
  const arity: Record<string, number> = {
    CreateFileW: 7, CloseHandle: 1, GetLastError: 0, DeviceIoControl: 8, GetFileInformationByHandleEx: 4,
    SetFileInformationByHandle: 4, GetVolumeInformationByHandleW: 8, GetVolumePathNameW: 3,
    GetVolumeNameForVolumeMountPointW: 3, GetDiskFreeSpaceW: 5, GetDiskFreeSpaceExW: 4, GetFileAttributesW: 1,
    FlushFileBuffers: 1, GetFileType: 1, ReadFile: 5, WriteFile: 5,
  };
  const parsed = new Map<string, ReturnType<typeof koffi.proto>>();
  for (const [name, proto] of Object.entries(KERNEL32_PROTOTYPES)) {
    // koffi registers a prototype's name as a type: parse each one exactly once.
    const t = koffi.proto(proto);
    parsed.set(name, t);
    assert.equal(t.proto?.name, name);
    assert.equal(t.proto?.arguments.length, arity[name], `${name} arity`);
    assert.match(proto, /__stdcall/, `${name} uses the Win32 calling convention`);
  }
  assert.deepEqual(Object.keys(KERNEL32_PROTOTYPES).sort(), Object.keys(arity).sort());
  // HANDLE is intptr_t: 8 bytes on x64, the same bytes DUPLICATE_EXTENTS_DATA carries.
  const dio = parsed.get('DeviceIoControl')!.proto!;
  assert.equal((dio.arguments[0] as unknown as { type: { size: number } }).type.size, 8);
});

test('the win32 transport calls exactly the declared kernel32 functions', () => {
  const called = calledOn('src/engine/backends/win32/index.ts', 'k');
  const declared = new Set(Object.keys(KERNEL32_PROTOTYPES));
  for (const f of called) assert.ok(declared.has(f), `win32.ts calls undeclared ${f}`);
  for (const f of declared) assert.ok(called.has(f), `declared ${f} is never called`);
  assert.ok(called.has('DeviceIoControl') && called.has('GetLastError') && called.has('CreateFileW'));
});

test('every libSystem prototype parses; fcntl is variadic (Apple arm64 passes varargs on the stack)', () => {
  for (const [name, d] of Object.entries(DARWIN_PROTOTYPES)) {
    const t = koffi.proto(d.proto);
    assert.equal(t.proto?.name, name);
  }
  assert.match(DARWIN_PROTOTYPES.fcntl.proto, /\.\.\.\)$/);
  assert.equal(DARWIN_PROTOTYPES.fstatfs.x64Symbol, 'fstatfs$INODE64');
  const called = calledOn('src/engine/backends/darwin/index.ts', 'c');
  called.delete('errno'); // koffi's errno, not a libSystem function
  for (const f of called) assert.ok(f in DARWIN_PROTOTYPES, `darwin.ts calls undeclared ${f}`);
  for (const f of ['lseek', 'clonefile', 'fcopyfile', 'fcntl', 'fstatfs']) assert.ok(called.has(f), `darwin.ts uses ${f}`);
});

test('koffi is loaded only by the backends\' libc.ts / kernel32.ts, and Linux\'s libxxhash.ts', () => {
  const importers: string[] = [];
  const walk = (dir: string): void => {
    for (const e of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
      const rel = path.join(dir, e.name);
      if (e.isDirectory()) walk(rel);
      else if (/\.ts$/.test(e.name) && /(from|require\()\s*['"]koffi['"]/.test(fs.readFileSync(path.join(root, rel), 'utf8'))) importers.push(rel);
    }
  };
  walk('src');
  assert.deepEqual(importers.sort(), [
    'src/engine/backends/darwin/libc.ts',
    'src/engine/backends/linux/libc.ts',
    'src/engine/backends/linux/libxxhash.ts',
    'src/engine/backends/win32/kernel32.ts',
  ]);
});

test('Windows structs: offsets equal what koffi computes for the C declarations (x64)', () => {
  const basic = koffi.struct({ CreationTime: 'int64', LastAccessTime: 'int64', LastWriteTime: 'int64', ChangeTime: 'int64', FileAttributes: 'uint32' });
  assert.equal(koffi.sizeof(basic), s.FILE_BASIC_INFO_SIZE);
  assert.equal(koffi.offsetof(basic, 'FileAttributes'), 32);
  const std = koffi.struct({ AllocationSize: 'int64', EndOfFile: 'int64', NumberOfLinks: 'uint32', DeletePending: 'uint8', Directory: 'uint8' });
  assert.equal(koffi.sizeof(std), s.FILE_STANDARD_INFO_SIZE);
  assert.equal(koffi.offsetof(std, 'Directory'), 21);
  const rename = koffi.struct({ ReplaceIfExists: 'uint32', RootDirectory: 'intptr_t', FileNameLength: 'uint32', FileName: koffi.array('uint16', 1) });
  assert.equal(koffi.offsetof(rename, 'FileNameLength'), 16);
  assert.equal(koffi.offsetof(rename, 'FileName'), 20);
  assert.equal(koffi.sizeof(rename), 24);
  const overlapped = koffi.struct({ Internal: 'uintptr_t', InternalHigh: 'uintptr_t', Offset: 'uint32', OffsetHigh: 'uint32', hEvent: 'void *' });
  assert.equal(koffi.sizeof(overlapped), 32);
  assert.equal(koffi.offsetof(overlapped, 'Offset'), 16);
  const dupEx = koffi.struct({ Size: 'size_t', FileHandle: 'void *', SourceFileOffset: 'int64', TargetFileOffset: 'int64', ByteCount: 'int64', Flags: 'uint32' });
  assert.equal(koffi.sizeof(dupEx), 48);
  assert.equal(koffi.offsetof(dupEx, 'Flags'), 40);
  assert.equal(duplicateExtentsExSize(8), 48);
  const rpRef = koffi.struct({ ExtentCount: 'uint32', StartingVcn: 'int64', NextVcn: 'int64', Lcn: 'int64', ReferenceCount: 'uint32' });
  assert.equal(koffi.offsetof(rpRef, 'StartingVcn'), 8);
  assert.equal(koffi.offsetof(rpRef, 'NextVcn'), 16);
  assert.equal(koffi.sizeof(koffi.struct({ NextVcn: 'int64', Lcn: 'int64', ReferenceCount: 'uint32' })), 24);
});

test('Windows structs encode byte for byte', () => {
  const b = s.encodeBasicInfo({ creationTime: 1n, lastAccessTime: 2n, lastWriteTime: 0x01d0000000000003n, changeTime: 4n, fileAttributes: 0x220 });
  assert.equal(Buffer.from(b).toString('hex'), '0100000000000000' + '0200000000000000' + '030000000000d001' + '0400000000000000' + '20020000' + '00000000');
  assert.deepEqual(s.decodeBasicInfo(b).lastWriteTime, 0x01d0000000000003n);
  const std = new Uint8Array(24);
  new DataView(std.buffer).setBigInt64(8, (1n << 60n) + 1n, true);
  std[21] = 1;
  assert.deepEqual(s.decodeStandardInfo(std), { allocationSize: 0n, endOfFile: (1n << 60n) + 1n, numberOfLinks: 0, deletePending: false, directory: true });
  const r = s.encodeRenameInfo('C:\\a', true);
  assert.equal(r.byteLength, 30); // 20 + 8 name bytes + 2 NUL = 30 = max(24, 30)
  assert.equal(Buffer.from(r).toString('hex'), '01000000' + '00000000' + '0000000000000000' + '08000000' + '43003a005c006100' + '0000');
  assert.equal(Buffer.from(s.encodeOverlappedOffset(0x123456789an)).toString('hex'), '00'.repeat(16) + '9a785634' + '12000000' + '00'.repeat(8));
  assert.equal(Buffer.from(s.encodeEndOfFileInfo((1n << 40n) + 1n)).toString('hex'), '0100000000010000');
  assert.equal(s.utf16z(Uint16Array.from([0x4e, 0x54, 0x46, 0x53, 0, 0x41])), 'NTFS');
  // FILE_ID_INFO {ULONGLONG VolumeSerialNumber; FILE_ID_128 FileId}: 24 bytes, the id as one 128-bit number
  assert.equal(koffi.sizeof(koffi.struct({ VolumeSerialNumber: 'uint64', FileId: koffi.array('uint8', 16) })), s.FILE_ID_INFO_SIZE);
  const id = Buffer.from('ffeeddccbbaa9988' + '0201000000000000' + '00000000000000' + '10', 'hex');
  assert.equal(s.decodeFileIdInfo(id), '10000000000000000000000000000102');
  assert.equal(s.decodeFileIdInfo(Buffer.from('ffeeddccbbaa9988' + '2a' + '00'.repeat(15), 'hex')), '2a');
  assert.equal(s.decodeFileIdInfo(new Uint8Array(24)), undefined, 'all zeros: no id');
  assert.equal(s.decodeFileIdInfo(Buffer.from('00'.repeat(8) + 'ff'.repeat(16), 'hex')), undefined, 'all ones: no id');
});

test('macOS structs: struct statfs (64-bit inode) and struct fpunchhole', () => {
  const st = koffi.struct({
    f_bsize: 'uint32', f_iosize: 'int32', f_blocks: 'uint64', f_bfree: 'uint64', f_bavail: 'uint64', f_files: 'uint64', f_ffree: 'uint64',
    f_fsid: koffi.array('int32', 2), f_owner: 'uint32', f_type: 'uint32', f_flags: 'uint32', f_fssubtype: 'uint32',
    f_fstypename: koffi.array('char', 16), f_mntonname: koffi.array('char', 1024), f_mntfromname: koffi.array('char', 1024),
    f_flags_ext: 'uint32', f_reserved: koffi.array('uint32', 7),
  });
  assert.equal(koffi.sizeof(st), DARWIN_STATFS_SIZE);
  assert.equal(koffi.offsetof(st, 'f_fstypename'), 72);
  const buf = new Uint8Array(DARWIN_STATFS_SIZE);
  const v = new DataView(buf.buffer);
  v.setUint32(0, 4096, true);
  v.setBigUint64(24, 1000n, true);
  v.setInt32(48, 0x1000011, true);
  v.setInt32(52, 0x1a, true);
  v.setUint32(60, 0x1a, true);
  buf.set(Buffer.from('apfs'), 72);
  buf.set(Buffer.from('/System/Volumes/Data'), 88);
  const d = decodeDarwinStatfs(buf);
  assert.equal(d.bsize, 4096);
  assert.equal(d.bavail, 1000n);
  assert.equal(d.fstypename, 'apfs');
  assert.equal(d.mntonname, '/System/Volumes/Data');
  assert.deepEqual(d.fsid, [0x1000011, 0x1a]);
  const ph = koffi.struct({ fp_flags: 'uint32', reserved: 'uint32', fp_offset: 'int64', fp_length: 'int64' });
  assert.equal(koffi.sizeof(ph), 24);
  assert.equal(Buffer.from(encodeFpunchhole(0x10000n, 0x2000n)).toString('hex'), '00000000' + '00000000' + '0000010000000000' + '0020000000000000');
});
