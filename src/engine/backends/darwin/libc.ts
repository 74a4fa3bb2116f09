// The libSystem functions the macOS backend calls, declared once through koffi (the only macOS
// file that loads native code), so test/unit/bindings.test.ts can parse every prototype on any
// OS and check that the backend calls nothing undeclared.
//
// fcntl is variadic, and on Apple arm64 variadic arguments travel on the stack, not in registers:
// a fixed 3-argument prototype (which works on x86_64, docs/facts/koffi.md#variadic-functions) would pass garbage there. So it
// is declared variadic and called with an explicit ('void *', buffer) pair.

import koffi = require('koffi');

/** libSystem prototypes. `x64Symbol`: the symbol to bind on x86_64, where the 64-bit-inode variant has a suffix. */
export const DARWIN_PROTOTYPES: Record<string, { proto: string; x64Symbol?: string }> = {
  lseek: { proto: 'int64_t lseek(int fd, int64_t offset, int whence)' },
  clonefile: { proto: 'int clonefile(const char *src, const char *dst, uint32_t flags)' },
  fcopyfile: { proto: 'int fcopyfile(int from, int to, void *state, uint32_t flags)' },
  fcntl: { proto: 'int fcntl(int fd, int cmd, ...)' },
  fstatfs: { proto: 'int fstatfs(int fd, void *buf)', x64Symbol: 'fstatfs$INODE64' },
  ftruncate: { proto: 'int ftruncate(int fd, int64_t length)' },
};

export interface DarwinLibc {
  lseek(fd: number, offset: bigint, whence: number): number | bigint;
  /** Paths through cPath (src/engine/os-path.ts): a name that is not UTF-8 as its bytes. */
  clonefile(src: string | Buffer, dst: string | Buffer, flags: number): number;
  fcopyfile(from: number, to: number, state: null, flags: number): number;
  fcntl(fd: number, cmd: number, ...typeAndValue: unknown[]): number;
  fstatfs(fd: number, buf: Uint8Array): number;
  ftruncate(fd: number, length: bigint): number;
  /** The errno of the last failed call (read it at once, before any other call). */
  errno(): number;
}

let libc: DarwinLibc | undefined;

function bindDarwinLibc(lib: koffi.LibraryHandle, arch: string = process.arch): DarwinLibc {
  const out: Record<string, unknown> = {};
  for (const [name, d] of Object.entries(DARWIN_PROTOTYPES)) {
    if (d.x64Symbol && arch === 'x64') {
      // Same prototype, other symbol: reuse koffi's own parse (arguments are {type, direction} at runtime).
      const info = koffi.proto(d.proto).proto!;
      const args = (info.arguments as unknown as { type: Parameters<typeof koffi.sizeof>[0] }[]).map((a) => a.type);
      out[name] = lib.func(d.x64Symbol, info.result, args);
    } else out[name] = lib.func(d.proto);
  }
  out.errno = () => koffi.errno();
  return out as unknown as DarwinLibc;
}

export function loadDarwinLibc(): DarwinLibc {
  if (!libc) libc = bindDarwinLibc(koffi.load('libSystem.B.dylib'));
  return libc;
}
