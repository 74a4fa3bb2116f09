// The inspector's Sparse figure never says 0.0% holes for a file that has holes: a 4 KiB hole
// in a 4.5 GiB image (a few punched blocks in a VM disk) is below one millionth of the file,
// and the ratio sent to the webview was cut to millionths, so it was 0 and the summary read
// "0.0% holes" where `extent-lens ranges` says ">99.9%" allocated (percentOf's rule: never
// 0.0% or 100.0% unless exact). Likewise the preview's "about N% holes" from the block count.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MapModel } from '../../src/views/map-model';
import { pendingSummary } from '../../src/views/map-sampler';
import { fractionPercent } from '../../src/protocol/format';
import { ext, mapOf } from './map-model-fixtures';

const G = 1n << 30n;
const SIZE = 4831838208n; // 4.5 GiB, as made on XFS with reflinks, one 4 KiB hole punched at 1 GiB

test('a 4 KiB hole in 4.5 GiB: Sparse <0.1%, not 0.0%', () => {
  const m = new MapModel(mapOf([ext(0n, G), ext(G + 4096n, SIZE - G - 4096n, ['last'])], SIZE));
  const r = m.summary().sparseRatio;
  assert.ok(r > 0, `sparseRatio ${r} must be above 0: the file has a hole`);
  assert.equal(fractionPercent(r), '<0.1');
});

test('no hole: exactly 0; all holes: exactly 1; a huge file with one block: >99.9', () => {
  assert.equal(new MapModel(mapOf([ext(0n, SIZE, ['last'])], SIZE)).summary().sparseRatio, 0);
  assert.equal(new MapModel(mapOf([], SIZE)).summary().sparseRatio, 1);
  const big = 1n << 62n;
  assert.equal(fractionPercent(new MapModel(mapOf([ext(big - 4096n, 4096n, ['last'])], big)).summary().sparseRatio), '>99.9');
});

test('the preview (block count) says "about <0.1%" too', () => {
  const overview = { offset: '0', length: SIZE.toString(), pixels: 1, extentCount: 2, extents: [] } as never;
  const s = pendingSummary({ path: '/x/huge.img', name: 'huge.img', size: SIZE, blocks: (SIZE - 4096n) / 512n }, overview, undefined);
  assert.ok(s.sparseRatio > 0, `preview sparseRatio ${s.sparseRatio}`);
  assert.equal(fractionPercent(s.sparseRatio), '<0.1');
});
