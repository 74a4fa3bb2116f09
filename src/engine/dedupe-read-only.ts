// Which files dedupe may only read (dedupe-find.ts): the kernel will not change them for this
// user, so they can be a group's source and never a destination (dedupe-saving.ts). (Swap files,
// which it may not touch at all: swap-files.ts.)

import * as fs from 'node:fs';
import type { ExtendedBackend } from './backend-ext';
import type { FileData } from './dedupe-file-data';
import type { LockedBy } from './dedupe-types';
import { isSmbPath } from './smb-path';
import { osPath } from './os-path';
import { mountOf, readMounts } from './space-fs';
import { realPath } from './real-path';
import { physEnd, sameBytes, type Segment } from './dedupe-segments';
import { bytesNotCovered, mergeRanges } from './space-scan';
import type { Intervals } from './space-table';

/**
 * Which local files the kernel will not change for this user: on a read-only file system or
 * btrfs snapshot (EROFS), immutable (EPERM), as access(W_OK) says; and, where access says EACCES,
 * a file this user neither owns nor runs as root for (FIDEDUPERANGE takes a destination that is
 * open for writing, owned by the caller, or the caller has CAP_SYS_ADMIN: an owner may dedupe a
 * file without write permission, another user may not). They can be a group's source, never a
 * destination. Asked only of files in a group, once each. Files on a share: `onShares`, those
 * the server would not let this user change (sharesReadOnly).
 */
interface ReadOnlyFiles {
  has(path: string): boolean;
  /**
   * Why those of `paths` that are read-only are (each reason once, in LockedBy's order), and
   * the folders of the mounts among them that are mounted read-only (EROFS on a mount whose
   * options say `ro`), so that a note can say "remount it read-write" by name. Read-only btrfs
   * snapshots are not mounts: they are `readOnly`; one mounted read-only is both (remounting it
   * read-write alone leaves it read-only: a trial advised only the remount).
   */
  lockedBy(paths: Iterable<string>): Promise<{ lockedBy: LockedBy[]; readOnlyMounts: string[] }>;
}

/**
 * `resolve` gives each path's backend, asked whether a btrfs subvolume is read-only
 * (ExtendedBackend.subvolumeInfo) where its mount is too.
 */
export function readOnlyFiles(onShares: ReadonlySet<string> = new Set(), resolve?: (p: string) => Promise<ExtendedBackend>): ReadOnlyFiles {
  const known = new Map<string, boolean>();
  /** The read-only files' reasons as access() gave them (EROFS as `readOnly`: lockedBy asks which are mounts). */
  const why = new Map<string, LockedBy>();
  const euid = process.geteuid?.();
  return {
    async lockedBy(paths) {
      const by = new Set<LockedBy>();
      const mountPoints = new Set<string>();
      let mounts: ReturnType<typeof readMounts> | undefined;
      /** Per st_dev (a btrfs subvolume has its own): whether the subvolume is read-only, and received. */
      const subvolumes = new Map<bigint, { readOnly: boolean; received: boolean } | undefined>();
      const subvolume = async (p: string): Promise<{ readOnly: boolean; received: boolean } | undefined> => {
        const dev = fs.statSync(osPath(p), { bigint: true }).dev;
        if (!subvolumes.has(dev)) subvolumes.set(dev, (await resolve?.(p))?.subvolumeInfo?.(p));
        return subvolumes.get(dev);
      };
      for (const p of paths) {
        const reason = why.get(p);
        if (reason === undefined) continue;
        if (reason === 'readOnly')
          try {
            mounts ??= readMounts();
            const m = mountOf(realPath(p), mounts);
            const sub = m?.fsType === 'btrfs' ? await subvolume(p) : undefined;
            if (sub?.received) by.add('receivedSnapshot');
            if (m?.options.includes('ro')) {
              mountPoints.add(m.mountPoint);
              by.add('readOnlyMount');
              if (sub?.readOnly) by.add('readOnly');
              continue;
            }
          } catch {
            // gone since: the apply reports it
          }
        by.add(reason);
      }
      const order: LockedBy[] = ['readOnlyMount', 'readOnly', 'receivedSnapshot', 'immutable', 'otherUser', 'share'];
      return { lockedBy: order.filter((r) => by.has(r)), readOnlyMounts: [...mountPoints].sort() };
    },
    has(p) {
      if (onShares.has(p)) {
        why.set(p, 'share');
        return true;
      }
      let ro = known.get(p);
      if (ro === undefined) {
        ro = false;
        if (!isSmbPath(p))
          try {
            fs.accessSync(osPath(p), fs.constants.W_OK);
          } catch (e) {
            const code = (e as { code?: string }).code;
            ro = code === 'EROFS' || code === 'EPERM';
            if (ro) why.set(p, code === 'EROFS' ? 'readOnly' : 'immutable');
            if (code === 'EACCES' && euid !== undefined && euid !== 0)
              try {
                ro = fs.statSync(osPath(p)).uid !== euid;
                if (ro) why.set(p, 'otherUser');
              } catch {
                // gone since: the apply reports it
              }
          }
        known.set(p, ro);
      }
      return ro;
    },
  };
}

