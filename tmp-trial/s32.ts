export default async (page, lib) => {
  await page.setViewportSize({ width: 1400, height: 900 }); await lib.sleep(800);
  await page.locator('.tabs-container .tab', { hasText: 'Duplicates: vms' }).first().click();
  await lib.sleep(1500);
  let df;
  for (const f of page.frames()) { try { const t = await f.evaluate(() => document.querySelector('.dedupe') ? document.body.innerText.slice(0, 200) : undefined); if (t && t.includes('176 MiB')) df = f; } catch {} }
  await df.click('#btn-dedupe');
  const dlg = page.locator('.monaco-dialog-box');
  await dlg.waitFor();
  console.log(await dlg.innerText());
  await lib.shot(page, '52-vms-confirm');
  await dlg.locator('.monaco-button', { hasText: 'Deduplicate' }).click();
  await lib.sleep(4000);
  console.log(await df.evaluate(() => document.body.innerText.slice(0, 1200)));
  await lib.shot(page, '53-vms-deduped');
  await page.locator('.tabs-container .tab', { hasText: 'Space: vms' }).first().click();
  await lib.sleep(2000);
  for (const f of page.frames()) { try { const t = await f.evaluate(() => document.querySelector('.space-grid') && document.querySelector('.crumbs')?.textContent === '/work/tmp/trial30/ws/vms' ? document.body.innerText.slice(0, 500) : undefined); if (t) console.log('SPACE VMS', t); } catch {} }
  await lib.shot(page, '54-space-vms-after');
};
