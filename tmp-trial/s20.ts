export default async (page, lib) => {
  await page.setViewportSize({ width: 1400, height: 900 });
  await page.locator('.tabs-container .tab', { hasText: 'Space: dups' }).first().click();
  await lib.sleep(2000);
  const sf = await lib.frameWith(page, '.space-grid');
  console.log(await sf.evaluate(() => document.body.innerText.slice(0, 600)));
  await lib.shot(page, '31-space-dups-after');
};
