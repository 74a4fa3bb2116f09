export default async (page, lib) => {
  await page.setViewportSize({ width: 1400, height: 900 }); await lib.sleep(500);
  await lib.runCommand(page, 'Extent Lens: Analyze Space Usage');
  await lib.sleep(1200);
  await page.locator('.quick-input-widget .monaco-button', { hasText: 'Analyze' }).click();
  const { frame, value } = await lib.pollFrames(page, 'streaming', (f) => f.evaluate(() => {
    const b = document.body?.dataset;
    if (!document.querySelector('.space-grid') || b.state !== 'scanning' || !(Number(b.files) > 1500) || b.files === '39011') return undefined;
    (document.querySelector('#btn-cancel') as HTMLElement).click();
    return { files: b.files };
  }), 60000);
  console.log(value);
  for (let i = 0; i < 5; i++) { await lib.sleep(600); console.log(await frame.evaluate(() => document.body.dataset.state + ' ' + document.body.dataset.files + ' | ' + document.querySelector('.banner-text')?.textContent + ' | ' + document.querySelector('.filter-count')?.textContent)); }
  console.log(await frame.evaluate(() => document.body.dataset.state + ' ' + document.body.dataset.files + '\n' + document.body.innerText.slice(0, 700)));
  await lib.shot(page, '47-space-cancelled-again');
};
