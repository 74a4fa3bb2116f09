export default async (page, lib) => {
  await page.setViewportSize({ width: 1400, height: 900 });
  const dlg = page.locator('.monaco-dialog-box');
  await dlg.locator('.monaco-button', { hasText: 'Deduplicate' }).click();
  const t0 = Date.now();
  const df = await lib.frameWith(page, '.dedupe');
  let cancelled = false;
  for (let i = 0; i < 40; i++) {
    await lib.sleep(250);
    const st = await df.evaluate(() => ({ state: document.body.dataset.state, prog: document.querySelector('.progress')?.textContent?.slice(0, 200), text: document.body.innerText.slice(0, 300) }));
    console.log(Date.now() - t0, JSON.stringify(st));
    if (i === 2) await lib.shot(page, '29-dedupe-applying');
    if (i === 3 && !cancelled) {
      const c = await df.$('#btn-cancel:not([hidden])');
      console.log('cancel btn?', !!c);
      if (c) { await c.click(); cancelled = true; console.log('clicked cancel at', Date.now() - t0); }
    }
    if (cancelled && st.state !== 'applying' && i > 5) break;
  }
  await lib.sleep(1500);
  await lib.shot(page, '30-dedupe-cancelled');
  console.log(await df.evaluate(() => document.body.innerText.slice(0, 2000)));
  console.log('toasts', await page.locator('.notifications-toasts .notification-list-item-message').allInnerTexts());
};
