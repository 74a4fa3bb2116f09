// engine.space(paths, { onFile, onFileMapped, onFileShared }): the rows are handed over one by
// one, in the walk's order, and not kept (files: []); they are the same rows, and the same
// totals, as without onFile.
// onFileMapped gets each row while the walk runs (sharesWith to come), onFileShared what the sweep
// adds to it; from the worker they cross in batches before the result.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ExtendedBackend } from '../../src/engine/backend-ext';
import { createEngine, EXTENT_FLAG, type PackedExtentMap, type SpaceFile } from '../../src/engine';

const S = EXTENT_FLAG.SHARED;
/** name -> [offset, length, physical, flags][] */
const MAPS: Record<string, [number, number, number, number][]> = {
  a: [[0, 100, 0, S]],
  b: [[0, 100, 50, S]],
  c: [
    [0, 40, 5000, 0],
    [40, 10, 75, S],
  ],
  d: [[0, 30, 9000, 0]],
  e: [[0, 20, 0, EXTENT_FLAG.INLINE]],
};

function backend(): ExtendedBackend {
  const no = (): never => {
    throw new Error('not in this test');
  };
  return {
    name: 'fake',
    allocatedRanges: no,
    extentMap: no,
    volume: no,
    cloneFile: no,
    cloneRange: no,
    copyFile: no,
    punchHole: no,
    setSparse: no,
    fsInfo: async () => ({ filesystem: 'xfs', blockSize: 4096 }),
    async extentMapPacked(p): Promise<PackedExtentMap> {
      const rows = MAPS[path.basename(p)];
      const size = BigInt(fs.statSync(p).size);
      return {
        path: p,
        size,
        blockSize: 4096,
        window: { offset: 0n, length: size },
        source: 'fiemap',
        calls: 1,
        durationMs: 0,
        packed: {
          count: rows.length,
          offset: BigInt64Array.from(rows.map((r) => BigInt(r[0]))),
          length: BigInt64Array.from(rows.map((r) => BigInt(r[1]))),
          physical: BigInt64Array.from(rows.map((r) => BigInt(r[2]))),
          flags: Uint32Array.from(rows.map((r) => r[3])),
        },
      };
    },
  };
}

let dir: string;
before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'el-space-stream-'));
  for (const [name, rows] of Object.entries(MAPS)) {
    fs.writeFileSync(path.join(dir, name), '');
    fs.truncateSync(
      path.join(dir, name),
      rows.reduce((s, r) => s + r[1], 0),
    );
  }
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

test('onFile gets the same rows in the same order, and the result keeps none', async () => {
  const engine = createEngine({ backend: backend() });
  const whole = await engine.space([dir]);
  const rows: SpaceFile[] = [];
  const streamed = await engine.space([dir], { onFile: (f) => rows.push(f) });
  assert.equal(whole.files.length, 5);
  assert.deepEqual(streamed.files, []);
  assert.deepEqual(rows, whole.files);
  assert.deepEqual(streamed.total, whole.total);
  assert.deepEqual(streamed.fileSystems, whole.fileSystems);
  const c = rows.find((f) => path.basename(f.path) === 'c')!;
  const at = (name: string): number => rows.findIndex((f) => f.path === path.join(dir, name));
  assert.deepEqual(c.sharesWith, [
    { path: path.join(dir, 'a'), index: at('a'), bytes: 10n },
    { path: path.join(dir, 'b'), index: at('b'), bytes: 10n },
  ]);
  // every partner's index is its place among the rows
  for (const f of rows) for (const o of f.sharesWith) assert.equal(rows[o.index].path, o.path);
  assert.equal(rows.find((f) => path.basename(f.path) === 'e')!.inline, 20n);
});

test('onFileMapped gets each row as it is mapped, with its place; the final rows add sharesWith', async () => {
  const engine = createEngine({ backend: backend() });
  const whole = await engine.space([dir]);
  const events: string[] = [];
  const mapped: Array<[SpaceFile, number]> = [];
  const r = await engine.space([dir], {
    onFileMapped: (f, i) => {
      mapped.push([f, i]);
      events.push(`mapped ${i}`);
    },
    onFile: () => events.push('final'),
  });
  assert.deepEqual(r.files, []);
  assert.deepEqual(
    mapped.map(([, i]) => i),
    [0, 1, 2, 3, 4],
  );
  // every mapped row before any final row (the final ones need the sweep)
  assert.deepEqual(events, ['mapped 0', 'mapped 1', 'mapped 2', 'mapped 3', 'mapped 4', 'final', 'final', 'final', 'final', 'final']);
  // the mapped rows lack what the sweep gives: the partners and their count
  for (const [f, i] of mapped) {
    const { sharesWithCount: _count, ...row } = whole.files[i];
    assert.deepEqual(f, { ...row, sharesWith: [] });
  }
});

