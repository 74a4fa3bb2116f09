export default async (page, lib) => {
  await page.setViewportSize({ width: 1400, height: 900 }); await lib.sleep(800);
  await lib.extentLensMenu(page, 'btrfs', 1, 'Analyze Space Usage');
  const { frame, value } = await lib.pollFrames(page, 'space btrfs', (f) => f.evaluate(() => document.querySelector('.space-grid') && document.body.dataset.files === '3' && document.body.dataset.state === 'done' ? document.body.innerText.slice(0, 900) : undefined), 60000);
  console.log(value);
  await lib.shot(page, '50-space-btrfs');
  await page.locator('.tabs-container .tab', { hasText: 'Space: ws' }).first().click();
  await lib.sleep(1500);
  const sf = await lib.frameWith(page, '.space-grid');
  await sf.fill('.filter-row input', 'base');
  await lib.sleep(800);
  console.log(await sf.evaluate(() => document.querySelector('.filter-count')?.textContent + ' ' + [...document.querySelectorAll('.space-grid .tscroll .tr .c-path')].map(e => e.textContent).join(', ')));
  await sf.evaluate(() => document.querySelector('.filter-row')?.scrollIntoView());
  await lib.shot(page, '51-filter-base');
};
