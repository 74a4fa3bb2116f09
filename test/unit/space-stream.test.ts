// engine.space(paths, { onFile }): the rows are handed over one by one, in the walk's order, and
// not kept (files: []); they are the same rows, and the same totals, as without onFile.

import { after, before, test } from 'node:test';
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
  assert.deepEqual(c.sharesWith, [
    { path: path.join(dir, 'a'), bytes: 10n },
    { path: path.join(dir, 'b'), bytes: 10n },
  ]);
  assert.equal(rows.find((f) => path.basename(f.path) === 'e')!.inline, 20n);
});
