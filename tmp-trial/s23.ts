export default async (page, lib) => {
  await page.setViewportSize({ width: 1400, height: 900 });
  // full toast text via notification center
  console.log('toast aria', await page.locator('.notifications-toasts .monaco-list-row').evaluateAll(els => els.map(e => e.getAttribute('aria-label'))));
  const df = await lib.frameWith(page, '.dedupe #btn-find-again');
  await df.click('#btn-find-again');
  const t0 = Date.now();
  await lib.sleep(1500);
  await lib.shot(page, '37-find-again-running');
  const r = await lib.dedupeViewSettled(page, `${lib.SHOTS}/fail.png`);
  console.log('find again took', Date.now() - t0, r.text.slice(0, 700));
  await lib.shot(page, '38-find-again-done');
  await page.locator('.tabs-container .tab', { hasText: 'Space: ws' }).first().click();
  await lib.sleep(2000);
  const sf = await lib.frameWith(page, '.space-grid');
  console.log('space ws', await sf.evaluate(() => document.body.dataset.files + ' ' + document.body.dataset.state + ' ' + document.body.innerText.slice(0, 500)));
  await lib.shot(page, '39-space-ws-after-dedupe');
};
