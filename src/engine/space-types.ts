// The results of engine.space (src/engine/space.ts): what a selection of files costs on disk and
// what deleting it would free. Every byte count is a bigint (decimal strings in JSON). The
// definitions are in docs/ENGINE.md, "Space accounting".

/** Another file of the selection whose physical ranges overlap this one's. */
export interface SpaceOverlap {
  path: string;
  /**
   * Its place among the rows (`files[index]`, or the index'th onFile row): a consumer that keeps
   * the rows by place names the other file without looking its path up.
   */
  index: number;
  /** Physical bytes the two files have in common. */
  bytes: bigint;
}

/**
 * What the sweep adds to a file's row, for a consumer that keeps the rows onFileMapped gave
 * (SpaceOptions.onFileShared): sharesWith, sharesWithCount and sharedInside as in SpaceFile,
 * the other files named by their places only.
 */
export interface SpaceSharing {
  sharesWith: Array<{ index: number; bytes: bigint }>;
  sharesWithCount: number;
  sharedInside?: bigint;
}

/** One regular file of the selection (hard links once, under the first name met). */
export interface SpaceFile {
  path: string;
  /** Logical size (st_size). */
  size: bigint;
  /** Bytes in its data extents (unwritten included; holes, inline and delayed extents excluded). */
  allocated: bigint;
  /** Bytes of those extents the file system reports as shared (SHARED flag, refcount > 1). */
  shared: bigint;
  /** allocated - shared (what `btrfs filesystem du` calls Exclusive). */
  exclusive: bigint;
  /** Index into SpaceResult.fileSystems. */
  fileSystem: number;
  /** True when the map has no physical offsets (SEEK-only maps: tmpfs, SMB allocated ranges). */
  sharingUnknown?: boolean;
  /** Bytes in extents with no data blocks of their own (btrfs inline data), not in `allocated`. */
  inline?: bigint;
  /**
   * Of `allocated`, bytes in compressed (encoded) extents (btrfs compression), counted at their
   * uncompressed length as FIEMAP gives them (as `btrfs filesystem du` counts them): on disk they
   * take less. Absent when none.
   */
  encoded?: bigint;
  /**
   * The other files of the selection it shares physical ranges with, most bytes first (equal
   * ones in physical order): at most SHARES_WITH_LIMIT (100; src/engine/space.ts), so k clones
   * of one file do not make k² entries of output.
   */
  sharesWith: SpaceOverlap[];
  /** How many other files of the selection it shares physical ranges with (all of them, also past the limit). */
  sharesWithCount?: number;
  /**
   * Of `shared`, the bytes every reference to which is in the selection, so deleting the
   * selection frees them (the rest some file, snapshot or part of an extent outside it still
   * holds). Given where the file system's reclaimable figure is exact; absent with bounds.
   */
  sharedInside?: bigint;
}

/** Sums over a set of files, with the selection-wide figures. */
export interface SpaceTotals {
  files: number;
  size: bigint;
  allocated: bigint;
  shared: bigint;
  exclusive: bigint;
  /** The union of the physical ranges of all extents (bytes shared inside the selection once). */
  unique: bigint;
  /** What deleting the selection frees: exact when reclaimableExact, else the proven lower bound. */
  reclaimable: bigint;
  reclaimableExact: boolean;
  /** The upper bound (equal to `reclaimable` when exact). */
  reclaimableMax: bigint;
  /**
   * Whether `reclaimable` and `reclaimableMax` bound what deleting frees (true when exact). False
   * where they are an estimate from the bytes the files reference (btrfs without root, SMB: btrfs
   * frees an extent only whole, compressed data takes less) or where paths could not be read
   * (then `reclaimable` is still a lower bound, and nothing bounds it from above).
   */
  reclaimableBounds: boolean;
  /**
   * How many of the files have no known sharing (SpaceFile.sharingUnknown: SMB, SEEK-only maps):
   * their shared (0) and exclusive (= allocated) bytes, and the unique bytes that include them,
   * are a convention, not a measurement. Absent when there are none.
   */
  sharingUnknownFiles?: number;
}

/** One file system of the selection (folders on another file system are accounted apart). */
export interface SpaceFileSystem extends SpaceTotals {
  /** 'xfs', 'btrfs', ... (as `volume` names it). */
  filesystem: string;
  /** st_dev for most; for btrfs the mount source, so that subvolumes and snapshots are one. */
  id: string;
  /** Where it is mounted, as /proc/self/mountinfo says (Linux); absent where unknown (smb://, other systems). */
  mountPoint?: string;
  /** Why the reclaimable figure is what it is (exact, or which bound and why). */
  notes: string[];
  /**
   * 'ran': an exact scan of the file system ran (exact, or its note says why not); 'possible':
   * bounds were given and `exactScan: true` can make them exact (XFS without rmapbt, ext4, a
   * local file system whose shared extents all have a place and no owner query answered).
   * Absent otherwise (exact already, btrfs, SMB, no physical offsets). Not in the CLI's JSON.
   */
  exactScan?: 'ran' | 'possible';
  /** Of `allocated`, bytes in compressed (encoded) extents, counted uncompressed (SpaceFile.encoded). Absent when none. */
  encoded?: bigint;
}

/**
 * One path given (of several): its files summed (each file under the deepest path given that
 * holds it) and what deleting that path's files alone, and nothing else, would free. Unlike the
 * files' `exclusive`, data shared only between files of this path counts as freed, and data a
 * file under another path given (or outside the selection) references does not. The same
 * definitions as the totals' (exact where the file system's owners are known, else bounds).
 */
export interface SpacePathTotals {
  path: string;
  files: number;
  size: bigint;
  allocated: bigint;
  shared: bigint;
  exclusive: bigint;
  /** Files whose sharing is unknown (SMB); absent when none. */
  sharingUnknownFiles?: number;
  reclaimable: bigint;
  reclaimableExact: boolean;
  reclaimableMax: bigint;
  reclaimableBounds: boolean;
  /** The path, or something under it, could not be read: `reclaimable` is then only a floor (none of it with `files` 0). */
  unread?: boolean;
  /**
   * The other paths given that lie inside this one (the outermost of them, as given): their files
   * count under them, so this path's figures leave those out, while deleting the folder itself
   * (`rm -rf`) deletes them too and frees more. Absent when none.
   */
  without?: string[];
}

/** A path that could not be accounted for (the scan went on without it). */
export interface SpaceError {
  path: string;
  /** ENOENT, EACCES, ELOOP, E_NOT_REGULAR, E_CHANGED, ... */
  code: string;
  message: string;
}

export interface SpaceResult {
  files: SpaceFile[];
  total: SpaceTotals;
  fileSystems: SpaceFileSystem[];
  /** Per path, in the order met; a file that changed during the scan is counted and listed here. */
  errors: SpaceError[];
  /** Each path given: its sums and what deleting it alone frees, in the order given (one path: the totals). */
  paths?: SpacePathTotals[];
  /** Symbolic links met and not followed. */
  symlinks: number;
  /** Hard links met again (counted once). */
  hardLinks: number;
  /** Folders met again by another name and not walked again (over SMB: walk.ts WalkSummary.foldersAgain); absent when none. */
  foldersAgain?: number;
  /** Files met again under another name through a mount inside the selection (a bind mount), counted once; absent when none. */
  mountedAgain?: number;
  notes: string[];
  durationMs: number;
}
