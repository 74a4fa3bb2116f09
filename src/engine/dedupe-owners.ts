// Who else references a destination's shared blocks, where the file system can say: btrfs
// (BTRFS_IOC_LOGICAL_INO_V2 for each extent, found in the file's extent items) and XFS with the
// reverse-mapping btree (FS_IOC_GETFSMAP), both as root; the backend's ExtentOwnerQuery, as the
// space accounting uses it. FIEMAP flags blocks as shared, not with whom, so without owners the
// saving is a range (dedupe-saving.ts: netSavingMin). With them, the blocks some file outside the
// plan's files also references stay allocated (sharedBlockSavings takes them out of the saving)
// and the rest is freed: one figure.

import type { ExtendedBackend, ExtentOwnerQuery } from './backend-ext';
import type { DedupeGroup } from './dedupe-types';
import type { FileData } from './dedupe-file-data';
import { EXTENT_FLAG, linearPhysical } from './map-format';
import { isCancelled } from './errors';
import { mountPointOf } from './space-fs';
import { segments } from './dedupe-segments';

/** Stretches of a destination's data that a file outside the plan also references, with one such owner. */
interface KeptStretch {
  /** File offsets of the destination. */
  start: bigint;
  end: bigint;
  /** The owner as the query names files (ExtentOwnerQuery.fileKey): for a person, OwnerLookup.ownerName. */
  owner: string;
}

/** Owner answers for the files of one file system (fsKey). */
export interface OwnerLookup {
  /** 'BTRFS_IOC_LOGICAL_INO_V2', 'FS_IOC_GETFSMAP'. */
  readonly method: string;
  /** Asked because a destination has shared blocks (else only for btrfs extent sizes: extentsOf). */
  readonly forShared: boolean;
  /**
   * The parts of [offset, offset + length) of `f` (data at physical `phys` onward, contiguous)
   * that some file other than the plan's also references; undefined when the owners could not
   * be named (the query failed: `failure` says why).
   */
  keptOutside(f: FileData, offset: bigint, length: bigint, phys: bigint): KeptStretch[] | undefined;
  /** A KeptStretch's owner for a person: its path where the file system can name one, else its inode (and subvolume). */
  ownerName(owner: string): string;
  /**
   * btrfs: the file's references to its data extents (its extent items), each with the extent's
   * address and size on disk; undefined where they cannot be read (not root) or elsewhere.
   */
  extentsOf?(f: FileData): ExtentRef[] | undefined;
  /**
   * btrfs: the plan's files that reference the data extent at `bytenr` (an encoded extent's
   * address), when no other file does; undefined where some file outside the plan references it
   * or the owners cannot be named.
   */
  referencingFiles?(bytenr: bigint): FileData[] | undefined;
}

/** A reference of a file to a btrfs data extent: file offsets [off, end), the extent's address and size on disk. */
export interface ExtentRef {
  off: bigint;
  end: bigint;
  bytenr: bigint;
  bytes: bigint;
}

interface OwnerLookups {
  byFs: Map<string, OwnerLookup>;
  /** Why owners could not be named on some file system (for the plan's notes), once each. */
  failures(): string[];
  close(): void;
}

/** No file system asked: what stands in while lookups are replaced. */
export const NO_OWNERS: OwnerLookups = { byFs: new Map(), failures: () => [], close: () => undefined };

/**
 * Owner lookups for each file system holding a destination with shared blocks, or (btrfs) whose
 * extent items may make a saving exact (`wantsExtentItems`: where FIEMAP's records are extents,
 * and how big an extent is on disk); none is asked otherwise. `files` are the plan's files:
 * their references are in their maps, so only others count as outside. Queries fail where the
 * file system cannot name owners or the caller is not root; the lookup then answers undefined and
 * the range stays (a failure is said in the notes only where shared blocks needed the owners).
 */
