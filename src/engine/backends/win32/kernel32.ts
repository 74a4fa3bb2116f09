// The kernel32 functions the win32 backend calls, as koffi prototype strings in one table (the
// only Windows file that imports koffi), so
// test/unit/bindings.test.ts can parse every prototype (koffi.proto) on any OS and check that the
// backend calls nothing undeclared, and the Wine smoke test can check that each one resolves.
//
// Type choices: HANDLE is `intptr_t` (koffi gives a plain number, INVALID_HANDLE_VALUE is -1, and
// the DUPLICATE_EXTENTS source HANDLE is those 8 bytes); buffers and out-parameters are `void *`
// filled from typed arrays that we own (no hidden copies, 4/8-byte alignment guaranteed).
// __stdcall is what the Win32 API uses; on x64 it is the one Windows calling convention.

import koffi = require('koffi');

export const KERNEL32_PROTOTYPES = {
  CreateFileW:
    'intptr_t __stdcall CreateFileW(' +
    'const char16_t *lpFileName, uint32_t dwDesiredAccess, uint32_t dwShareMode, void *lpSecurityAttributes, ' +
    'uint32_t dwCreationDisposition, uint32_t dwFlagsAndAttributes, intptr_t hTemplateFile)',
  CloseHandle: 'int __stdcall CloseHandle(intptr_t hObject)',
  GetLastError: 'uint32_t __stdcall GetLastError()',
  DeviceIoControl:
    'int __stdcall DeviceIoControl(' +
    'intptr_t hDevice, uint32_t dwIoControlCode, void *lpInBuffer, uint32_t nInBufferSize, void *lpOutBuffer, ' +
    'uint32_t nOutBufferSize, void *lpBytesReturned, void *lpOverlapped)',
  GetFileInformationByHandleEx:
    'int __stdcall GetFileInformationByHandleEx(intptr_t hFile, int FileInformationClass, void *lpFileInformation, uint32_t dwBufferSize)',
  SetFileInformationByHandle:
    'int __stdcall SetFileInformationByHandle(intptr_t hFile, int FileInformationClass, void *lpFileInformation, uint32_t dwBufferSize)',
  GetVolumeInformationByHandleW:
    'int __stdcall GetVolumeInformationByHandleW(' +
    'intptr_t hFile, void *lpVolumeNameBuffer, uint32_t nVolumeNameSize, void *lpVolumeSerialNumber, void *lpMaximumComponentLength, ' +
    'void *lpFileSystemFlags, void *lpFileSystemNameBuffer, uint32_t nFileSystemNameSize)',
  GetVolumePathNameW: 'int __stdcall GetVolumePathNameW(const char16_t *lpszFileName, void *lpszVolumePathName, uint32_t cchBufferLength)',
  GetVolumeNameForVolumeMountPointW:
    'int __stdcall GetVolumeNameForVolumeMountPointW(const char16_t *lpszVolumeMountPoint, void *lpszVolumeName, uint32_t cchBufferLength)',
  GetDiskFreeSpaceW:
    'int __stdcall GetDiskFreeSpaceW(' +
    'const char16_t *lpRootPathName, void *lpSectorsPerCluster, void *lpBytesPerSector, void *lpNumberOfFreeClusters, ' +
    'void *lpTotalNumberOfClusters)',
  GetDiskFreeSpaceExW:
    'int __stdcall GetDiskFreeSpaceExW(' +
    'const char16_t *lpDirectoryName, void *lpFreeBytesAvailableToCaller, void *lpTotalNumberOfBytes, void *lpTotalNumberOfFreeBytes)',
  GetFileAttributesW: 'uint32_t __stdcall GetFileAttributesW(const char16_t *lpFileName)',
  FlushFileBuffers: 'int __stdcall FlushFileBuffers(intptr_t hFile)',
  GetFileType: 'uint32_t __stdcall GetFileType(intptr_t hFile)',
  ReadFile:
    'int __stdcall ReadFile(intptr_t hFile, void *lpBuffer, uint32_t nNumberOfBytesToRead, void *lpNumberOfBytesRead, void *lpOverlapped)',
  WriteFile:
    'int __stdcall WriteFile(' +
    'intptr_t hFile, void *lpBuffer, uint32_t nNumberOfBytesToWrite, void *lpNumberOfBytesWritten, void *lpOverlapped)',
} as const;

