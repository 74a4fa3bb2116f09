// A deduplication's freed space measured again (the Dedupe view, dedupe-panel.ts) where the file
// system counts it only when it commits (DedupeReport.remeasure: an SMB share, a Windows
// volume): btrfs behind Samba commits every 30 s by default, and nothing a client can send makes
// it commit sooner (SMB2 FLUSH makes Samba fsync the file, which btrfs logs without a commit:
// tried). So the volumes' free space is read again every REMEASURE.everyMs, for REMEASURE.forMs
// or until the estimate (its upper figure) is reached.

import type { DedupeReport } from '../engine';
import { errorLogLine } from '../host/logic/errors';

export const REMEASURE = { everyMs: 5_000, forMs: 65_000 }; // (tests shorten them)

interface RemeasureHooks {
  /** Still worth measuring (the view open, its report the current one, nothing running). */
  current(): boolean;
  /** The free bytes of the volume holding `path` now (engine.volume). */
  freeBytes(path: string): Promise<bigint | undefined>;
  /** The figure now, seconds after the run, and whether more measuring follows. */
  update(freed: bigint, afterS: number, pending: boolean): void;
  log: { info(message: string): void; warn(message: string): void };
}

/** Nothing to do where the report needs no second look or already reaches the estimate. */
export async function measureFreedAgain(r: DedupeReport, h: RemeasureHooks): Promise<void> {
  const again = r.remeasure;
  // the estimate's upper figure: its lower one may be reached by volumes already final (compressed data counts 0 there)
  const goal = r.estimated;
  if (!again || r.deduped === 0n || r.freed >= goal) return; // (nothing shared: nothing to wait for)
  const start = performance.now();
  let freed = r.freed;
  let afterS = 0;
  h.update(freed, afterS, true);
  try {
    while (h.current() && freed < goal && performance.now() - start < REMEASURE.forMs) {
      await new Promise((resolve) => setTimeout(resolve, REMEASURE.everyMs));
      if (!h.current()) return;
      // the volumes whose count was final (Linux, after syncfs) as they were, the others now
      let now = again.settled;
      for (const v of again.volumes) {
        const free = await h.freeBytes(v.path);
        if (free === undefined) throw new Error(`the volume of ${v.path} no longer reports its free space`);
        now += free - v.freeBefore;
      }
      if (!h.current()) return;
      afterS = Math.round((performance.now() - start) / 1000);
      if (now !== freed) h.log.info(`dedupe: freed ${now} (measured again ${afterS} s after the run; was ${freed})`);
      freed = now;
      h.update(freed, afterS, true);
    }
  } catch (e) {
    h.log.warn(errorLogLine('dedupe: measuring the freed space again', e));
  }
  if (h.current()) h.update(freed, afterS, false);
}
