// The benchmark's results as a text table (terminal) and as docs/BENCHMARKS.md.

import type { CloneBench } from './clone-file';
import type { Machine } from './lib/machine';
import type { Timing } from './lib/hyperfine';
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

const ms = (s: number): string => `${(s * 1000).toFixed(1)} ms`;
const x = (r: number): string => `${r.toFixed(2)}x`;
const verdict = (ok: boolean): string => (ok ? 'MET' : 'MISSED');

function timingRows(ts: Timing[]): string[] {
  return ts.map((t) => `| ${t.name} | \`${t.command}\` | ${ms(t.mean)} ± ${ms(t.stddev)} | ${ms(t.median)} | ${ms(t.cpu)} | ${t.runs} |`);
}

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

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

export function textTable(r: Results): string {
  const lines: string[] = [];
  if (r.map) {
    lines.push(`map: ${r.map.extents} extents`);
    if (r.map.enginePacked)
      lines.push(
        `  engine mapPacked in process: median ${r.map.enginePacked.median.toFixed(1)} ms (CPU ${r.map.enginePacked.cpu.toFixed(1)} ms) = ${r.map.extentsPerSecond.toLocaleString('en-US')} extents/s`,
      );
    lines.push(
      `  engine map (objects) in process: median ${r.map.engineMap.median.toFixed(1)} ms (CPU ${r.map.engineMap.cpu.toFixed(1)} ms) = ${(r.map.extentsPerSecondObjects ?? r.map.extentsPerSecond).toLocaleString('en-US')} extents/s`,
    );
    lines.push(`  engine ranges in process: median ${r.map.engineRanges.median.toFixed(1)} ms`);
    for (const t of r.map.process)
      lines.push(
        `  ${t.name.padEnd(28)} mean ${ms(t.mean).padStart(10)}  median ${ms(t.median).padStart(10)}  cpu ${ms(t.cpu).padStart(10)}`,
      );
  }
  if (r.clone) {
    lines.push(`clone: ${r.clone.bytes} bytes`);
    lines.push(
      `  engine.clone in process: median ${r.clone.engineClone.median.toFixed(3)} ms; fs.copyFileSync FICLONE_FORCE: median ${r.clone.nodeCopyFile.median.toFixed(3)} ms`,
    );
    if (r.clone.safeSyscalls && r.clone.safeVsNode !== undefined)
      lines.push(
        `  the engine's system calls alone (no engine): median ${r.clone.safeSyscalls.median.toFixed(3)} ms = ${x(r.clone.safeVsNode)} fs.copyFileSync in a second run`,
      );
    for (const t of r.clone.process)
      lines.push(
        `  ${t.name.padEnd(32)} mean ${ms(t.mean).padStart(10)}  median ${ms(t.median).padStart(10)}  cpu ${ms(t.cpu).padStart(10)}`,
      );
  }
  if (r.million)
    lines.push(
      `million: ${r.million.extents} extents: mapPacked ${r.million.packedMs?.toFixed(0) ?? '-'} ms (${r.million.packedPerSecond?.toLocaleString('en-US') ?? '-'}/s), map ${r.million.mapMs.toFixed(0)} ms (${r.million.extentsPerSecond.toLocaleString('en-US')}/s)`,
    );
  for (const run of r.space?.runs ?? []) {
    lines.push(
      `space: ${run.files} files on ${run.fs}${run.clonesOfExtents !== undefined ? ` (clones of a ${run.clonesOfExtents}-extent file)` : ''} (made in ${run.makeSeconds.toFixed(1)} s)`,
    );
    for (const t of run.process ?? [])
      lines.push(
        `  ${t.name.padEnd(32)} mean ${ms(t.mean).padStart(10)}  median ${ms(t.median).padStart(10)}  cpu ${ms(t.cpu).padStart(10)}`,
      );
    if (run.peakRssKiB !== undefined) lines.push(`  peak RSS ${(run.peakRssKiB / 1024).toFixed(0)} MiB, ${run.wallSeconds} s`);
  }
  if (r.smb) {
    const f = (xs: number[], d = 0) => xs.map((v) => v.toFixed(d)).join(', ');
    lines.push(`smb: ${r.smb.bytes} bytes over ${r.smb.dialect} on loopback`);
    lines.push(`  read MB/s, ours: ${f(r.smb.read.oursMBps)}; smbclient get: ${f(r.smb.read.smbclientMBps)}`);
    lines.push(`  copy ms, copychunk: ${f(r.smb.copy.copychunkMs)}; read + write through the client: ${f(r.smb.copy.throughClientMs)}`);
    lines.push(`  list ${r.smb.list.files} files, ms: ${f(r.smb.list.ms)}`);
  }
  for (const d of [r.dedupe, r.dedupeLarge])
    for (const run of d?.runs ?? [])
      lines.push(
        `dedupe (${treeName(d!)}): ${run.fs} ${run.tool.padEnd(12)} freed ${run.freed} bytes in ${run.wallSeconds.toFixed(2)} s (CPU ${run.cpuSeconds?.toFixed(2) ?? '-'} s)${run.reported ? ` (reported ${run.reported})` : ''}`,
      );
  lines.push('targets:');
  for (const t of targets(r)) lines.push(`  ${verdict(t.ok).padEnd(6)} ${t.name}: ${t.got} (target ${t.target})`);
  return lines.join('\n') + '\n';
}

