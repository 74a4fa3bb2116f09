export default async (page, lib) => {
  await page.setViewportSize({ width: 700, height: 900 }); await lib.sleep(1000);
  await page.locator('.tabs-container .tab', { hasText: 'Duplicates: vms' }).first().click();
  await lib.sleep(1500);
  await lib.shot(page, '24-narrow700-dedupe');
};
