// Parsers for the output of the independent tools the cross-check tests compare against:
// `xfs_io -c 'seek -a -r 0'`, `filefrag -v` and `xfs_io -c 'fiemap -v'`. Everything is parsed
// into exact bigints (the tools print decimal integers; blocks and 512-byte sectors are
// converted to bytes here).

import type { ExtentFlag } from '../../src/engine';

export interface ToolRange {
  offset: bigint;
  length: bigint;
}

export interface ToolExtent {
  offset: bigint;
  length: bigint;
  physical: bigint;
  flags: ExtentFlag[];
}

/**
 * `xfs_io -c 'seek -a -r 0' FILE`: alternating "DATA\tN" / "HOLE\tN" lines. A data range runs
 * from a DATA offset to the next HOLE offset (the implicit hole at EOF ends the last one).
 */
export function parseSeekOutput(text: string): ToolRange[] {
  const marks = [...text.matchAll(/^(DATA|HOLE)\s+(\d+)\s*$/gm)].map((m) => ({ kind: m[1], at: BigInt(m[2]) }));
  const out: ToolRange[] = [];
  for (let i = 0; i < marks.length; i++) {
    if (marks[i].kind !== 'DATA') continue;
    const end = marks[i + 1];
    if (!end || end.kind !== 'HOLE') throw new Error(`seek output: DATA at ${marks[i].at} has no HOLE after it:\n${text}`);
    out.push({ offset: marks[i].at, length: end.at - marks[i].at });
  }
  return out;
}

/** filefrag's flag words -> the engine's names ("eof" is filefrag's own note, not a FIEMAP flag). */
const FILEFRAG_FLAGS: Record<string, ExtentFlag | null> = {
  last: 'last',
  unknown_loc: 'unknown',
  delalloc: 'delalloc',
  encoded: 'encoded',
  data_encrypted: 'encrypted',
  not_aligned: 'not-aligned',
  inline: 'inline',
  tail_packed: 'tail',
  unwritten: 'unwritten',
  merged: 'merged',
  shared: 'shared',
  eof: null,
};

/**
 * `filefrag -v FILE` lines: "ext: logical_start.. logical_end: phys_start.. phys_end: length:
 * [expected]: flags", in units of the block size the header names ("... blocks of N bytes").
 */
export function parseFilefrag(text: string): { blockSize: bigint; extents: ToolExtent[] } {
  const bs = /\((\d+) blocks? of (\d+) bytes\)/.exec(text);
  if (!bs) throw new Error(`filefrag output without a block size:\n${text}`);
  const blockSize = BigInt(bs[2]);
  const extents: ToolExtent[] = [];
  for (const line of text.split('\n')) {
    if (!/^\s*\d+:\s+\d+\.\./.test(line)) continue;
    const parts = line.split(':');
    const [ls] = parts[1].split('..').map((s) => BigInt(s.trim()));
    const [ps] = parts[2].split('..').map((s) => BigInt(s.trim()));
    const len = BigInt(parts[3].trim());
    const flagText = (parts.length >= 6 ? parts[5] : (parts[4] ?? '')).trim();
    const flags: ExtentFlag[] = [];
    for (const w of flagText.split(',').filter((x) => x !== '')) {
      const f = FILEFRAG_FLAGS[w];
      if (f === undefined) throw new Error(`unknown filefrag flag "${w}" in: ${line}`);
      if (f) flags.push(f);
    }
    extents.push({ offset: ls * blockSize, length: len * blockSize, physical: ps * blockSize, flags });
  }
  return { blockSize, extents };
}

/** FIEMAP flag bits -> names, as docs/facts/linux.md#fiemap-extent-flags lists them. */
const FIEMAP_BITS: [number, ExtentFlag][] = [
  [0x1, 'last'],
  [0x2, 'unknown'],
  [0x4, 'delalloc'],
  [0x8, 'encoded'],
  [0x80, 'encrypted'],
  [0x100, 'not-aligned'],
  [0x200, 'inline'],
  [0x400, 'tail'],
  [0x800, 'unwritten'],
  [0x1000, 'merged'],
  [0x2000, 'shared'],
];

export function flagsFromBits(bits: number): ExtentFlag[] {
  return FIEMAP_BITS.filter(([b]) => (bits & b) !== 0).map(([, n]) => n);
}

/**
 * `xfs_io -c 'fiemap -v' FILE`: "N: [start..end]: pstart..pend  total  0xFLAGS" in 512-byte
 * sectors; "hole" lines are skipped.
 */
export function parseXfsIoFiemap(text: string): ToolExtent[] {
  const out: ToolExtent[] = [];
  for (const m of text.matchAll(/^\s*\d+:\s+\[(\d+)\.\.(\d+)\]:\s+(\d+)\.\.(\d+)\s+(\d+)\s+0x([0-9a-f]+)\s*$/gim)) {
    out.push({
      offset: BigInt(m[1]) * 512n,
      length: BigInt(m[5]) * 512n,
      physical: BigInt(m[3]) * 512n,
      flags: flagsFromBits(parseInt(m[6], 16)),
    });
  }
  return out;
}

/**
 * Join extents that continue each other logically and physically with the same flags (LAST
 * aside): tools differ in whether they print such neighbours as one extent or several.
 */
export function mergeAdjacent(extents: ToolExtent[]): ToolExtent[] {
  const key = (f: ExtentFlag[]): string => f.filter((x) => x !== 'last' && x !== 'merged').sort().join(',');
  const out: ToolExtent[] = [];
  for (const e of extents) {
    const prev = out[out.length - 1];
    if (prev && prev.offset + prev.length === e.offset && prev.physical + prev.length === e.physical && key(prev.flags) === key(e.flags)) {
      out[out.length - 1] = {
        ...prev,
        length: prev.length + e.length,
        flags: [...new Set([...prev.flags.filter((f) => f !== 'last'), ...e.flags])],
      };
    } else out.push({ ...e, flags: [...e.flags] });
  }
  return out;
}
