export default async (page, lib) => {
  await page.setViewportSize({ width: 1400, height: 900 }); await lib.sleep(800);
  await lib.runCommand(page, 'Extent Lens: Analyze Space Usage');
  await lib.sleep(1200);
  await page.locator('.quick-input-widget .monaco-button', { hasText: 'Analyze' }).click();
  const t0 = Date.now();
  const { frame, value } = await lib.pollFrames(page, 'streaming', (f) => f.evaluate(() => {
    const b = document.body?.dataset;
    if (!document.querySelector('.space-grid') || b.state !== 'scanning' || !(Number(b.files) > 3000) || b.files === '39011') return undefined;
    return { files: b.files, shown: b.shown, text: document.body.innerText.slice(0, 500) };
  }), 60000);
  console.log(Date.now() - t0, value);
  await lib.shot(page, '43-space-streaming');
  await frame.evaluate(() => (document.querySelector('#btn-cancel') as HTMLElement).click());
  await lib.sleep(1500);
  console.log(await frame.evaluate(() => document.body.dataset.state + ' ' + document.body.dataset.files + '\n' + document.body.innerText.slice(0, 900)));
  await lib.shot(page, '44-space-cancelled');
};
