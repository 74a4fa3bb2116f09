// What the Space figures say where some files' sharing is unknown (no physical offsets: SMB's
// allocated ranges). The engine counts such a file as allocated and not shared (its
// `shared` 0, `exclusive` its allocated bytes, its bytes added to `unique` as they are), which
// is a definition, not a measurement: the Space view, the CLI table and the CSV show these
// figures as unknown, or, when only some files are unknown, over the files whose sharing is
// known. One implementation for all three. Pure: no DOM, no Node.

interface SharingRow {
  allocated: bigint;
  shared: bigint;
  exclusive: bigint;
  sharingUnknown?: boolean;
}

/** Sums of a set of files, split by whether their sharing is known. */
export interface SharingSums {
  files: number;
  /** Files whose sharing is unknown. */
  unknownFiles: number;
  /** Shared and exclusive bytes of the files whose sharing is known. */
  knownShared: bigint;
  knownExclusive: bigint;
}

export function sharingSums(rows: Iterable<SharingRow>): SharingSums {
  const s: SharingSums = { files: 0, unknownFiles: 0, knownShared: 0n, knownExclusive: 0n };
  for (const r of rows) {
    s.files++;
    if (r.sharingUnknown) s.unknownFiles++;
    else {
      s.knownShared += r.shared;
      s.knownExclusive += r.exclusive;
    }
  }
  return s;
}

/**
 * How a figure that depends on sharing can be shown for a set of files: 'known' (every file's
 * sharing is known: the engine's figure as is), 'unknown' (no file's is), or 'partial' (the
 * shared/exclusive sums cover only the `knownFiles`; the engine's unique is then an upper bound).
 */
type SharingKnown = { kind: 'known' } | { kind: 'unknown' } | { kind: 'partial'; knownFiles: number; unknownFiles: number };

export function sharingKnown(s: SharingSums): SharingKnown {
  if (s.unknownFiles === 0) return { kind: 'known' };
  if (s.unknownFiles === s.files) return { kind: 'unknown' };
  return { kind: 'partial', knownFiles: s.files - s.unknownFiles, unknownFiles: s.unknownFiles };
}
