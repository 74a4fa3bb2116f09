// The Space view in real Chromium where sharing is unknown: files on a real Samba share (the
// server gives allocated ranges only), alone and next to the XFS folder of ./space-view-fixture.ts.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spaceData } from '../../src/views/space-data';
import { spaceExportText } from '../support/space-wire';
import type { SpaceData } from '../../src/protocol/messages';
import { screenshotPath } from '../support/chromium';
import { SMB_PASSWORD, sambaSkipReason, startSamba, type SambaServer } from '../support/samba';
import { closeSmbConnections } from '../../src/engine/backends/smb';
import { smbUid } from '../smb/helpers';
import { skip, spaceViewHooks, KiB, engine, dir, open, rectOf, colourCounts } from './space-view-fixture';

describe(
  'Space webview in Chromium: files whose sharing is unknown (over SMB: the server gives allocated ranges only)',
  { skip: skip ?? sambaSkipReason(), timeout: 120_000 },
  () => {
    spaceViewHooks();
    let shareDir = '';
    let smb: SambaServer;
    let unknownData: SpaceData;
    let mixedData: SpaceData;
    const savedPw = process.env.EXTENT_LENS_SMB_PASSWORD;
    before(async () => {
      // a real Samba, the real engine: every file on the share sharingUnknown
      shareDir = fs.mkdtempSync(path.join(os.tmpdir(), 'el-space-webview-smb-'));
      fs.writeFileSync(path.join(shareDir, 'x.bin'), Buffer.alloc(80 * KiB, 7));
      fs.writeFileSync(path.join(shareDir, 'y.bin'), Buffer.alloc(16 * KiB, 8));
      fs.chmodSync(shareDir, 0o755);
      // the share's user owns them: files it may not delete would be left out of what deleting frees
      for (const p of [shareDir, path.join(shareDir, 'x.bin'), path.join(shareDir, 'y.bin')]) fs.chownSync(p, smbUid(), 0);
      smb = await startSamba({ shares: [{ name: 'w', path: shareDir }] });
      process.env.EXTENT_LENS_SMB_PASSWORD = SMB_PASSWORD;
      const top = smb.uri('w');
      unknownData = spaceData(await engine.space([top]), [top]);
      mixedData = spaceData(await engine.space([dir, top]), [dir, top]);
    });
    after(async () => {
      await closeSmbConnections();
      await smb?.stop();
      fs.rmSync(shareDir, { recursive: true, force: true });
      if (savedPw === undefined) delete process.env.EXTENT_LENS_SMB_PASSWORD;
      else process.env.EXTENT_LENS_SMB_PASSWORD = savedPw;
    });

    test('every file unknown: shared, exclusive and unique read "unknown"; no Exact scan; grey in the legend; tile tooltips', async () => {
      assert.equal(unknownData.files.length, 2, JSON.stringify(unknownData.errors));
      assert.ok(unknownData.files.every((f) => f.sharingUnknown));
      const { page, bridge } = await open(1000, 900, unknownData);
      const text = async (sel: string) => (await page.textContent(sel))?.trim() ?? '';
      for (const k of ['shared', 'exclusive', 'unique']) assert.equal(await text(`.kv[data-key="${k}"] dd`), 'unknown', k);
      assert.match(await text('.kv[data-key="allocated"] dd'), /96 KiB/);
      assert.equal(await page.locator('#btn-exact-scan').count(), 0, 'no exact scan can run here');
      assert.equal(
        await text('.reclaim-line'),
        'Deleting this frees roughly 0 B to 96 KiB: an estimate from the bytes the files reference, which the true figure can fall outside (see below).',
      );
      assert.match(await text('.reclaim-why'), /the SMB server does not say which of their blocks are shared/);
      assert.doesNotMatch(await text('.details .meta'), /exact scan/);
      assert.equal(await page.isVisible('.legend-unknown'), true, 'grey tiles have a legend entry');
      const cells = await page.$$eval('.space-grid .tscroll .tr', (rows) =>
        rows.map((r) => [r.querySelector('.c-shared')!.textContent, r.querySelector('.c-exclusive')!.textContent]),
      );
      assert.deepEqual(cells, [
        ['unknown', 'unknown'],
        ['unknown', 'unknown'],
      ]);
      assert.doesNotMatch(await text('.results'), /sharingUnknown|bounds:/, 'no CLI internals');
      // hovering a tile: its path and numbers
      const i = unknownData.files.findIndex((f) => f.path.endsWith('/x.bin'));
      const r = (await rectOf(page, i))!;
      const box = (await page.locator('canvas.treemap').boundingBox())!;
      await page.mouse.move(box.x + (r.x0 + r.x1) / 2, box.y + (r.y0 + r.y1) / 2);
      await page.waitForFunction(() => (document.querySelector('canvas.treemap') as HTMLElement).title !== '');
      assert.equal(await page.getAttribute('canvas.treemap', 'title'), 'x.bin\nAllocated 81,920 bytes (80 KiB)\nSharing unknown (no physical offsets)');
      // CSV: unknown, as shown
      await page.click('#btn-export-csv');
      const ex = await bridge.waitFor((m) => m.type === 'export');
      assert.ok(ex.type === 'export' && ex.format === 'csv' && ex.shown?.length === 2 && ex.filter === undefined, JSON.stringify(ex));
      assert.match(spaceExportText(unknownData, [], 'csv'), /,unknown,unknown,unknown\n/);
      await page.screenshot({ path: screenshotPath('space-sharing-unknown-1000px.png'), fullPage: true });
      await page.close();
    });

    test('grey tiles are named like the others: each unknown file tile shows its name (white, in its top-left corner)', async () => {
      // Found by hand: on a share every tile was plain grey, so the treemap named no file at all.
      const { page } = await open(1000, 900, unknownData);
      for (const name of ['x.bin', 'y.bin']) {
        const r = (await rectOf(
          page,
          unknownData.files.findIndex((f) => f.path.endsWith(`/${name}`)),
        ))!;
        assert.ok(r.x1 - r.x0 > 60 && r.y1 - r.y0 > 30, `${name} tile has room for its name: ${JSON.stringify(r)}`);
        // the label strip: the tile's top 20 pixels, inside its frame
        const counts = await colourCounts(page, { x0: r.x0 + 2, y0: r.y0 + 2, x1: Math.min(r.x1 - 2, r.x0 + 60), y1: r.y0 + 20 });
        // the name is white on a dark halo, anti-aliased: light pixels where the grey tile has none
        const light = [...counts].filter(([k]) => Number(k.split(',')[0]) >= 200).reduce((t, [, n]) => t + n, 0);
        assert.ok(light > 10, `${name}: light label pixels in its tile (${light}; colours ${counts.size})`);
      }
      await page.close();
    });

    test('a folder the server shows again through a symbolic link (to a folder above): walked once, and the view says so', async () => {
      // Samba follows the links: l/sub/up is l, l/alias is l/sub (test/smb/walk-links-samba.test.ts)
      const l = path.join(shareDir, 'l');
      fs.mkdirSync(path.join(l, 'sub'), { recursive: true });
      fs.writeFileSync(path.join(l, 'sub', 'z.bin'), Buffer.alloc(8 * KiB, 9));
      fs.symlinkSync('..', path.join(l, 'sub', 'up'));
      fs.symlinkSync('sub', path.join(l, 'alias'));
      for (const p of [l, path.join(l, 'sub'), path.join(l, 'sub', 'z.bin')]) fs.chownSync(p, smbUid(), 0);
      const top = smb.uri('w', 'l');
      const d = spaceData(await engine.space([top]), [top]);
      assert.deepEqual(d.errors, []);
      assert.equal(d.files.length, 1);
      assert.equal(d.foldersAgain, 2);
      const { page } = await open(1000, 700, d);
      assert.match((await page.textContent('.details .meta')) ?? '', / · 2 folders met again by another name, not walked again$/);
    });

    test('some files unknown: shared and exclusive of the known files, said so; unique an upper bound; the treemap tooltip of a known file', async () => {
      const { page } = await open(1000, 900, mixedData);
      const text = async (sel: string) => (await page.textContent(sel))?.trim() ?? '';
      const known = mixedData.files.filter((f) => !f.sharingUnknown);
      const knownShared = known.reduce((a, f) => a + BigInt(f.shared), 0n);
      assert.ok(knownShared > 0n);
      assert.equal(await text('.kv[data-key="shared"] dt'), 'Shared (known files)');
      assert.equal(await page.getAttribute('.kv[data-key="shared"] dd', 'title'), `${knownShared.toLocaleString('en-US')} bytes`);
      assert.match(
        (await page.getAttribute('.kv[data-key="shared"]', 'title')) ?? '',
        /Of the 5 files whose sharing is known; unknown for 2/,
      );
      assert.equal(await text('.kv[data-key="unique"] dt'), 'Unique (at most)');
      assert.equal(await page.locator('#btn-exact-scan').count(), 1, 'the XFS part can still be scanned');
      const i = mixedData.files.findIndex((f) => f.path.endsWith('/sub/c.img'));
      const r = (await rectOf(page, i))!;
      const box = (await page.locator('canvas.treemap').boundingBox())!;
      await page.mouse.move(box.x + (r.x0 + r.x1) / 2, box.y + (r.y0 + r.y1) / 2);
      await page.waitForFunction(() => (document.querySelector('canvas.treemap') as HTMLElement).title !== '');
      assert.match((await page.getAttribute('canvas.treemap', 'title')) ?? '', /c\.img\nAllocated 786,432 bytes \(768 KiB\)\nExclusive 786,432 bytes \(768 KiB\)\n/);
      await page.close();
    });
  },
);
