// The inspector on a file btrfs keeps inline (its data in the metadata, no block of its own):
// Data says so. A trial saw "4,096 bytes (4 KiB): the file ends inside its last block, which is
// allocated whole" for a 6-byte file that has no block at all (the CLI's map said it right).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chromiumSkipReason } from '../support/chromium';
import { MapModel } from '../../src/views/map-model';
import { shellPages } from './harness';
import { ext, mapOf } from '../unit/map-model-fixtures';

describe('inspector: an inline file', { skip: chromiumSkipReason(), timeout: 120_000 }, () => {
  const shell = shellPages();

  async function dataFigure(model: MapModel): Promise<string> {
    const { page } = await shell.page('inspector', { model: async () => model });
    await page.waitForSelector('.summary .kv[data-key="Data"] dd');
    const text = (await page.locator('.summary .kv[data-key="Data"] dd').textContent()) ?? '';
    await page.close();
    return text;
  }

  test('Data: the bytes kept inline in the metadata, with no block of their own', async () => {
    // as FIEMAP gives a 6-byte btrfs file: one 4 KiB extent, inline, no physical offset
    const inline = new MapModel(mapOf([ext(0n, 4096n, ['last', 'not-aligned', 'inline'], null)], 6n));
    assert.equal(
      await dataFigure(inline),
      "6 bytes (6 B), kept inline in the file system's metadata, with no block of its own (FIEMAP and du count one block)",
    );
    // a small file with a block of its own keeps the sentence about its last block
    const block = new MapModel(mapOf([ext(0n, 4096n, ['last'])], 6n));
    assert.equal(await dataFigure(block), '4,096 bytes (4 KiB): the file ends inside its last block, which is allocated whole');
  });
});
