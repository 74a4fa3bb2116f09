export default async (page, lib) => {
  await page.setViewportSize({ width: 1400, height: 900 });
  await lib.extentLensMenu(page, 'dups2', 1, 'Find Duplicate Data');
  const t0 = Date.now();
  await lib.sleep(3000);
  await lib.shot(page, '32-dups2-searching');
  const r = await lib.dedupeViewSettled(page, `${lib.SHOTS}/fail.png`);
  console.log('search took', Date.now() - t0, r.text.slice(0, 400));
  const df = r.frame;
  await df.click('#btn-dedupe');
  const dlg = page.locator('.monaco-dialog-box');
  await dlg.waitFor();
  await dlg.locator('.monaco-button', { hasText: 'Deduplicate' }).click();
  const t1 = Date.now();
  // wait until the apply runs, then cancel after ~1.5 s
  const seen = [];
  for (;;) {
    const st = await df.evaluate(() => ({ state: document.body.dataset.state, prog: (document.querySelector('.progress:not([hidden])') as HTMLElement | null)?.innerText }));
    seen.push(`${Date.now() - t1} ${JSON.stringify(st)}`);
    if (Date.now() - t1 > 1500 || st.state === 'done') break;
    await lib.sleep(150);
  }
  await lib.shot(page, '33-dups2-applying');
  const clicked = await df.evaluate(() => { const b = document.querySelector('#btn-cancel') as HTMLElement | null; if (b && !b.closest('[hidden]') && b.offsetParent) { b.click(); return true; } return false; });
  console.log('cancel clicked', clicked, Date.now() - t1);
  console.log(seen.join('\n'));
  for (let i = 0; i < 30; i++) { await lib.sleep(300); const s = await df.evaluate(() => document.body.dataset.state); if (s !== 'applying') break; }
  await lib.sleep(1500);
  await lib.shot(page, '34-dups2-cancelled');
  console.log(await df.evaluate(() => document.body.innerText.slice(0, 1600)));
  console.log('toasts', await page.locator('.notifications-toasts .notification-list-item-message').allInnerTexts());
};
