import { chromium } from 'playwright-core';
import { runCommand, pickQuickItem, extentLensMenu, explorerRow, sleep } from '../test/vscode/ui-driver';
(async () => {
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium' });
  const page = await browser.newPage({ viewport: { width: 1200, height: 820 } });
  await page.goto('http://127.0.0.1:8193/?folder=%2Fmnt%2Fme-b');
  await page.waitForSelector('.monaco-workbench', { timeout: 60000 });
  await explorerRow(page, 'vms', 1).waitFor({ timeout: 60000 });
  await runCommand(page, 'Preferences: Color Theme');
  await page.keyboard.type('Light Modern');
  await sleep(800);
  await page.keyboard.press('Enter');
  await sleep(1500);
  await extentLensMenu(page, 'vms', 1, 'Analyze Space Usage');
  await sleep(6000);
  await page.screenshot({ path: '/work/tmp/me/s1-light-modern.png' });
  await runCommand(page, 'View: Toggle Primary Side Bar Visibility');
  await page.setViewportSize({ width: 400, height: 820 });
  await sleep(2500);
  await page.screenshot({ path: '/work/tmp/me/s2-narrow.png' });
  // the table: scroll sideways inside the webview
  for (const f of page.frames()) {
    const host = await f.$('.rows-host');
    if (host) {
      await f.evaluate(() => { const h = document.querySelector('.rows-host')!; h.scrollLeft = h.scrollWidth; h.scrollIntoView(); });
      break;
    }
  }
  await sleep(800);
  await page.screenshot({ path: '/work/tmp/me/s3-narrow-scrolled.png' });
  await browser.close();
})().catch((e) => { console.error(e); process.exit(1); });