export async function ownerLookups(
  groups: DedupeGroup[],
  files: Map<string, FileData>,
  resolve: (p: string) => Promise<ExtendedBackend>,
  wantsExtentItems: (f: FileData) => boolean = () => false,
): Promise<OwnerLookups> {
  const wanted = new Map<string, FileData>();
  /** File systems asked because of shared blocks (their failures are notes). */
  const forShared = new Set<string>();
  for (const g of groups)
    for (const r of g.ranges.slice(1)) {
      const f = files.get(r.path);
      if (!f || r.alreadyShared || forShared.has(f.fsKey) || f.dev === undefined || f.ino === undefined) continue;
      if (f.filesystem !== 'btrfs' && f.filesystem !== 'xfs') continue;
      if (f.flags.some((fl, i) => (fl & EXTENT_FLAG.SHARED) !== 0 && linearPhysical(f.phys[i], fl))) {
        wanted.set(f.fsKey, f);
        forShared.add(f.fsKey);
      } else if (!wanted.has(f.fsKey) && f.filesystem === 'btrfs' && wantsExtentItems(f)) wanted.set(f.fsKey, f);
    }
  const byFs = new Map<string, OwnerLookup>();
  const failed = new Map<string, string>();
  const queries: ExtentOwnerQuery[] = [];
  for (const [fsKey, first] of wanted) {
    let q: ExtentOwnerQuery | undefined;
    try {
      q = (await resolve(first.path)).extentOwners?.(first.path);
    } catch (e) {
      if (isCancelled(e)) throw e;
      if (forShared.has(fsKey)) failed.set(fsKey, reason(first, e));
      continue;
    }
    if (!q) continue;
    queries.push(q);
    const query = q;
    const inside = new Map<string, FileData>();
    let broken = false;
    const fail = (e: unknown): undefined => {
      broken = true;
      if (forShared.has(fsKey)) failed.set(fsKey, reason(first, e));
      return undefined;
    };
    try {
      for (const f of files.values())
        if (f.fsKey === fsKey && f.dev !== undefined && f.ino !== undefined) inside.set(query.fileKey(f.path, f.dev, f.ino), f);
    } catch (e) {
      fail(e);
      continue;
    }
    const btrfs = query.diskExtents && query.referencesTo ? btrfsLookup(query, inside) : undefined;
    const lookup = btrfs?.kept ?? (query.owners ? xfsLookup(query, inside) : undefined);
    if (!lookup) continue;
    // XFS names owners by inode only (no parent pointers to walk back): the mount and the command that finds it
    const mount = btrfs ? undefined : mountPointOf(first.path);
    // every answer: undefined once a query has failed (the failure is noted once)
    const guarded =
      <A extends unknown[], R>(ask: (...a: A) => R) =>
      (...a: A): R | undefined => {
        if (broken) return undefined;
        try {
          return ask(...a);
        } catch (e) {
          return fail(e);
        }
      };
    byFs.set(fsKey, {
      method: query.method,
      forShared: forShared.has(fsKey),
      ownerName: btrfs
        ? (o) => query.nameOf?.(o) ?? `subvolume ${o.replace(':', ', inode ')}`
        : (o) => (mount ? `inode ${o} of ${mount}, which \`find ${mount} -xdev -inum ${o}\` names` : `inode ${o}`),
      keptOutside: guarded(lookup),
      extentsOf: btrfs ? guarded(btrfs.extentsOf) : undefined,
      referencingFiles: btrfs ? guarded(btrfs.referencingFiles) : undefined,
    });
  }
  return {
    byFs,
    failures: () => [...new Set(failed.values())],
    close: () => queries.forEach((q) => q.close()),
  };
}

/** Bytes of [offset, offset + length) of `f` that some file outside the plan also references. */
export type HeldOutside = (f: FileData, offset: bigint, length: bigint) => bigint;

/**
 * HeldOutside from the owner lookups: 0 where the data is not flagged shared (no other file
 * references it), has no place, or the file system cannot name owners. Those bytes stay
 * allocated whatever the plan does.
 */
export function heldOutsideOf(lookups: ReadonlyMap<string, OwnerLookup>): HeldOutside {
  return (f, offset, length) => {
    const lookup = lookups.get(f.fsKey);
    let held = 0n;
    if (lookup)
      for (const x of segments(f, offset, length)) {
        if (!x.shared || x.phys < 0n) continue;
        for (const k of lookup.keptOutside(f, offset + x.rel, x.len, x.phys) ?? []) held += k.end - k.start;
      }
    return held;
  };
}

/**
 * Whether a file outside the plan references every byte of [offset, offset + length) of `f`
 * (data at `phys`): its owner for a person, else undefined (not known, or not all of it). A
 * compressed btrfs extent has no physical range to weigh part by part, but any outside reference
 * keeps all of it: so a piece kept whole frees nothing, which is all that needs knowing.
 */
