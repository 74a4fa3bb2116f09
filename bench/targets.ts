// The benchmark's targets (the issues' speed and memory goals) and whether a run met them; the
// results' shape. bench/report.ts writes them out.

import type { CloneBench } from './clone-file';
import type { Machine } from './lib/machine';
import type { MapBench } from './map-extents';
import type { MillionBench } from './inspector-load/million';
import type { SmbBench } from './smb';
import type { SpaceBench } from './space';
import { dedupeMedian, type DedupeBench } from './dedupe';

export interface Results {
  machine: Machine;
  command: string;
  env: string;
  map?: MapBench;
  clone?: CloneBench;
  million?: MillionBench;
  space?: SpaceBench;
  smb?: SmbBench;
  dedupe?: DedupeBench;
  /** The same dedupe comparison on a larger tree (bench/run.ts --dedupe-large). */
  dedupeLarge?: DedupeBench;
  loadAfter: string;
  /** When and at what load each part was measured (with --only, the other parts keep theirs). */
  measured?: Record<string, { date: string; loadAverage: string }>;
}

/** Issue 15: our client's 1 GiB read against `smbclient get` (median throughputs). */
export const SMB_READ_VS_SMBCLIENT = 0.8;
/** Issue 15: copychunk against reading and writing through the client. */
export const SMB_COPY_SPEEDUP = 3;
/** Issue 15: listing 10,000 files. */
export const SMB_LIST_MS = 1000;

/** Issue 13: `extent-lens space DIR --json` whole process against the baseline (mean wall). */
export const SPACE_VS_BASELINE = 1.0;
/** Issue 13: peak RSS of `extent-lens space` on 200,000 files. */
export const SPACE_PEAK_RSS_MB = 300;

/**
 * `extent-lens map` of the 100,000-extent file against `filefrag -v`, whole process (issue 10:
 * one JavaScript table writer, no WebAssembly; Node's own start-up is most of filefrag's time).
 */
export const MAP_VS_FILEFRAG = 2.5;

