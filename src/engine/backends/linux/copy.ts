// The Linux backend's in-kernel copy: copy_file_range over the source's data ranges only, so
// holes stay holes. One layer of LinuxBackend (see base.ts).

import * as fs from 'node:fs';
import type { OpContext } from '../../backend';
import { big } from './libc';
import { intoNewLocalFile } from './files';
import type { OperationReport } from '../../types';
import { elapsed, now, yieldIfInThread } from './base';
import { LinuxClones } from './clone';

/** copy_file_range chunk: big enough to be cheap, small enough to cancel and report progress. */
const COPY_CHUNK = 64n * 1024n * 1024n;

export class LinuxCopies extends LinuxClones {
  /**
   * In-kernel copy with copy_file_range over the source's DATA ranges only, then the size set
   * with ftruncate: holes stay holes (a plain copy_file_range of the whole file writes zeros
   * into them on file systems that cannot share blocks). On XFS/btrfs the kernel shares blocks.
   */
  async copyFile(source: string, target: string, ctx: OpContext): Promise<OperationReport> {
    const t0 = now();
    return intoNewLocalFile('copy', source, target, async (src, dst) => {
      const size = src.stat.size;
      const { ranges, calls: seekCalls } = this.seekRanges(src, 0n, size, 'copy', ctx);
      const dataBytes = ranges.reduce((a, r) => a + r.length, 0n);
      const offIn = new BigInt64Array(1);
      const offOut = new BigInt64Array(1);
      let calls = 0;
      let done = 0n;
      for (const r of ranges) {
        offIn[0] = r.offset;
        offOut[0] = r.offset;
        const end = r.offset + r.length;
        while (offIn[0] < end) {
          ctx.checkCancelled();
          const want = end - offIn[0] > COPY_CHUNK ? COPY_CHUNK : end - offIn[0];
          const n = big(this.libc.copyFileRange(src.fd, offIn, dst.fd, offOut, want, 0));
          calls++;
          if (n < 0n) throw this.fail('copy', 'copy_file_range', [source, target], src.fd);
          if (n === 0n) break; // the source shrank while copying
          done += n;
          ctx.progress({ done, total: dataBytes });
          await yieldIfInThread(ctx);
        }
      }
      if (this.libc.ftruncate(dst.fd, size) !== 0) throw this.fail('copy', 'ftruncate', [target]);
      calls++;
      fs.fchmodSync(dst.fd, Number(src.stat.mode & 0o7777n));
      return {
        operation: 'copy',
        method: 'copy_file_range',
        source,
        destination: target,
        bytes: done,
        calls: calls + seekCalls,
        durationMs: elapsed(t0),
        notes: ranges.length === 0 && size > 0n ? ['the source is all hole; only its size was set'] : undefined,
      };
    });
  }
}