export function markdown(r: Results, notes: string): string {
  const m = r.machine;
  const md: string[] = [
    '# Benchmarks',
    '',
    '<!-- Generated by `npm run bench` (scripts/bench.sh -> bench/run.ts). Edit bench/report.ts or bench/NOTES.md, then `node --import tsx bench/run.ts --doc-only`. -->',
    '',
    'Mapping a file with many extents and cloning a 1 GiB file on one XFS loop-device image, and',
    'accounting the space of trees of small reflinked files on btrfs and XFS images (issue 13), and',
    `deduplicating ${dedupeTrees(r)} against duperemove on btrfs and XFS (issue 14).`,
    'Whole-process figures come from',
    '[hyperfine](https://github.com/sharkdp/hyperfine) (`-N`, no shell in between); in-process',
    'figures are medians of repeated calls in one Node process.',
    '',
    '## Machine',
    '',
    '| | |',
    '|---|---|',
    `| date | ${m.date} |`,
    `| CPU | ${m.cpu} (nproc ${m.nproc}) |`,
    `| memory | ${m.memory} |`,
    `| kernel | ${m.kernel} |`,
    `| node | ${m.node} |`,
    `| tools | ${m.xfsprogs}; ${m.e2fsprogs}; ${m.hyperfine} |`,
    `| load average (1/5/15 min) before / after | ${m.loadAverage} / ${r.loadAfter} |`,
    '',
    `Command: \`${r.command}\`. Environment: ${r.env}`,
    ...(r.measured
      ? [
          '',
          'Each part was measured when and at the load shown (`--only` runs one part and keeps the figures of the others):',
          '',
          '| part | measured | load average before (1/5/15 min) |',
          '|---|---|---|',
          ...Object.entries(r.measured).map(([part, w]) => `| ${part} | ${w.date} | ${w.loadAverage} |`),
        ]
      : []),
    '',
    '## Targets',
    '',
    '| what | target | measured | |',
    '|---|---|---|---|',
    ...targets(r).map((t) => `| ${t.name} | ${t.target} | ${t.got} | ${verdict(t.ok)} |`),
    '',
  ];
  if (r.map) {
    md.push(
      `## (a) Map a file with ${r.map.extents.toLocaleString('en-US')} extents`,
      '',
      'The file: 4 KiB data blocks alternating with 4 KiB holes (xfs_io `pwrite` into a file whose size',
      'was set first, so XFS adds no speculative preallocation).',
      '',
      ...(r.map.enginePacked
        ? [
            `- engine \`mapPacked()\` in process (columnar typed arrays; the call the CLI and the inspector use, and the one the target is judged on): median **${r.map.enginePacked.median.toFixed(1)} ms** (min ${r.map.enginePacked.min.toFixed(1)} ms, CPU ${r.map.enginePacked.cpu.toFixed(1)} ms, ${r.map.enginePacked.runs} runs) = **${r.map.extentsPerSecond.toLocaleString('en-US')} extents/s**`,
            `- engine \`map()\` in process (the same map, then one \`Extent\` object with BigInt fields per extent): median ${r.map.engineMap.median.toFixed(1)} ms (min ${r.map.engineMap.min.toFixed(1)} ms, CPU ${r.map.engineMap.cpu.toFixed(1)} ms, ${r.map.engineMap.runs} runs) = ${(r.map.extentsPerSecondObjects ?? 0).toLocaleString('en-US')} extents/s`,
          ]
        : [
            `- engine \`map()\` in process: median **${r.map.engineMap.median.toFixed(1)} ms** (min ${r.map.engineMap.min.toFixed(1)} ms, CPU ${r.map.engineMap.cpu.toFixed(1)} ms, ${r.map.engineMap.runs} runs) = **${r.map.extentsPerSecond.toLocaleString('en-US')} extents/s**`,
          ]),
      `- engine \`ranges()\` (SEEK_DATA/SEEK_HOLE) in process: median ${r.map.engineRanges.median.toFixed(1)} ms`,
      '',
      '| whole process | command | mean ± σ | median | CPU (user+sys) | runs |',
      '|---|---|---|---|---|---|',
      ...timingRows(r.map.process),
      '',
    );
  }
  if (r.clone) {
    md.push(
      `## (b) Clone a ${(r.clone.bytes / 2 ** 30).toFixed(0)} GiB file`,
      '',
      `In process, ${r.clone.engineClone.runs} calls each, alternating call by call, the destination deleted between calls outside the timed region:`,
      '',
      `- engine \`clone()\` in process: median **${r.clone.engineClone.median.toFixed(3)} ms** (min ${r.clone.engineClone.min.toFixed(3)} ms, CPU ${r.clone.engineClone.cpu.toFixed(3)} ms)`,
      `- Node \`fs.copyFileSync(src, dst, COPYFILE_FICLONE_FORCE)\`: median **${r.clone.nodeCopyFile.median.toFixed(3)} ms** (min ${r.clone.nodeCopyFile.min.toFixed(3)} ms, CPU ${r.clone.nodeCopyFile.cpu.toFixed(3)} ms)`,
      `- ratio engine / Node: **${x(r.clone.engineVsNode)}**`,
      ...(r.clone.safeSyscalls && r.clone.safeVsNode !== undefined
        ? [
            `- the engine's own system calls made bare through koffi, no engine (\`bench/lib/raw-clone.ts\` \`core\`), ` +
              `in a second alternating run against \`copyFileSync\`: median ${r.clone.safeSyscalls.median.toFixed(3)} ms, ` +
              `ratio **${x(r.clone.safeVsNode)}** (what the safety rules cost in the kernel; the rest of the engine's ratio is its JavaScript)`,
          ]
        : []),
      '',
      '| whole process | command | mean ± σ | median | CPU (user+sys) | runs |',
      '|---|---|---|---|---|---|',
      ...timingRows(r.clone.process),
      '',
    );
  }
  if (r.million) {
    md.push(
      `## Inspector load: ${r.million.extents.toLocaleString('en-US')} extents`,
      '',
      `\`bench/inspector-load/million.ts\`: unwritten 4 KiB extents alternating with holes, in process:`,
      '',
      ...(r.million.packedMs !== undefined
        ? [
            `- engine \`mapPacked()\`: median ${r.million.packedMs.toFixed(0)} ms = ${(r.million.packedPerSecond ?? 0).toLocaleString('en-US')} extents/s`,
          ]
        : []),
      `- engine \`map()\` (Extent objects): median ${r.million.mapMs.toFixed(0)} ms = ${r.million.extentsPerSecond.toLocaleString('en-US')} extents/s`,
      '',
    );
  }
  if (r.space) {
    md.push(
      `## (c) Space accounting: ${r.space.small.toLocaleString('en-US')} and ${r.space.large.toLocaleString('en-US')} files with reflinks`,
      '',
      '`bench/space.ts`, trees made by `bench/space-tree.ts` on fresh loop-mounted images: groups of four',
      'files, 100 files per folder: an 8 KiB original, two whole-file clones of it (FICLONE), and a',
      'file with 4 KiB of its own data and 4 KiB cloned from the original (FICLONERANGE). Every file',
      'shares; at most four files share a stretch. Run as root, so on btrfs the owner queries run',
      '(the reclaimable figure is exact). Output to /dev/null.',
      '',
    );
    for (const run of r.space.runs) {
      const n = run.files.toLocaleString('en-US');
      if (run.process)
        md.push(
          run.clonesOfExtents !== undefined
            ? `${n} files on ${run.fs}, one file of ${run.clonesOfExtents.toLocaleString('en-US')} extents and its whole-file clones ` +
                `(made in ${run.makeSeconds.toFixed(1)} s; not a target: the case where counting pairs of files per extent was ` +
                `quadratic), baseline \`${run.baseline}\`:`
            : `${n} files on ${run.fs} (made in ${run.makeSeconds.toFixed(1)} s), baseline \`${run.baseline}\`:`,
          '',
          '| whole process | command | mean ± σ | median | CPU (user+sys) | runs |',
          '|---|---|---|---|---|---|',
          ...timingRows(run.process),
          '',
        );
      if (run.peakRssKiB !== undefined)
        md.push(
          `- ${n} files on ${run.fs}${run.clonesOfExtents !== undefined ? ' (the clones above)' : ` (made in ${run.makeSeconds.toFixed(1)} s)`}: \`extent-lens space DIR --json\` peak RSS **${(run.peakRssKiB / 1024).toFixed(0)} MiB** ` +
            `(\`/usr/bin/time -f %M\`), ${(run.wallSeconds ?? 0).toFixed(1)} s wall, ${((run.outputBytes ?? 0) / 2 ** 20).toFixed(0)} MiB of JSON`,
          '',
        );
    }
  }
  if (r.smb) {
    const f = (xs: number[]) => xs.map((v) => v.toFixed(0)).join(', ');
    md.push(
      `## (d) SMB on loopback: read, server-side copy and list (issue 15)`,
      '',
      '`bench/smb.ts`: a real Samba (test/support/samba.ts) on 127.0.0.1 sharing an ext4 loop image (no reflinks,',
      `so a server-side copy copies the bytes on the server), ${r.smb.dialect}, unsigned and unencrypted (as smbclient`,
      "negotiates it there). Our figures are the project's SMB2 client in process (`SmbClient.readChunks`: 8 MiB",
      "READs, 32 MiB outstanding within the credits: what the smb: file system provider reads through, via the engine's SMB file API); smbclient is",
      'a whole process (`smbclient //127.0.0.1/data -c "get big.bin /dev/null"`, its start-up and sign-in included).',
      "Each pair runs in turns after a warm-up read, so the file is in the server's page cache for both.",
      '',
      `- read ${(r.smb.bytes / 2 ** 20).toFixed(0)} MiB, MB/s per run: ours ${f(r.smb.read.oursMBps)}; smbclient ${f(r.smb.read.smbclientMBps)}`,
      `- copy, ms per run: \`engine.copy\` (FSCTL_SRV_COPYCHUNK_WRITE into a temporary name, then the rename) ${f(r.smb.copy.copychunkMs)}; ` +
        `read + write through the client (16 MiB pipelined reads, then pipelined writes) ${f(r.smb.copy.throughClientMs)}`,
      `- list ${r.smb.list.files.toLocaleString('en-US')} files (\`smbFileApi.list\`: CREATE the folder, QUERY_DIRECTORY in pages of up to 1 MiB, CLOSE, on a pooled connection), ms per run: ${f(r.smb.list.ms)}`,
      '',
    );
  }
  for (const [d, letter] of [
    [r.dedupe, 'e'],
    [r.dedupeLarge, 'f'],
  ] as const)
    if (d) md.push(...dedupeSection(d, letter));
  md.push('## Notes', '', notes.trim(), '');
  return md.join('\n');
}

