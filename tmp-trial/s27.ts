export default async (page, lib) => {
  await page.setViewportSize({ width: 1400, height: 900 }); await lib.sleep(500);
  // re-run on the cancelled view via "Analyze again"
  const f0 = await lib.frameWith(page, '#btn-retry');
  await f0.evaluate(() => (document.querySelector('#btn-retry') as HTMLElement).click());
  const { frame, value } = await lib.pollFrames(page, 'streaming', (f) => f.evaluate(() => {
    const b = document.body?.dataset;
    if (!document.querySelector('.space-grid') || b.state !== 'scanning' || !(Number(b.files) > 12000) || b.files === '39011') return undefined;
    (document.querySelector('#btn-cancel') as HTMLElement).click();
    return { files: b.files };
  }), 60000);
  console.log(value);
  for (let i = 0; i < 6; i++) { await lib.sleep(700); console.log(await frame.evaluate(() => document.body.dataset.state + ' ' + document.body.dataset.files + ' | ' + document.querySelector('.banner-text')?.textContent + ' | ' + document.querySelector('.filter-count')?.textContent)); }
  await lib.shot(page, '46-space-cancelled-2');
};
