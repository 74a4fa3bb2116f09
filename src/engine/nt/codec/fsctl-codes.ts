// Windows file system control codes (docs/facts/windows-fsctl.md#control-codes). The same 32-bit values go to DeviceIoControl on
// Windows and into the CtlCode field of an SMB2 IOCTL request, so one table serves both transports.

export const FSCTL = {
  FSCTL_DUPLICATE_EXTENTS_TO_FILE: 0x00098344,
  FSCTL_DUPLICATE_EXTENTS_TO_FILE_EX: 0x000983e8,
  FSCTL_QUERY_ALLOCATED_RANGES: 0x000940cf,
  FSCTL_SET_SPARSE: 0x000900c4,
  FSCTL_SET_ZERO_DATA: 0x000980c8,
  FSCTL_GET_INTEGRITY_INFORMATION: 0x0009027c,
  FSCTL_SET_INTEGRITY_INFORMATION: 0x0009c280,
  FSCTL_GET_RETRIEVAL_POINTERS: 0x00090073,
  FSCTL_GET_RETRIEVAL_POINTERS_AND_REFCOUNT: 0x000903d3,
  FSCTL_SRV_REQUEST_RESUME_KEY: 0x00140078,
  // 0x001440F2 / 0x001480F2 as in MS-SMB2 and every implementation; NOT the 0x00144418 that an old
  // Win32 page's CTL_CODE evaluates to (docs/facts/windows-fsctl.md#which-copychunk-code).
  FSCTL_SRV_COPYCHUNK: 0x001440f2,
  FSCTL_SRV_COPYCHUNK_WRITE: 0x001480f2,
} as const;

type FsctlName = keyof typeof FSCTL;

const byCode = new Map<number, FsctlName>((Object.entries(FSCTL) as [FsctlName, number][]).map(([name, code]) => [code, name]));

/** 'FSCTL_SET_SPARSE' for 0x000900C4; a hex string for codes this table does not know. */
export function fsctlName(code: number): string {
  return byCode.get(code >>> 0) ?? `FSCTL_0x${(code >>> 0).toString(16).padStart(8, '0')}`;
}

/** Decomposition of a CTL_CODE: DeviceType << 16 | Access << 14 | Function << 2 | Method. */
export function ctlCodeParts(code: number): { deviceType: number; access: number; fn: number; method: number } {
  const c = code >>> 0;
  return { deviceType: c >>> 16, access: (c >>> 14) & 3, fn: (c >>> 2) & 0xfff, method: c & 3 };
}

export function ctlCode(deviceType: number, fn: number, method: number, access: number): number {
  return ((deviceType << 16) | (access << 14) | (fn << 2) | method) >>> 0;
}

/** Volume flags from GetVolumeInformationByHandleW / FileFsAttributeInformation. */
export const FILE_SUPPORTS_SPARSE_FILES = 0x00000040;
export const FILE_SUPPORTS_BLOCK_REFCOUNTING = 0x08000000;

/** FILE_ATTRIBUTE_* values the algorithms look at. */
export const FILE_ATTRIBUTE_READONLY = 0x1;
export const FILE_ATTRIBUTE_HIDDEN = 0x2;
export const FILE_ATTRIBUTE_DIRECTORY = 0x10;
export const FILE_ATTRIBUTE_NORMAL = 0x80;
export const FILE_ATTRIBUTE_SPARSE_FILE = 0x200;

/** DUPLICATE_EXTENTS_DATA_EX.Flags */
export const DUPLICATE_EXTENTS_DATA_EX_SOURCE_ATOMIC = 0x1;