/** The dedupe trees measured, for the introduction: "a 2 GiB tree", "trees of 2 GiB and 8 GiB". */
function dedupeTrees(r: Results): string {
  const sizes = [r.dedupe, r.dedupeLarge].filter((d) => d !== undefined).map((d) => `${(d.totalBytes / 2 ** 30).toFixed(0)} GiB`);
  return sizes.length > 1 ? `trees of ${sizes.join(' and ')}` : `a ${sizes[0] ?? '2 GiB'} tree`;
}

/** "8,000 files, 8 GiB": a dedupe tree in a few words. */
function treeName(d: DedupeBench): string {
  return `${d.files.toLocaleString('en-US')} files, ${(d.totalBytes / 2 ** 30).toFixed(0)} GiB`;
}

function dedupeSection(d: DedupeBench, letter: string): string[] {
  return [
    `## (${letter}) Deduplication: ${d.files.toLocaleString('en-US')} files, ${(d.totalBytes / 2 ** 20).toFixed(0)} MiB, ${(d.duplicateBytes / 2 ** 20).toFixed(0)} MiB duplicate`,
    '',
    '`bench/dedupe.ts`: a fresh loop-mounted image per run with the same tree (the second half of the',
    `files are copies of the first half, written again), each tool run ${d.rounds ?? 1} time${(d.rounds ?? 1) === 1 ? '' : 's'} per file system, the two alternating`,
    '(which goes first swaps each round), whole process; freed = statfs f_bfree after sync, before and after.',
    'The targets compare the medians (freed differs between runs of one tool by tens of blocks of btrfs metadata).',
    ...(d.directIo ? ["The loop devices bypass their images' page cache (`losetup --direct-io=on`), so the tree is cached once."] : []),
    '',
    '| file system | round | tool | command | freed (bytes) | wall (with sync) | CPU (user+sys) | reported by the tool |',
    '|---|---|---|---|---|---|---|---|',
    ...d.runs.map(
      (x) =>
        `| ${x.fs} | ${x.round ?? 1} | ${x.tool} | \`${x.command}\` | ${x.freed} | ${x.wallSeconds.toFixed(2)} s | ${x.cpuSeconds === undefined ? '-' : `${x.cpuSeconds.toFixed(2)} s`} | ${x.reported ?? '-'} |`,
    ),
    '',
    ...(['btrfs', 'xfs'] as const).flatMap((kind) => {
      const el = dedupeMedian(d, kind, 'extent-lens');
      const dr = dedupeMedian(d, kind, 'duperemove');
      return el && dr
        ? [
            `- ${kind}, medians: extent-lens ${el.wallSeconds.toFixed(2)} s, duperemove ${dr.wallSeconds.toFixed(2)} s (ratio ${(el.wallSeconds / dr.wallSeconds).toFixed(2)}x); freed ${el.freed} vs ${dr.freed} bytes`,
          ]
        : [];
    }),
    '',
  ];
}
