export default async (page, lib) => {
  await page.setViewportSize({ width: 1400, height: 900 }); await lib.sleep(500);
  const df = await lib.frameWith(page, '.dedupe #btn-dedupe');
  await df.click('#btn-dedupe');
  await lib.sleep(1200);
  await lib.shot(page, '28-dedupe-confirm');
  const dlg = page.locator('.monaco-dialog-box');
  console.log('dialog', await dlg.innerText().catch(() => 'none'));
  console.log('buttons', await dlg.locator('.monaco-button').allInnerTexts().catch(() => []));
};
