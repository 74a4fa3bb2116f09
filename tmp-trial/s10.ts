export default async (page, lib) => {
  const sf = await lib.frameWith(page, '.space-grid');
  await sf.dblclick('.space-grid .tscroll .tr:has(.c-path:text-is("vms/partial.img"))');
  await lib.sleep(4000);
  console.log('tabs', await page.locator('.tabs-container .tab').allInnerTexts());
  await lib.shot(page, '16-inspector-from-space');
};