test('onFileShared gives what the sweep adds, by place: with the mapped rows, the whole rows', async () => {
  const engine = createEngine({ backend: backend() });
  const whole = await engine.space([dir]);
  const mapped: SpaceFile[] = [];
  const rebuilt: SpaceFile[] = [];
  const r = await engine.space([dir], {
    onFileMapped: (f, i) => void (mapped[i] = f),
    onFileShared: (i, s) => {
      assert.equal(mapped.length, 5, 'after every file was mapped');
      rebuilt[i] = {
        ...mapped[i],
        sharesWith: s.sharesWith.map((o) => ({ path: mapped[o.index].path, ...o })),
        sharesWithCount: s.sharesWithCount,
        ...(s.sharedInside !== undefined ? { sharedInside: s.sharedInside } : {}),
      };
    },
  });
  assert.deepEqual(r.files, [], 'the result keeps none');
  assert.ok(whole.files.some((f) => f.sharesWith.length > 0));
  assert.deepEqual(rebuilt, whole.files);
});

// The worker: the rows cross while the walk runs (in batches), not with the result.
describe('from the worker', () => {
  const N = 5000;
  let tree: string;
  let engine: ReturnType<typeof createEngine>;
  before(() => {
    tree = fs.mkdtempSync(path.join(os.tmpdir(), 'el-space-stream-w-'));
    for (let d = 0; d < 50; d++) {
      const sub = path.join(tree, `d${String(d).padStart(2, '0')}`);
      fs.mkdirSync(sub);
      for (let i = 0; i < N / 50; i++) fs.writeFileSync(path.join(sub, `f${i}`), Buffer.alloc(4096, 1));
    }
    engine = createEngine({ worker: true });
  });
  after(async () => {
    await engine?.dispose();
    fs.rmSync(tree, { recursive: true, force: true });
  });

  test('mapped rows in batches, then the final rows, all before the result', async () => {
    const whole = await engine.space([tree]);
    const order: string[] = [];
    const mapped: SpaceFile[] = [];
    const final: SpaceFile[] = [];
    let resolved = false;
    const r = await engine.space([tree], {
      onFileMapped: (f, i) => {
        assert.equal(resolved, false);
        if (order.at(-1) !== 'mapped') order.push('mapped');
        mapped[i] = f;
      },
      onFile: (f) => {
        assert.equal(resolved, false);
        if (order.at(-1) !== 'final') order.push('final');
        final.push(f);
      },
    });
    resolved = true;
    assert.deepEqual(order, ['mapped', 'final']);
    assert.deepEqual(r.files, []);
    assert.equal(mapped.filter(Boolean).length, N);
    assert.deepEqual(final, whole.files);
    assert.deepEqual(
      mapped.map((f) => [f.path, f.allocated, f.sharesWith.length]),
      whole.files.map((f) => [f.path, f.allocated, 0]),
    );
  });

  test('what the sweep adds crosses after the mapped rows, with their places', async () => {
    const order: string[] = [];
    const places: number[] = [];
    const r = await engine.space([tree], {
      onFileMapped: () => void (order.at(-1) !== 'mapped' && order.push('mapped')),
      onFileShared: (i, s) => {
        if (order.at(-1) !== 'shared') order.push('shared');
        places.push(i);
        assert.equal(s.sharesWithCount, 0);
      },
    });
    assert.deepEqual(order, ['mapped', 'shared']);
    assert.deepEqual(r.files, []);
    assert.deepEqual(
      places,
      Array.from({ length: N }, (_, i) => i),
    );
  });

  // Were the rows sent only at the end of the walk, a cancel on the first one would come too late.
  test('a cancel on the first rows stops the walk part way: the rows came while it ran', async () => {
    const ac = new AbortController();
    const mapped: number[] = [];
    await assert.rejects(
      engine.space([tree], {
        signal: ac.signal,
        onFileMapped: (_, i) => {
          mapped.push(i);
          ac.abort();
        },
      }),
      (e: { code?: string }) => e.code === 'E_CANCELLED',
    );
    assert.ok(mapped.length > 0 && mapped.length < N, `${mapped.length} of ${N} rows before the cancel took effect`);
    assert.deepEqual(
      mapped,
      mapped.map((_, i) => i),
      'the rows of a cancelled scan are the first ones of the walk, in order',
    );
  });
});
