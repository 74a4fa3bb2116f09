// The inspector's Data figure for a file with extents past its end that are not unwritten: XFS's
// speculative preallocation beyond EOF is delayed allocation (an appended file keeps it for a
// while), and `allocated` counts it, as du does. Data is "the ranges SEEK_DATA reports", which
// never reach past EOF: a trial saw "Data 7 MiB" for a 9 MiB file whose SEEK_DATA ranges held
// 3 MiB (and Sparse said 66.7% holes: 6 MiB), because the 4 MiB of delalloc past EOF was
// counted as data.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chromiumSkipReason } from '../support/chromium';
import { MapModel } from '../../src/views/map-model';
import { shellPages } from './harness';
import { ext, mapOf } from '../unit/map-model-fixtures';

const MiB = 1n << 20n;

describe('inspector: Data of a file with extents past its end', { skip: chromiumSkipReason(), timeout: 120_000 }, () => {
  const shell = shellPages();

  async function figures(model: MapModel): Promise<Record<string, string>> {
    const { page } = await shell.page('inspector', { model: async () => model });
    await page.waitForSelector('.summary .kv[data-key="Data"] dd');
    const out: Record<string, string> = {};
    for (const key of ['Allocated', 'Data', 'Unwritten'])
      out[key] = (await page.locator(`.summary .kv[data-key="${key}"] dd`).textContent()) ?? '';
    await page.close();
    return out;
  }

  test('delalloc and written extents past EOF are not data; unwritten ones neither', async () => {
    // as FIEMAP gave it for a 9 MiB XFS file (appended, dig-holes run, fallocate -n 9M 1M):
    // 3 MiB of data in the file, 1 MiB unwritten and 4 MiB of delalloc past its end
    const model = new MapModel(
      mapOf(
        [
          ext(0n, 2n * MiB, ['shared']),
          ext(8n * MiB, 1n * MiB, ['shared']),
          ext(9n * MiB, 1n * MiB, ['unwritten']),
          ext(10n * MiB, 4n * MiB, ['last', 'unknown', 'delalloc'], null),
        ],
        9n * MiB,
      ),
    );
    const f = await figures(model);
    assert.equal(f.Allocated, '8,388,608 bytes (8 MiB), 5 MiB of it past the end of the file', 'Allocated counts everything, as du');
    assert.equal(f.Unwritten, '1,048,576 bytes (1 MiB)');
    assert.equal(f.Data, '3,145,728 bytes (3 MiB)', 'Data: what SEEK_DATA reports (xfs_io seek -a: 0..2M and 8M..9M)');
  });

  test('a written extent straddling EOF counts up to the end of the last block', async () => {
    // 10,000-byte file whose last extent runs 8 KiB past its last block
    const model = new MapModel(mapOf([ext(0n, 20480n, ['last'])], 10000n));
    const f = await figures(model);
    assert.equal(f.Data, '12,288 bytes (12 KiB)');
  });
});