export function keptWhole(lookup: OwnerLookup | undefined, f: FileData, offset: bigint, length: bigint, phys: bigint): string | undefined {
  const kept = lookup?.keptOutside(f, offset, length, phys);
  if (!kept || kept.length === 0) return undefined;
  const end = offset + length;
  let covered = 0n; // the stretches are apart (one per extent item)
  for (const k of kept) covered += (k.end < end ? k.end : end) - (k.start > offset ? k.start : offset);
  return covered >= length ? lookup!.ownerName(kept[0].owner) : undefined;
}

type Lookup = (f: FileData, offset: bigint, length: bigint, phys: bigint) => KeptStretch[];

/**
 * btrfs: the file's extent items (read once per file) give each reference's extent and its size
 * on disk; one LOGICAL_INO_V2 per extent names every file referencing any part of it (an extent is
 * freed only whole, so an outside reference anywhere in it keeps all of it).
 */
function btrfsLookup(
  q: ExtentOwnerQuery,
  inside: Map<string, FileData>,
): { kept: Lookup; extentsOf: (f: FileData) => ExtentRef[]; referencingFiles: (bytenr: bigint) => FileData[] | undefined } {
  const items = new Map<string, ExtentRef[]>();
  /** Per extent: a file outside the plan referencing it (null: none). */
  const owners = new Map<bigint, string | null>();
  /** Per extent: every file referencing it (one LOGICAL_INO_V2 each). */
  const referrers = new Map<bigint, ReadonlySet<string>>();
  const referencesTo = (bytenr: bigint): ReadonlySet<string> => {
    let set = referrers.get(bytenr);
    if (!set) referrers.set(bytenr, (set = q.referencesTo!(bytenr)));
    return set;
  };
  const extentsOf = (f: FileData): ExtentRef[] => {
    let list = items.get(f.path);
    if (!list) {
      const got: ExtentRef[] = [];
      q.diskExtents!(f.path, f.dev!, BigUint64Array.of(f.ino!), (ino, bytenr, bytes, fileOffset, fileBytes) => {
        if (ino === f.ino) got.push({ off: fileOffset, end: fileOffset + fileBytes, bytenr, bytes });
      });
      items.set(f.path, (list = got));
    }
    return list;
  };
  const kept: Lookup = (f, offset, length) => {
    const list = extentsOf(f);
    const end = offset + length;
    const out: KeptStretch[] = [];
    // the items are in file order, apart: start at the first that ends after `offset`
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (list[mid].end <= offset) lo = mid + 1;
      else hi = mid;
    }
    for (let k = lo; k < list.length && list[k].off < end; k++) {
      const it = list[k];
      const a = it.off > offset ? it.off : offset;
      const b = it.end < end ? it.end : end;
      if (b <= a) continue;
      let outside = owners.get(it.bytenr);
      if (outside === undefined) {
        outside = null;
        for (const o of referencesTo(it.bytenr))
          if (!inside.has(o)) {
            outside = o;
            break;
          }
        owners.set(it.bytenr, outside);
      }
      if (outside !== null) out.push({ start: a, end: b, owner: outside });
    }
    return out;
  };
  const referencingFiles = (bytenr: bigint): FileData[] | undefined => {
    const out: FileData[] = [];
    for (const o of referencesTo(bytenr)) {
      const f = inside.get(o);
      if (!f) return undefined;
      out.push(f);
    }
    return out;
  };
  return { kept, extentsOf, referencingFiles };
}

/** XFS: the reverse-mapping btree names the owners of each block of the physical range. */
function xfsLookup(q: ExtentOwnerQuery, inside: ReadonlyMap<string, FileData>): Lookup {
  // By physical range: the clones of a file moving together ask about the same blocks, once each.
  const asked = new Map<string, { start: bigint; end: bigint; owner: string }[]>();
  return (_f, offset, length, phys) => {
    const key = `${phys}:${length}`;
    let kept = asked.get(key);
    if (!kept) {
      kept = [];
      for (const s of q.owners!(phys, phys + length)) {
        const o = [...s.owners].find((x) => !inside.has(x));
        if (o !== undefined) kept.push({ start: s.start - phys, end: s.end - phys, owner: o });
      }
      asked.set(key, kept);
    }
    return kept.map((k) => ({ start: offset + k.start, end: offset + k.end, owner: k.owner }));
  };
}

function reason(f: FileData, e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  return `${f.filesystem === 'btrfs' ? 'btrfs' : 'XFS'}: ${m.replace(/^space: /, '')}`;
}
