export default async (page, lib) => {
  await page.setViewportSize({ width: 1060, height: 900 }); await lib.sleep(800);
  await page.locator('.tabs-container .tab', { hasText: 'Space: dups' }).first().click();
  await lib.sleep(800);
  await lib.runCommand(page, 'View: Move Editor into Right Group');
  await lib.sleep(1500);
  await page.locator('.tabs-container .tab', { hasText: 'Duplicates: dups2' }).first().click();
  await lib.sleep(1500);
  await lib.shot(page, '48-split-space-dedupe');
  const sf = await lib.frameWith(page, '.space-grid');
  const w = await sf.evaluate(() => document.documentElement.clientWidth);
  console.log('space width', w);
  await sf.evaluate(() => document.querySelector('.filter-row')?.scrollIntoView());
  await sf.click('.space-grid .tscroll .tr >> nth=2');
  await lib.sleep(500);
  await lib.shot(page, '49-split-space-table');
};
