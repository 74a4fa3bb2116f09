// Engine progress (bigint done/total) as VS Code's progress increments (percent, number).
// Percentages are small numbers, so converting them is safe; the byte counts stay bigint. And
// the progress of a copy the host streams itself (countedChunks).

import type { Progress } from '../../engine';
import { groupDigits, humanBytes } from '../../protocol/format';

export class ProgressTracker {
  private reported = 0;

  /**
   * The increment to report for this update (0..100 overall), and a message: `message` when the
   * caller words it (the Dedupe view shows the same sentence), else the engine's with the bytes.
   */
  next(p: Progress, message?: string): { increment: number; message: string } {
    let increment = 0;
    if (p.total > 0n) {
      const done = p.done > p.total ? p.total : p.done;
      const pct = Number((done * 1000n) / p.total) / 10;
      if (pct > this.reported) {
        increment = pct - this.reported;
        this.reported = pct;
      }
    }
    if (message !== undefined) return { increment, message };
    const amounts = p.total > 0n ? `${humanBytes(p.done)} / ${humanBytes(p.total)}` : humanBytes(p.done);
    // the engine counts as digits ("350224384 bytes deallocated"): grouped as every other figure
    // in the notifications (a trial read "Digging holes in zero1g.img: 350224384 bytes deallocated")
    const words = p.message?.replace(/\b\d{4,}(?= \w)/g, (d) => groupDigits(BigInt(d)));
    return { increment, message: words ? `${words} (${amounts})` : amounts };
  }
}

/** `chunks` as they come, each counted into `onProgress` (bytes so far of `total`) once taken. */
export async function* countedChunks(
  chunks: AsyncIterable<Uint8Array>,
  total: bigint,
  onProgress: ((p: Progress) => void) | undefined,
): AsyncGenerator<Uint8Array> {
  let done = 0n;
  for await (const c of chunks) {
    yield c;
    done += BigInt(c.length);
    onProgress?.({ done, total });
  }
}