export const ms = (s: number): string => `${(s * 1000).toFixed(1)} ms`;
export const x = (r: number): string => `${r.toFixed(2)}x`;
export function targets(r: Results): { name: string; target: string; got: string; ok: boolean }[] {
  const out: { name: string; target: string; got: string; ok: boolean }[] = [];
  for (const d of [r.dedupe, r.dedupeLarge])
    for (const kind of ['btrfs', 'xfs'] as const) {
      const el = d && dedupeMedian(d, kind, 'extent-lens');
      const dr = d && dedupeMedian(d, kind, 'duperemove');
      if (!d || !el || !dr) continue;
      const rounds = d.rounds ?? 1;
      out.push({
        name: `dedupe on ${kind}, ${treeName(d)}: bytes freed and wall time vs \`duperemove -dr -b 128k\`${rounds > 1 ? ` (medians of ${rounds} alternated runs)` : ''}`,
        target: '>= its bytes, <= its time',
        got: `${el.freed} vs ${dr.freed} bytes, ${el.wallSeconds.toFixed(2)} s vs ${dr.wallSeconds.toFixed(2)} s`,
        ok: el.freed >= dr.freed && el.wallSeconds <= dr.wallSeconds,
      });
    }
  if (r.map) {
    const call = r.map.measuredCall ?? 'engine.map()';
    out.push({
      name: `engine map, extents per second (\`${call}\`, in process)`,
      target: '>= 1,000,000/s',
      got:
        `${r.map.extentsPerSecond.toLocaleString('en-US')}/s` +
        (r.map.extentsPerSecondObjects !== undefined
          ? ` (\`engine.map()\` with Extent objects: ${r.map.extentsPerSecondObjects.toLocaleString('en-US')}/s)`
          : ''),
      ok: r.map.extentsPerSecond >= 1_000_000,
    });
    out.push({
      name: 'CLI `map` (aligned table) vs `filefrag -v` (whole process, mean wall)',
      target: `<= ${MAP_VS_FILEFRAG}x`,
      got: `${x(r.map.cliVsFilefrag.wall)} (CPU time: ${x(r.map.cliVsFilefrag.cpu)})`,
      ok: r.map.cliVsFilefrag.wall <= MAP_VS_FILEFRAG,
    });
  }
  if (r.clone) {
    out.push({
      name: 'engine clone vs fs.copyFileSync FICLONE_FORCE (in process)',
      target: '<= 1.5x',
      got: x(r.clone.engineVsNode),
      ok: r.clone.engineVsNode <= 1.5,
    });
    out.push({
      name: 'CLI clone of 1 GiB (whole process, mean wall)',
      target: '< 150 ms',
      got: `${ms(r.clone.cliClone.mean)} (median ${ms(r.clone.cliClone.median)}, CPU ${ms(r.clone.cliClone.cpu)})`,
      ok: r.clone.cliClone.mean < 0.15,
    });
  }
  for (const run of r.space?.runs ?? []) {
    const n = run.files.toLocaleString('en-US');
    if (run.ratio && run.process && run.clonesOfExtents === undefined)
      out.push({
        name: `CLI \`space --json\`, ${n} files with reflinks on ${run.fs}, vs \`${run.process[0].name}\` (whole process, mean wall)`,
        target: `<= ${SPACE_VS_BASELINE.toFixed(1)}x`,
        got: `${x(run.ratio.wall)} (${ms(run.process[1].mean)} vs ${ms(run.process[0].mean)}; CPU time: ${x(run.ratio.cpu)})`,
        ok: run.ratio.wall <= SPACE_VS_BASELINE,
      });
    if (run.peakRssKiB !== undefined && run.clonesOfExtents === undefined)
      out.push({
        name: `CLI \`space --json\`, ${n} files on ${run.fs}: peak RSS`,
        target: `< ${SPACE_PEAK_RSS_MB} MB`,
        got: `${(run.peakRssKiB / 1024).toFixed(0)} MiB (${(run.wallSeconds ?? 0).toFixed(1)} s)`,
        ok: (run.peakRssKiB * 1024) / 1e6 < SPACE_PEAK_RSS_MB,
      });
  }
  if (r.smb) {
    const mb = (xs: number[]) => `${median(xs).toFixed(0)} MB/s`;
    const gib = `${(r.smb.bytes / 2 ** 30).toFixed(0)} GiB`;
    out.push({
      name: `SMB: read ${gib} through our client vs \`smbclient\` get (loopback Samba, ${r.smb.read.oursMBps.length} pairs run back to back: median of the pairs' ratios)`,
      target: `>= ${SMB_READ_VS_SMBCLIENT * 100}%`,
      got: `${(r.smb.read.ratio * 100).toFixed(0)}% (medians ${mb(r.smb.read.oursMBps)} vs ${mb(r.smb.read.smbclientMBps)}: ${(r.smb.read.ratioOfMedians * 100).toFixed(0)}%)`,
      ok: r.smb.read.ratio >= SMB_READ_VS_SMBCLIENT,
    });
    out.push({
      name: `SMB: server-side copy of ${gib} (copychunk) vs reading and writing it through the client`,
      target: `>= ${SMB_COPY_SPEEDUP}x faster`,
      got: `${x(r.smb.copy.speedup)} (${ms(median(r.smb.copy.copychunkMs) / 1000)} vs ${ms(median(r.smb.copy.throughClientMs) / 1000)})`,
      ok: r.smb.copy.speedup >= SMB_COPY_SPEEDUP,
    });
    out.push({
      name: `SMB: list a folder of ${r.smb.list.files.toLocaleString('en-US')} files (median of ${r.smb.list.ms.length})`,
      target: `< ${SMB_LIST_MS / 1000} s`,
      got: ms(r.smb.list.medianMs / 1000),
      ok: r.smb.list.medianMs < SMB_LIST_MS,
    });
  }
  return out;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

export function treeName(d: DedupeBench): string {
  return `${d.files.toLocaleString('en-US')} files, ${(d.totalBytes / 2 ** 30).toFixed(0)} GiB`;
}