/**
 * Of the files on a share (smb://) that hold data another file holds too (so they may land in a
 * group), those the server would not let this user change (ExtendedBackend.writable): one open
 * for writing each. A read-only share, or a file marked read-only, was counted as a saving that
 * Deduplicate then could not make (STATUS_ACCESS_DENIED).
 */
export async function sharesReadOnly(
  files: readonly { path: string; fsKey: string; size: bigint; wholeKey?: string; chunkKeys: (string | undefined)[] }[],
  resolve: (p: string) => Promise<ExtendedBackend>,
): Promise<Set<string>> {
  const out = new Set<string>();
  const onShares = files.filter((f) => isSmbPath(f.path));
  if (onShares.length < 2) return out;
  const keysOf = (f: (typeof onShares)[number]): string[] => [
    ...(f.wholeKey ? [`w/${f.fsKey}/${f.size}/${f.wholeKey}`] : []),
    ...f.chunkKeys.flatMap((k) => (k === undefined ? [] : [`c/${f.fsKey}/${k}`])),
  ];
  const keys = onShares.map((f) => new Set(keysOf(f)));
  const seen = new Map<string, number>();
  for (const ks of keys) for (const k of ks) seen.set(k, (seen.get(k) ?? 0) + 1);
  for (const [i, f] of onShares.entries()) {
    if (![...keys[i]].some((k) => seen.get(k)! > 1)) continue;
    const b = await resolve(f.path);
    if (b.writable && !(await b.writable(f.path))) out.add(f.path);
  }
  return out;
}

/**
 * A file the walk met first by a name the kernel will not change (a read-only bind mount of a
 * writable folder) takes another name of it that can be changed, where the walk met one: which
 * name a file is shared by must not depend on the order of the selection.
 */
export function writableNames(files: FileData[], otherNames: Map<string, string[]>, readOnly: { has(path: string): boolean }): void {
  if (otherNames.size === 0) return;
  for (const f of files) {
    const names = f.dev === undefined ? undefined : otherNames.get(`${f.dev}:${f.ino}`);
    if (!names || !readOnly.has(f.path)) continue;
    const writable = names.find((n) => n !== f.path && !readOnly.has(n));
    if (writable !== undefined) f.path = writable;
  }
}

/**
 * What a group's read-only copies keep allocated apart from its source's blocks, from their
 * extent maps, for the group's warning: their placed data not on the source's blocks, counted once
 * where copies share blocks with one another (two snapshots of one file), exact; and compressed
 * data or data with no known place, not the source's, counted at its length, at most.
 */
export function readOnlyKeptText(
  copies: Array<{ file: FileData; offset: bigint; segs: Segment[] }>,
  source: Segment[],
  sourcePlaces: Intervals,
): string {
  const start: bigint[] = [];
  const end: bigint[] = [];
  let atMost = 0n;
  for (const c of copies)
    for (const x of c.segs) {
      if (x.phys >= 0n && !x.encoded) {
        start.push(x.phys);
        end.push(physEnd(c.file, c.offset, x));
      } else atMost += x.len - (x.phys >= 0n ? sameBytes(source, [x]) : 0n);
    }
  const exact = bytesNotCovered(mergeRanges(start, end), sourcePlaces);
  return (
    `${exact} bytes of their data lie in blocks of their own (by the extent maps)` +
    (atMost > 0n ? `, and up to ${atMost} more compressed or with no known place` : '')
  );
}
