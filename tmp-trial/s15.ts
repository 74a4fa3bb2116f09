export default async (page, lib) => {
  await page.setViewportSize({ width: 700, height: 900 });
  await lib.sleep(1500);
  const sf = await lib.frameWith(page, '.space-grid');
  await sf.evaluate(() => window.scrollTo(0,0));
  await lib.sleep(500);
  await lib.shot(page, '22-narrow700-space-top');
  await sf.evaluate(() => document.querySelector('.filter-row')?.scrollIntoView());
  await lib.sleep(500);
  await lib.shot(page, '23-narrow700-space-table');
};
