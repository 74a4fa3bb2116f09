// A plain read/write copy, for the clone-results comparison: it moves every byte through user
// space (holes become written zeros), which is what a "normal" copy tool costs. Node's
// fs.copyFile is not used: libuv may use copy_file_range, which can itself clone on XFS/btrfs.
// The temporary file is always deleted, on success, failure and cancel. On an SMB share (`smb`
// given) the bytes go through this client: read from the server and written back, which is
// what copying a file on a share costs without a server-side copy or a clone.

import * as fs from 'node:fs/promises';
import type { RunOptions, SmbFileApi } from '../engine';
import { countedChunks } from '../host/logic/progress';

const CHUNK = 4 * 1024 * 1024;

/**
 * The copy writes every byte of the source, holes as zeros: refused before anything is written
 * where the volume has less free space than that (a sparse 1 TiB image would otherwise fill it,
 * running every other writer there out of space until the copy is deleted).
 */
function checkRoom(source: string, size: bigint, freeBytes: bigint | undefined): void {
  if (freeBytes === undefined || size <= freeBytes) return;
  throw Object.assign(
    new Error(
      `Comparing needs a physical copy of all ${size} bytes of ${source} (holes written as zeros), ` +
        `but its destination's volume has only ${freeBytes} bytes free (ENOSPC): nothing was written. ` +
        'Free space there, or compare a smaller file.',
    ),
    { code: 'ENOSPC' },
  );
}

export async function physicalCopy(
  source: string,
  tmp: string,
  opts: RunOptions & { freeBytes?: bigint } = {},
  smb?: SmbFileApi,
): Promise<{ bytes: bigint; durationMs: number }> {
  if (smb) return smbCopy(smb, source, tmp, opts);
  const t0 = performance.now();
  const src = await fs.open(source, 'r');
  let dst: fs.FileHandle | undefined;
  let bytes = 0n;
  try {
    const total = BigInt((await src.stat({ bigint: true })).size);
    checkRoom(source, total, opts.freeBytes);
    dst = await fs.open(tmp, 'wx'); // never overwrite: the name is new and hidden
    const buf = Buffer.allocUnsafe(CHUNK);
    let pos = 0n;
    for (;;) {
      if (opts.signal?.aborted)
        throw Object.assign(new Error('The comparison copy was cancelled; the temporary file was deleted.'), { code: 'E_CANCELLED' });
      // positions above 2^53 cannot be passed as numbers; read sequentially (position null)
      const { bytesRead } = await src.read(buf, 0, CHUNK, null);
      if (bytesRead === 0) break;
      let off = 0;
      while (off < bytesRead) off += (await dst.write(buf, off, bytesRead - off)).bytesWritten;
      pos += BigInt(bytesRead);
      bytes = pos;
      opts.onProgress?.({ done: pos, total });
    }
    await dst.sync();
    return { bytes, durationMs: performance.now() - t0 };
  } finally {
    await src.close();
    if (dst) {
      await dst.close();
      await fs.rm(tmp, { force: true });
    }
  }
}

async function smbCopy(
  smb: SmbFileApi,
  source: string,
  tmp: string,
  opts: RunOptions & { freeBytes?: bigint },
): Promise<{ bytes: bigint; durationMs: number }> {
  const t0 = performance.now();
  const total = (await smb.stat(source)).size;
  checkRoom(source, total, opts.freeBytes);
  let bytes = 0n;
  const chunks = countedChunks(smb.readChunks(source, { signal: opts.signal }), total, (p) => {
    bytes = p.done;
    opts.onProgress?.(p);
  });
  // writeFile deletes its own temporary name on a failure or cancel; the finished copy is deleted here
  await smb.writeFile(tmp, chunks, { create: true, overwrite: false, signal: opts.signal });
  const durationMs = performance.now() - t0;
  await smb.remove(tmp, { recursive: false });
  return { bytes, durationMs };
}
