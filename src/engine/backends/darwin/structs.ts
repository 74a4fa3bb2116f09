// The macOS structures the backend hands to libSystem (arm64 and x86_64 share them). Pure, so
// test/unit/bindings.test.ts checks them byte for byte against koffi's C layouts.

/** struct statfs (64-bit inode): f_bsize @0, f_iosize @4, f_blocks @8, f_bfree @16, f_bavail @24,
 *  f_files @32, f_ffree @40, f_fsid @48, f_owner @56, f_type @60, f_flags @64, f_fssubtype @68,
 *  f_fstypename[16] @72, f_mntonname[1024] @88, f_mntfromname[1024] @1112, f_flags_ext @2136; 2168 bytes. */
export const DARWIN_STATFS_SIZE = 2168;

export interface DarwinStatfs {
  bsize: number;
  iosize: number;
  blocks: bigint;
  bfree: bigint;
  bavail: bigint;
  fsid: [number, number];
  type: number;
  flags: number;
  fstypename: string;
  mntonname: string;
}

function cstr(b: Uint8Array): string {
  const n = b.indexOf(0);
  return Buffer.from(b.subarray(0, n < 0 ? b.length : n)).toString('utf8');
}

export function decodeDarwinStatfs(b: Uint8Array): DarwinStatfs {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return {
    bsize: v.getUint32(0, true),
    iosize: v.getInt32(4, true),
    blocks: v.getBigUint64(8, true),
    bfree: v.getBigUint64(16, true),
    bavail: v.getBigUint64(24, true),
    fsid: [v.getInt32(48, true), v.getInt32(52, true)],
    type: v.getUint32(60, true),
    flags: v.getUint32(64, true),
    fstypename: cstr(b.subarray(72, 88)),
    mntonname: cstr(b.subarray(88, 1112)),
  };
}

/** struct fpunchhole {uint32 fp_flags; uint32 reserved; off_t fp_offset; off_t fp_length}: 24 bytes. */
export function encodeFpunchhole(offset: bigint, length: bigint): Uint8Array {
  const b = new Uint8Array(new ArrayBuffer(24));
  const v = new DataView(b.buffer);
  v.setBigInt64(8, offset, true);
  v.setBigInt64(16, length, true);
  return b;
}
