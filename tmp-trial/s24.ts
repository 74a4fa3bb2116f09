export default async (page, lib) => {
  await page.setViewportSize({ width: 700, height: 900 }); await lib.sleep(1000);
  await page.locator('.tabs-container .tab', { hasText: 'Duplicates: dups' }).filter({ hasNotText: 'dups2' }).first().click();
  await lib.sleep(1500);
  await lib.shot(page, '40-narrow-dedupe-result');
  await page.locator('.tabs-container .tab', { hasText: 'Space: dups' }).first().click();
  await lib.sleep(1500);
  await lib.shot(page, '41-narrow-space-dups-notes');
  const sf = await lib.frameWith(page, '.space-grid');
  await sf.evaluate(() => document.querySelector('.filter-row')?.scrollIntoView());
  await lib.sleep(300);
  await lib.shot(page, '42-narrow-space-dups-table');
};
