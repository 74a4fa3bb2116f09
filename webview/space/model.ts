// The Space view's model in the webview: the folder tree built from the files' paths (relative
// to SpaceData.base), per-file numbers as bigints, and the split of a file's allocated bytes into
// exclusive / shared inside the selection / shared with files outside it.
import type { SpaceData } from '../../src/protocol/messages';

export interface TreeNode {
  name: string;
  /** Path relative to the base ('' for the base itself). */
  rel: string;
  /** Index into SpaceData.files for a file; undefined for a folder. */
  file?: number;
  children?: TreeNode[];
}

export interface FileNums {
  size: bigint;
  allocated: bigint;
  shared: bigint;
  exclusive: bigint;
  /** Shared bytes whose other references are inside the selection (sharedSplit). */
  inside: bigint;
  /** The rest of the shared bytes: some reference outside the selection holds them (sharedSplit). */
  outside: bigint;
  /** The split is exact (sharedInside given): inside is only what no file outside references; else what other selected files share. */
  insideExact: boolean;
  rel: string;
  /** No physical offsets (SMB): shared and exclusive are not known (src/protocol/space-sharing.ts). */
  sharingUnknown: boolean;
  /** Of allocated, bytes in compressed extents, counted uncompressed (smaller on disk). */
  encoded: bigint;
}

/**
 * The shared bytes of a file split by where the other references are: inside the selection
 * (every reference in it, so deleting the selection frees them) and the rest. Exact where the
 * engine says (`sharedInside`, given where what deleting frees is exact). Elsewhere who else
 * references a block is not known, and inside is the sum of its overlaps with selected files
 * (`overlap`, SpaceWireFile), at most `shared` (a range shared with several selected files
 * counts once per file there, and one also shared outside counts too, so this leans to
 * "inside", as the bounds' upper one does).
 */
export function sharedSplit(shared: bigint, overlap: string | undefined, sharedInside?: string): { inside: bigint; outside: bigint } {
  const given = BigInt(sharedInside ?? overlap ?? '0');
  const inside = given < shared ? given : shared;
  return { inside, outside: shared - inside };
}

export function relPath(d: SpaceData, p: string): string {
  const base = d.base.endsWith(d.sep) ? d.base : d.base + d.sep;
  return p.startsWith(base) ? p.slice(base.length) : p;
}

export function fileNums(d: SpaceData): FileNums[] {
  return d.files.map((f) => {
    const shared = BigInt(f.shared);
    const { inside, outside } = sharedSplit(shared, f.overlap, f.sharedInside);
    return {
      size: BigInt(f.size),
      allocated: BigInt(f.allocated),
      shared,
      exclusive: BigInt(f.exclusive),
      inside,
      outside,
      insideExact: f.sharedInside !== undefined,
      rel: relPath(d, f.path),
      sharingUnknown: f.sharingUnknown === true,
      encoded: f.encoded !== undefined ? BigInt(f.encoded) : 0n,
    };
  });
}

/** The folder tree: one node per folder met on the way from the base to each file. */
export function buildTree(d: SpaceData, nums: readonly FileNums[]): TreeNode {
  const root: TreeNode = { name: d.base, rel: '', children: [] };
  const folders = new Map<string, TreeNode>([['', root]]);
  nums.forEach((n, i) => {
    const parts = n.rel.split(d.sep).filter((x) => x !== '');
    let parent = root;
    let rel = '';
    for (let k = 0; k < parts.length - 1; k++) {
      rel = rel ? rel + d.sep + parts[k] : parts[k];
      let f = folders.get(rel);
      if (!f) {
        f = { name: parts[k], rel, children: [] };
        folders.set(rel, f);
        parent.children!.push(f);
      }
      parent = f;
    }
    parent.children!.push({ name: parts[parts.length - 1] ?? n.rel, rel: n.rel, file: i });
  });
  return root;
}

/**
 * Files of `before` not in `after` (by path): gone since (a Refresh says how many). One the new
 * analysis could not read (locked by another SMB client, unreadable now) is in its errors, not
 * gone: it is not counted.
 */
export function goneSince(before: SpaceData, after: SpaceData): number {
  const now = new Set(after.files.map((f) => f.path));
  for (const e of after.errors) now.add(e.path);
  let n = 0;
  for (const f of before.files) if (!now.has(f.path)) n++;
  return n;
}
