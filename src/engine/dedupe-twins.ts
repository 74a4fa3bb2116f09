// Chunks that sit on the same blocks as a chunk of another file (clones: cp --reflink, a
// snapshot, VM images cloned from one template) hold the same bytes, so they are read and hashed
// once (dedupe-find.ts): 300 clones of an image were otherwise read 300 times over, for keys
// known from the first. Only chunks whose every data run the file system flags shared, at a
// known place (not compressed: FIEMAP gives a compressed extent's address, not where in it a
// piece lies), in the same places inside chunks of the same length. The maps were taken with
// FIEMAP_FLAG_SYNC, so written data has its blocks; a file changed after that is caught where
// every change is, by the kernel's compare before sharing.

import type { Hashed } from './dedupe-hash';
import { chunkPosition, dataChunkFrom, newXxh128, setWholeKey } from './dedupe-hash';
import { EXTENT_FLAG, linearPhysical } from './map-format';

/** Extents that are never stood in for: no blocks of their own, or not shareable. */
const NOT_TWINNED = EXTENT_FLAG.INLINE | EXTENT_FLAG.ENCRYPTED | EXTENT_FLAG.DELALLOC;

interface Borrowed {
  file: Hashed;
  chunk: number;
  from: Hashed;
  fromChunk: number;
}

export class ChunkTwins {
  /** Where each chunk's blocks were first met: a place key -> that file and chunk. */
  private readonly first = new Map<string, { file: Hashed; chunk: number }>();
  private readonly borrowed: Borrowed[] = [];

  constructor(private readonly chunk: bigint) {}

  /**
   * Marks the chunks of `f` whose blocks an earlier file's chunk already holds (f.skipChunks), and
   * remembers the others' places. Files are noted as the walk queues them. Returns the data
   * bytes that will not be read.
   */
  note(f: Hashed): bigint {
    const skip: number[] = [];
    let saved = 0n;
    let e = 0;
    for (let c = dataChunkFrom(f, 0, 0, this.chunk); c >= 0; c = dataChunkFrom(f, e, c + 1, this.chunk)) {
      const start = BigInt(c) * this.chunk;
      const end = start + this.chunk < f.size ? start + this.chunk : f.size;
      while (e < f.off.length && f.off[e] + f.len[e] <= start) e++;
      /** Runs as [start, end, at] relative to the chunk; at: where the chunk's start would lie on disk. */
      const runs: bigint[] = [];
      let bytes = 0n;
      let eligible = true;
      for (let i = e; i < f.off.length && f.off[i] < end; i++) {
        const flags = f.flags[i];
        if ((flags & EXTENT_FLAG.SHARED) === 0 || (flags & NOT_TWINNED) !== 0 || !linearPhysical(f.phys[i], flags)) {
          eligible = false;
          break;
        }
        const a = f.off[i] > start ? f.off[i] : start;
        const b = f.off[i] + f.len[i] < end ? f.off[i] + f.len[i] : end;
        const at = f.phys[i] - f.off[i] + start; // physical = at + offset in the chunk, over this extent
        const n = runs.length;
        // runs that continue one another in the file and on disk are one, however the extents split
        if (n > 0 && runs[n - 2] === a - start && runs[n - 1] === at) runs[n - 2] = b - start;
        else runs.push(a - start, b - start, at);
        bytes += b - a;
      }
      if (!eligible) continue;
      const key = `${f.fsKey}|${end - start}|${runs.join(' ')}`;
      const twin = this.first.get(key);
      if (twin === undefined) this.first.set(key, { file: f, chunk: c });
      else {
        skip.push(c);
        this.borrowed.push({ file: f, chunk: c, from: twin.file, fromChunk: twin.chunk });
        saved += bytes;
      }
    }
    if (skip.length > 0) f.skipChunks = skip;
    return saved;
  }

  /**
   * Once every file is hashed (`ok`: those that were): copies each stood-in chunk's key from its
   * twin and makes the whole keys. Returns the files whose twin could not be hashed (changed or
   * unreadable since): they must be hashed in full, their skipChunks cleared.
   */
  async fill(ok: ReadonlySet<Hashed>): Promise<Hashed[]> {
    const again = new Set<Hashed>();
    for (const b of this.borrowed) {
      if (!ok.has(b.file)) continue;
      const at = chunkPosition(b.file, b.chunk);
      const from = ok.has(b.from) ? chunkPosition(b.from, b.fromChunk) : -1;
      if (at >= 0 && from >= 0) b.file.chunkKeys[at] = b.from.chunkKeys[from];
      else again.add(b.file);
    }
    const h = this.borrowed.length > 0 ? await newXxh128() : undefined;
    const filled = new Set(this.borrowed.map((b) => b.file));
    for (const f of filled) {
      if (!ok.has(f) || again.has(f)) continue;
      f.skipChunks = undefined;
      setWholeKey(f, h!);
    }
    for (const f of again) {
      f.skipChunks = undefined;
      f.chunkAt = [];
      f.chunkKeys = [];
    }
    this.first.clear();
    this.borrowed.length = 0;
    return [...again];
  }
}
