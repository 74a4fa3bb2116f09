// Grouping identical data (engine.findDuplicates, dedupe-find.ts): whole files first (same size
// class, same chunk keys), then the chunks no whole-file group covers; each group gets its source
// and its saving from groupSaving (dedupe-saving.ts). dedupe-find.ts forms the groups a second
// time when the file system has named files outside the selection that keep some copy's blocks
// (`held`): that copy is then the source, since its blocks stay allocated whatever the plan does.

import type { DedupeGroup } from './dedupe-types';
import { groupSaving } from './dedupe-saving';
import type { HeldOutside } from './dedupe-owners';
import type { FileData } from './dedupe-file-data';
import type { Hashed } from './dedupe-hash';
import { mergeAdjacent } from './dedupe-merge';
import type { NoCowSplit } from './dedupe-nocow';
import { chunkLength, onePlace } from './dedupe-segments';
import type { ShareVolumes } from './dedupe-volumes';

interface FormedGroups {
  groups: DedupeGroup[];
  /** Identical data found only in files the kernel will not change for this user: said in a note, not lost. */
  lockedIn: { groups: number; wholeFiles: Set<string>; files: Set<string> };
}

/**
 * The groups of identical data among `usable` (hashed in `chunk`-sized pieces; `sizeCount` counts
 * the files of each size per file system). `readOnly`: files the kernel will not change for this
 * user (only ever a source); `noCow` and `volumes` split sets of files btrfs or a share's server
 * will not share between; `held`: bytes of a range that files outside the selection keep.
 */
export async function formGroups(
  usable: Hashed[],
  sizeCount: ReadonlyMap<string, number>,
  chunk: bigint,
  readOnly: { has(path: string): boolean },
  noCow: NoCowSplit,
  volumes: ShareVolumes,
  held?: HeldOutside,
): Promise<FormedGroups> {
  const groups: DedupeGroup[] = [];
  const members = new Map<string, Hashed[]>();
  for (const f of usable) {
    if (!f.wholeKey || sizeCount.get(`${f.fsKey}/${f.size}`)! < 2) continue;
    const list = members.get(f.wholeKey) ?? [];
    list.push(f);
    members.set(f.wholeKey, list);
  }
  /**
   * Files whose every chunk is already in a whole-file group as a destination. The group's
   * source stays available to the chunk groups, as the one copy that keeps its blocks (were
   * another copy to stand for the group there, a file that duplicates part of it would move
   * that copy away from the source again, and keep its own blocks).
   */
  const covered = new Set<string>();
  /** A whole-file group's source -> its destinations (they move with it in a group of ranges where they share its blocks). */
  const copies = new Map<string, Hashed[]>();
  /** Identical data found only in files the kernel will not change for this user: said in a note, not lost. */
  const lockedIn = { groups: 0, wholeFiles: new Set<string>(), files: new Set<string>() };
  /** A set counted in lockedIn: its read-only files say why (the note's and the CLI's advice). */
  const locked = (files: Hashed[]): void => {
    lockedIn.groups++;
    for (const f of files) if (readOnly.has(f.path)) lockedIn.files.add(f.path);
  };
  await noCow.learn(members.values());
  // (and apart by the volume a share's server puts each on: it clones within one only)
  await volumes.learn(members.values());
  const apart = (files: Hashed[], offsets?: bigint[]): { files: Hashed[]; offsets: bigint[] }[] =>
    noCow.parts(files, offsets).flatMap((p) => volumes.parts(p.files, p.offsets));
  const wholeLists = [...members.values()].flatMap((l) => (l.length < 2 ? [] : apart(l).map((p) => p.files)));
  for (const list of wholeLists) {
    if (list.length < 2) continue;
    const atStart = list.map(() => 0n);
    const g = groupSaving(list, atStart, list[0].size, true, readOnly, undefined, held);
    if (g.ranges.length > 1) groups.push(g);
    else if (!onePlace(list, atStart, list[0].size)) locked(list);
    // said here (the note, or the group's warning): not again for their chunks
    for (const f of list) if (readOnly.has(f.path)) lockedIn.wholeFiles.add(f.path);
    const byPath = new Map(list.map((f) => [f.path, f]));
    for (const r of g.ranges.slice(1)) covered.add(r.path);
    if (g.ranges.length > 1)
      copies.set(
        g.ranges[0].path,
        g.ranges.slice(1).map((r) => byPath.get(r.path)!),
      );
  }
  const byChunk = new Map<string, { file: Hashed; offset: bigint }[]>();
  for (const f of usable) {
    if (covered.has(f.path)) continue;
    f.chunkKeys.forEach((key, i) => {
      if (key === undefined) return;
      const k = `${f.fsKey}/${key}`;
      const list = byChunk.get(k);
      const entry = { file: f, offset: BigInt(f.chunkAt[i]) * chunk };
      if (list) list.push(entry);
      else byChunk.set(k, [entry]);
    });
  }
  const chunkRanges = mergeAdjacent(
    [...byChunk.values()]
      .filter((l) => l.length > 1)
      .map((l) => ({
        files: l.map((e) => e.file),
        offsets: l.map((e) => e.offset),
        length: chunkLength(l[0].file, l[0].offset, chunk),
        whole: false,
      })),
    chunk,
  );
  await noCow.learn(chunkRanges.map((r) => r.files));
  await volumes.learn(chunkRanges.map((r) => r.files));
  for (const r of chunkRanges.flatMap((c) => apart(c.files, c.offsets).map((p) => ({ ...c, ...p })))) {
    if (r.files.length < 2) continue;
    const g = groupSaving(r.files, r.offsets, r.length, r.whole, readOnly, (f) => copies.get(f.path), held);
    if (g.ranges.length > 1) groups.push(g);
    // (a chunk of a file whose whole copies were counted above is not counted again)
    else if (!r.files.some((f) => lockedIn.wholeFiles.has(f.path)) && !onePlace(r.files, r.offsets, r.length)) locked(r.files);
  }
  return { groups, lockedIn };
}

/**
 * Whether groupSaving, told which blocks files outside the selection keep (`held`), would choose
 * another source for `g`: some range the plan moves has such blocks and the source has none.
 */
export function sourceNotHeld(g: DedupeGroup, files: ReadonlyMap<string, FileData>, held: HeldOutside): boolean {
  const src = files.get(g.ranges[0].path);
  if (!src || g.ranges[0].readOnly) return false;
  // the destinations first: the saving asks about their owners anyway (the answers are kept), so
  // the source is asked about only where one of them is held
  const someHeld = g.ranges.slice(1).some((r) => {
    const f = files.get(r.path);
    return f !== undefined && !r.alreadyShared && held(f, r.offset, g.length) > 0n;
  });
  return someHeld && held(src, g.ranges[0].offset, g.length) === 0n;
}
