export default async (page, lib) => {
  await page.setViewportSize({ width: 1400, height: 900 });
  const df = await lib.frameWith(page, '.dedupe #btn-dedupe');
  await df.click('#btn-dedupe');
  const dlg = page.locator('.monaco-dialog-box');
  await dlg.waitFor();
  await dlg.locator('.monaco-button', { hasText: 'Deduplicate' }).click();
  const t1 = Date.now();
  const seen = [];
  for (let i = 0; i < 8; i++) {
    await lib.sleep(200);
    const st = await df.evaluate(() => ({ state: document.body.dataset.state, prog: (document.querySelector('.progress') as HTMLElement | null)?.innerText, hidden: document.querySelector('.progress')?.hasAttribute('hidden') }));
    seen.push(`${Date.now() - t1} ${JSON.stringify(st)}`);
  }
  await lib.shot(page, '35-dups2-applying');
  const clicked = await df.evaluate(() => { const b = document.querySelector('#btn-cancel') as HTMLElement | null; if (b && b.offsetParent) { b.click(); return true; } return false; });
  console.log('cancel clicked', clicked, Date.now() - t1);
  console.log(seen.join('\n'));
  for (let i = 0; i < 60; i++) { await lib.sleep(300); const s = await df.evaluate(() => document.querySelector('.result') ? 'r' : document.body.dataset.state); if (i>3 && s !== 'applying') break; }
  await lib.sleep(1500);
  await lib.shot(page, '36-dups2-cancelled');
  console.log(await df.evaluate(() => document.body.innerText.slice(0, 1400)));
  console.log('toasts', await page.locator('.notifications-toasts .notification-list-item-message').allInnerTexts());
};
