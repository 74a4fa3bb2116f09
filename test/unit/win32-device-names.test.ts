// The win32 transport's open() refuses a name that opens as a device or a pipe (GetFileType not
// FILE_TYPE_DISK) by saying so. Found under Wine: `map NUL` said "GetFileInformationByHandleEx
// (FileBasicInfo) on NUL failed with ERROR_INVALID_PARAMETER: … for block cloning this means a
// misaligned offset or length". STAND-IN: a kernel32 whose CreateFileW opens whatever it is
// given and whose GetFileType answers as Windows does for NUL, a pipe and a file; what Wine
// answers is in test/wine/win32-abi.test.ts.
//
// Run: node --import tsx --test test/unit/win32-device-names.test.ts

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FsctlError } from '../../src/engine';
import { createWin32Transport } from '../../src/engine/backends/win32';
import type { Kernel32 } from '../../src/engine/backends/win32/kernel32';

function kernel32(types: Record<string, number>, lastError = 0): { k: Kernel32; closed: number[] } {
  const closed: number[] = [];
  const handles = new Map<number, string>();
  const k = {
    CreateFileW(name: string): number {
      const h = 100 + handles.size;
      handles.set(h, name);
      return h;
    },
    GetFileType: (h: number) => types[handles.get(h) ?? ''] ?? 1,
    GetLastError: () => lastError,
    CloseHandle(h: number): number {
      closed.push(h);
      return 1;
    },
  } as unknown as Kernel32;
  return { k, closed };
}

test('NUL (FILE_TYPE_CHAR) and a pipe (FILE_TYPE_PIPE): E_NOT_REGULAR naming what they are; the handle is closed', async () => {
  const { k, closed } = kernel32({ NUL: 2, '\\\\.\\pipe\\x': 3 });
  const t = createWin32Transport({ kernel32: k });
  await assert.rejects(t.open('NUL', { access: 'read', disposition: 'open' }), (e: unknown) => {
    assert.ok(e instanceof FsctlError);
    assert.equal(e.code, 'E_NOT_REGULAR');
    assert.equal(e.syscall, 'GetFileType');
    assert.equal(e.message, 'NUL is a character device (NUL, CON, a COM port) (GetFileType: FILE_TYPE_CHAR), not a file (E_NOT_REGULAR); choose a file on a disk volume.');
    return true;
  });
  await assert.rejects(t.open('\\\\.\\pipe\\x', { access: 'read', disposition: 'open' }), /is a pipe \(GetFileType: FILE_TYPE_PIPE\), not a file \(E_NOT_REGULAR\)/);
  assert.deepEqual(closed, [100, 101]);
  const f = await t.open('C:\\a.bin', { access: 'read', disposition: 'open' });
  assert.equal(f.path, 'C:\\a.bin');
});

test('GetFileType failing (FILE_TYPE_UNKNOWN with an error): the Win32 error by name', async () => {
  const { k } = kernel32({ 'C:\\odd': 0 }, 6);
  const t = createWin32Transport({ kernel32: k });
  await assert.rejects(t.open('C:\\odd', { access: 'read', disposition: 'open' }), (e: unknown) => {
    assert.ok(e instanceof FsctlError);
    assert.equal(e.code, 'ERROR_INVALID_HANDLE');
    assert.equal(e.syscall, 'GetFileType');
    return true;
  });
});

// Under Wine `ranges CON` said "CreateFileW on CON failed with ERROR_INVALID_HANDLE: the handle is
// not valid; this is a bug in Extent Lens, please report it" (CreateFileW takes no handle).
test('CreateFileW failing with ERROR_INVALID_HANDLE (CON without a console): a device name, not "a bug in Extent Lens"', async () => {
  const k = { CreateFileW: () => -1, GetLastError: () => 6 } as unknown as Kernel32;
  const t = createWin32Transport({ kernel32: k });
  await assert.rejects(t.open('CON', { access: 'read', disposition: 'open' }), (e: unknown) => {
    assert.ok(e instanceof FsctlError);
    assert.equal(e.code, 'ERROR_INVALID_HANDLE');
    assert.equal(e.message, 'CreateFileW on CON failed with ERROR_INVALID_HANDLE: the name does not open as a file (a device such as CON, the console, which this process may not have); choose a file.');
    return true;
  });
});
