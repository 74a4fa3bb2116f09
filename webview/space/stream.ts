// The Space view while the analysis runs: the files so far (spaceRows messages, each row at its
// place in the result to come) as a SpaceData with the sums that add up file by file (unique and
// reclaimable need the end), and the pace of redraws while they stream in.
import type { HostMessage, SpaceData, SpaceWireFile } from '../../src/protocol/messages';
import type { SharingSums } from '../../src/protocol/space-sharing';

type RowsMessage = Extract<HostMessage, { type: 'spaceRows' }>;
type DoneMessage = Extract<HostMessage, { type: 'spaceDone' }>;

export interface RowsSoFar {
  base: string;
  sep: '/' | '\\';
  exactScan: boolean;
  files: SpaceWireFile[];
  /** The sums of `files`, kept as rows arrive (the counts on show follow every message, not only the redraws). */
  sums: StreamSums;
}

interface StreamSums extends SharingSums {
  size: bigint;
  allocated: bigint;
  shared: bigint;
  exclusive: bigint;
}

const emptySums = (): StreamSums => ({
  files: 0,
  unknownFiles: 0,
  knownShared: 0n,
  knownExclusive: 0n,
  size: 0n,
  allocated: 0n,
  shared: 0n,
  exclusive: 0n,
});

/** Add (sign 1n) or take away (-1n) one row's numbers. */
function count(s: StreamSums, r: SpaceWireFile, sign: 1n | -1n): void {
  const shared = BigInt(r.shared);
  const exclusive = BigInt(r.exclusive);
  s.files += Number(sign);
  s.size += sign * BigInt(r.size);
  s.allocated += sign * BigInt(r.allocated);
  s.shared += sign * shared;
  s.exclusive += sign * exclusive;
  if (r.sharingUnknown) s.unknownFiles += Number(sign);
  else {
    s.knownShared += sign * shared;
    s.knownExclusive += sign * exclusive;
  }
}

/**
 * The rows so far with a spaceRows message added: a new RowsSoFar at `start` 0 (a new analysis),
 * the same one otherwise; `so` unchanged when the rows cannot be placed (the start of the
 * analysis was missed, or a gap before them).
 */
export function addRows(so: RowsSoFar | undefined, m: RowsMessage): RowsSoFar | undefined {
  if (m.start === 0) so = { base: m.base, sep: m.sep, exactScan: m.exactScan, files: [], sums: emptySums() };
  if (!so || m.start > so.files.length) return so;
  m.rows.forEach((r, i) => {
    const old = so.files[m.start + i];
    if (old) count(so.sums, old, -1n);
    const f: SpaceWireFile = { ...r };
    count(so.sums, f, 1n);
    so.files[m.start + i] = f;
  });
  so.base = m.base;
  return so;
}

/**
 * The whole result from the rows so far and the analysis's spaceDone message: its first
 * `m.start` rows are those the view was sent, completed with what the sweep adds; undefined when
 * the view lacks some of them (it then asks for the whole result). Takes the rows over: the
 * RowsSoFar is done with.
 */
export function completeRows(so: RowsSoFar | undefined, m: DoneMessage): SpaceData | undefined {
  if (!so || so.files.length < m.start) return undefined;
  const files = so.files.slice(0, m.start);
  for (const r of m.rows) files.push({ ...r });
  m.sharing.forEach(([count, overlap, inside], i) => {
    const f = files[i];
    f.sharesWithCount = count;
    if (overlap !== '0') f.overlap = overlap;
    if (inside !== undefined) f.sharedInside = inside;
  });
  return { ...m.data, files };
}

/** The rows so far as a SpaceData: the sums that add up file by file; the rest waits for the end. */
export function rowsData(so: RowsSoFar): SpaceData {
  const s = so.sums;
  const total = {
    files: so.files.length,
    size: String(s.size),
    allocated: String(s.allocated),
    shared: String(s.shared),
    exclusive: String(s.exclusive),
    unique: '0',
    reclaimable: '0',
    reclaimableExact: false,
    reclaimableMax: '0',
    reclaimableBounds: false,
  };
  return {
    roots: [],
    base: so.base,
    sep: so.sep,
    exactScan: so.exactScan,
    files: so.files,
    total,
    fileSystems: [],
    errors: [],
    notes: [],
    symlinks: 0,
    hardLinks: 0,
    durationMs: 0,
  };
}

/**
 * Redraws at a modest rate: at once when the last one is long enough ago, else once it is; at
 * least `minMs` apart, and 4x the last redraw's own time for big trees (so drawing never takes
 * more than a fifth of the time).
 */
export class Pacer {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private last = 0;
  private cost = 0;

  constructor(
    private readonly draw: () => void,
    private readonly minMs: number,
  ) {}

  schedule(): void {
    if (this.timer !== undefined) return;
    const wait = this.last + Math.max(this.minMs, 4 * this.cost) - performance.now();
    this.timer = setTimeout(() => this.now(), Math.max(0, wait));
  }

  /** Draw now (and drop a scheduled draw). */
  now(): void {
    this.cancel();
    const t0 = performance.now();
    this.draw();
    this.last = performance.now();
    this.cost = this.last - t0;
  }

  cancel(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** A new analysis: its first rows draw at once. */
  reset(): void {
    this.cancel();
    this.last = 0;
  }
}
