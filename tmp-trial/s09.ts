export default async (page, lib) => {
  const sf = await lib.frameWith(page, '.space-grid');
  console.log(await sf.evaluate(() => [...document.querySelectorAll('.space-grid .tr .c-path')].map(e => `${e.textContent} | title=${e.getAttribute('title') ?? e.closest('.tr')?.getAttribute('title')}`).slice(-3)));
  // sort by Shared
  const hdr = sf.locator('.space-grid [role=columnheader]', { hasText: 'Shared' }).first();
  console.log('headers', await sf.locator('.space-grid [role=columnheader]').allInnerTexts());
  await hdr.click(); await lib.sleep(400);
  console.log('after sort', await sf.evaluate(() => [...document.querySelectorAll('.space-grid .tr .c-path')].map(e => e.textContent).slice(0, 8)));
  await hdr.click(); await lib.sleep(400);
  console.log('after sort2', await sf.evaluate(() => [...document.querySelectorAll('.space-grid .tr .c-path')].map(e => e.textContent).slice(0, 8)));
  await lib.shot(page, '14-sorted-shared-asc');
  // Reveal selected
  await sf.evaluate(() => window.scrollTo(0,0));
  await sf.click('#btn-reveal'); await lib.sleep(1500);
  await lib.shot(page, '15-reveal');
  console.log('explorer selected', await page.locator('.explorer-folders-view .monaco-list-row.selected').allInnerTexts());
};
