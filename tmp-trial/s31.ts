export default async (page, lib) => {
  await page.setViewportSize({ width: 1400, height: 900 }); await lib.sleep(800);
  await page.locator('.tabs-container .tab', { hasText: 'Space: ws' }).first().click();
  await lib.sleep(1500);
  let sf;
  for (const f of page.frames()) { try { const n = await f.evaluate(() => document.querySelector('.space-grid') ? document.body.dataset.files : undefined); if (n) console.log('frame files', n); if (n === '39011' || n === '9011' ) sf = f; } catch {} }
  await sf.fill('.filter-row input', 'base');
  await lib.sleep(800);
  console.log(await sf.evaluate(() => document.querySelector('.filter-count')?.textContent + ' ' + [...document.querySelectorAll('.space-grid .tscroll .tr .c-path')].map(e => e.textContent).join(', ')));
  await sf.evaluate(() => document.querySelector('.filter-row')?.scrollIntoView());
  await lib.shot(page, '51-filter-base');
  await sf.fill('.filter-row input', '');
};
