// What deleting a selection frees on btrfs, as root (engine.space, src/engine/space.ts): whole
// extents at their size on disk, from the files' extent items and the owners of the shared ones
// (the backend's ExtentOwnerQuery: backends/linux/btrfs-owners.ts). FIEMAP alone gives only the
// bytes each file references, uncompressed, and btrfs frees an extent only whole.

import type { ExtentOwnerQuery } from './backend-ext';
import type { EngineContext } from './context';
import { commonPart } from './space-alone';
import { mergeRanges } from './space-scan';
import type { FileTable, Group, Intervals } from './space-table';

/** Owners outside the selection counted per extent: enough to name the main holders. */
const HELD_BY_PER_EXTENT = 8;

/**
 * btrfs (as root): the bytes deleting the selection frees, whole extents at their size on disk.
 * A file FIEMAP shows sharing nothing owns each of its extents alone; the others' extents are
 * freed when every reference to them (LOGICAL_INO_V2) is a file of the selection (`selected`).
 * Files kept by a hard link outside the selection free nothing. Also the shared extents some
 * reference outside the selection holds (`outside`, by disk address), for the split per file.
 * With `parts` (several paths given, space-alone.ts): per part, the extents every reference to
 * which is a file of that part (`alone`): what deleting it alone frees.
 */
export function diskFreed(
  table: FileTable,
  g: Group,
  q: ExtentOwnerQuery,
  key: string[],
  selected: ReadonlySet<string>,
  ctx: EngineContext,
  parts?: { partOf: Int32Array; keyPart: ReadonlyMap<string, number>; count: number },
): { freed: bigint; outside: Intervals; heldBy: Map<string, bigint>; alone?: bigint[] } {
  const alone = parts && Array<bigint>(parts.count).fill(0n);
  // Where each file's shared bytes lie (FIEMAP; the group's shared ranges by file, counting
  // sort): an extent none of them falls in is the file's alone. Typed arrays: 200,000 files.
  const first = new Uint32Array(table.count + 1);
  const rs = g.ranges;
  for (let r = 0; r < rs.count; r++) first[rs.file[r] + 1]++;
  for (let i = 0; i < table.count; i++) first[i + 1] += first[i];
  const fill = first.slice(0, table.count);
  const rangesOf = new Uint32Array(rs.count);
  for (let r = 0; r < rs.count; r++) rangesOf[fill[rs.file[r]]++] = r;
  /** File i's shared bytes all have a place in its map (shared compressed extents have none). */
  const placed = (i: number): boolean => {
    let sum = 0n;
    for (let k = first[i]; k < first[i + 1]; k++) sum += rs.end[rangesOf[k]] - rs.start[rangesOf[k]];
    return sum === table.shared[i];
  };
  /**
   * The current file's shared ranges by start, with the furthest end reached so far (a clone of
   * a 1,000-extent file asks 1,000 times). FIEMAP merges extents that lie next to each other on
   * disk into one record, so a shared range can start before an extent item and cover it.
   */
  let starts: BigInt64Array = new BigInt64Array(0);
  let reach: BigInt64Array = new BigInt64Array(0);
  const rangesByStart = (i: number): void => {
    const ks = Uint32Array.from({ length: first[i + 1] - first[i] }, (_, k) => rangesOf[first[i] + k]);
    ks.sort((a, b) => (rs.start[a] < rs.start[b] ? -1 : rs.start[a] > rs.start[b] ? 1 : 0));
    starts = BigInt64Array.from(ks, (r) => rs.start[r]);
    reach = BigInt64Array.from(ks, (r) => rs.end[r]);
    for (let k = 1; k < reach.length; k++) if (reach[k] < reach[k - 1]) reach[k] = reach[k - 1];
  };
  /** Whether one of the current file's shared ranges overlaps [bytenr, bytenr + bytes). */
  const sharedIn = (bytenr: bigint, bytes: bigint): boolean => {
    // the ranges starting before the extent's end; one of them overlaps if its end is past bytenr
    let lo = 0;
    let hi = starts.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (starts[mid] < bytenr + bytes) lo = mid + 1;
      else hi = mid;
    }
    return lo > 0 && reach[lo - 1] > bytenr;
  };
  let freed = 0n;
  /** Files outside the selection that keep its extents, and the bytes on disk they keep (the note names the first ones). */
  const heldBy = new Map<string, bigint>();
  /** The shared extents a reference outside the selection holds (the Space view's split per file). */
  const outsideStart: bigint[] = [];
  const outsideEnd: bigint[] = [];
  let met = 0;
  const decided = new Set<bigint>();
  // the selected files by subvolume (st_dev), each subvolume's extent items read in inode order
  const byDev = new Map<bigint, number[]>();
  for (let i = 0; i < table.count; i++) {
    if (key[i] === undefined || !selected.has(key[i])) continue;
    const list = byDev.get(table.dev[i]);
    if (list) list.push(i);
    else byDev.set(table.dev[i], [i]);
  }
  for (const [dev, list] of byDev) {
    ctx.checkCancelled();
    const ino = table.ino;
    const idx = Int32Array.from(list).sort((a, b) => (ino[a] < ino[b] ? -1 : ino[a] > ino[b] ? 1 : 0));
    const inos = BigUint64Array.from(idx, (i) => ino[i]);
    // the items come in inode order: a cursor through idx finds each one's file
    let at = 0;
    let current = -1;
    let seen = new Set<bigint>();
    let allPlaced = true;
    q.diskExtents!(table.pathOnFileSystem(idx[0]), dev, inos, (itemIno, bytenr, bytes) => {
      while (at < idx.length && inos[at] < itemIno) at++;
      if (at === idx.length || inos[at] !== itemIno) return; // a file between the selected ones
      const i = idx[at];
      if (i !== current) {
        if ((++met & 1023) === 0) ctx.checkCancelled();
        current = i;
        seen = new Set();
        allPlaced = placed(i);
        if (table.shared[i] !== 0n) rangesByStart(i);
      }
      if (seen.has(bytenr)) return; // one more reference of the file to an extent already counted
      seen.add(bytenr);
      if (table.shared[i] === 0n || (allPlaced && !sharedIn(bytenr, bytes))) {
        freed += bytes;
        if (alone && parts.partOf[i] >= 0) alone[parts.partOf[i]] += bytes;
        return;
      }
      if (decided.has(bytenr)) return;
      decided.add(bytenr);
      const owners = q.referencesTo!(bytenr);
      if (!owners.has(key[i]))
        throw new Error(
          `${q.method} did not name ${table.path[i]} among the owners of its extent at ${bytenr} (did it change during the scan?).`,
        );
      if (alone) {
        const p = commonPart(owners, parts.keyPart);
        if (p >= 0) alone[p] += bytes;
      }
      let outside = 0;
      for (const o of owners)
        if (!selected.has(o)) {
          heldBy.set(o, (heldBy.get(o) ?? 0n) + bytes);
          // (a few owners each: 20,000 clones outside would make every extent cost 20,000 steps)
          if (++outside === HELD_BY_PER_EXTENT) break;
        }
      if (outside > 0) {
        outsideStart.push(bytenr);
        outsideEnd.push(bytenr + bytes);
        return;
      }
      freed += bytes;
    });
  }
  return { freed, outside: mergeRanges(outsideStart, outsideEnd), heldBy, ...(alone ? { alone } : {}) };
}
