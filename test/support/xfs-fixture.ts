// Helpers for files with known layouts on XFS, for the webview tests and the inspector
// benchmark (the loop-mounted file systems themselves come from test/support/loopfs.ts).
import { execFileSync } from 'node:child_process';

/** Run xfs_io with commands on a file (creating it). Offsets are decimal strings: exact. */
export function xfsIo(file: string, ...commands: string[]): string {
  const args = ['-f'];
  for (const c of commands) args.push('-c', c);
  args.push(file);
  return execFileSync('xfs_io', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/**
 * Preallocate `count` unwritten extents of `extentBytes`, one every `strideBytes`, with
 * fallocate(2) (mode FALLOC_FL_KEEP_SIZE after an ftruncate to the full size) through
 * python3's ctypes: one process, no exec per extent, so a file with a million extents takes
 * seconds. Unwritten extents write no data, so the loop image stays small on the host.
 */
export function preallocateMany(file: string, count: number, extentBytes: number, strideBytes: number): void {
  const py = `
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
libc.fallocate.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_longlong, ctypes.c_longlong]
path, n, ln, st = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
os.ftruncate(fd, n * st)
for i in range(n):
    if libc.fallocate(fd, 1, i * st, ln) != 0:
        e = ctypes.get_errno(); raise OSError(e, os.strerror(e))
os.fsync(fd)
os.close(fd)
`;
  execFileSync('python3', ['-c', py, file, String(count), String(extentBytes), String(strideBytes)], { stdio: ['ignore', 'ignore', 'pipe'] });
}
