export default async (page, lib) => {
  await lib.runCommand(page, 'Extent Lens: Analyze Space Usage');
  await lib.sleep(1500);
  await lib.shot(page, '09-palette-dialog');
  const input = page.locator('.quick-input-widget input');
  console.log('input value', await input.inputValue());
  await page.keyboard.press('Enter');
  const t0 = Date.now();
  await lib.sleep(300);
  await lib.shot(page, '10-ws-scanning');
  const { frame, value } = await lib.pollFrames(page, 'space', (f) => f.evaluate(() => { const s = document.body?.dataset.state; return document.querySelector('.space-grid') && (s === 'done' || s==='error') ? document.body.innerText.slice(0, 2500) : undefined; }), 120000);
  console.log('took', Date.now() - t0, value);
  await lib.sleep(500);
  await lib.shot(page, '11-ws-done');
};