type Buf = Uint8Array | Uint16Array | Uint32Array | BigUint64Array | null;

/** The typed view of the bound functions (what win32.ts calls). */
export interface Kernel32 {
  CreateFileW(name: string, access: number, share: number, sa: null, disposition: number, flags: number, template: number): number;
  CloseHandle(h: number): number;
  GetLastError(): number;
  DeviceIoControl(
    h: number,
    code: number,
    inBuf: Buf,
    inSize: number,
    outBuf: Buf,
    outSize: number,
    returned: Uint32Array,
    overlapped: null,
  ): number;
  GetFileInformationByHandleEx(h: number, cls: number, buf: Buf, size: number): number;
  SetFileInformationByHandle(h: number, cls: number, buf: Buf, size: number): number;
  GetVolumeInformationByHandleW(
    h: number,
    volName: Buf,
    volNameSize: number,
    serial: Uint32Array,
    maxComp: Uint32Array,
    flags: Uint32Array,
    fsName: Uint16Array,
    fsNameSize: number,
  ): number;
  GetVolumePathNameW(name: string, buf: Uint16Array, cch: number): number;
  GetVolumeNameForVolumeMountPointW(mount: string, buf: Uint16Array, cch: number): number;
  GetDiskFreeSpaceW(root: string, spc: Uint32Array, bps: Uint32Array, free: Uint32Array, total: Uint32Array): number;
  GetDiskFreeSpaceExW(dir: string, availToCaller: BigUint64Array, total: BigUint64Array, totalFree: BigUint64Array): number;
  GetFileAttributesW(name: string): number;
  FlushFileBuffers(h: number): number;
  GetFileType(h: number): number;
  ReadFile(h: number, buf: Uint8Array, n: number, read: Uint32Array, overlapped: Uint8Array | null): number;
  WriteFile(h: number, buf: Uint8Array, n: number, written: Uint32Array, overlapped: Uint8Array | null): number;
}

/** Bind every declared function; throws (naming the function) if one does not resolve. */
export function bindKernel32(lib: koffi.LibraryHandle): Kernel32 {
  const out: Record<string, unknown> = {};
  for (const [name, proto] of Object.entries(KERNEL32_PROTOTYPES)) {
    try {
      out[name] = lib.func(proto);
    } catch (e) {
      throw new Error(`kernel32.dll: cannot bind ${name}: ${(e as Error).message}`);
    }
  }
  return out as unknown as Kernel32;
}

let k32: Kernel32 | undefined;

/** kernel32.dll, bound once per thread on first use. */
export function loadKernel32(): Kernel32 {
  if (!k32) k32 = bindKernel32(koffi.load('kernel32.dll'));
  return k32;
}

// Constants the transport uses (winnt.h / fileapi.h / minwinbase.h).
export const GENERIC_READ = 0x80000000;
export const GENERIC_WRITE = 0x40000000;
export const DELETE = 0x00010000;
export const FILE_READ_ATTRIBUTES = 0x80;
export const FILE_WRITE_ATTRIBUTES = 0x100;
export const FILE_SHARE_READ = 1;
export const FILE_SHARE_WRITE = 2;
export const FILE_SHARE_DELETE = 4;
export const CREATE_NEW = 1;
export const CREATE_ALWAYS = 2;
export const OPEN_EXISTING = 3;
export const FILE_FLAG_BACKUP_SEMANTICS = 0x02000000;
export const INVALID_HANDLE_VALUE = -1;
export const INVALID_FILE_ATTRIBUTES = 0xffffffff;
/** FILE_INFO_BY_HANDLE_CLASS */
export const FileBasicInfo = 0;
export const FileStandardInfo = 1;
export const FileRenameInfo = 3;
export const FileDispositionInfo = 4;
export const FileEndOfFileInfo = 6;
export const FileIdInfo = 18;
