export default async (page, lib) => {
  await page.setViewportSize({ width: 1400, height: 900 }); await lib.sleep(800);
  await lib.extentLensMenu(page, 'dups', 1, 'Analyze Space Usage');
  await lib.pollFrames(page, 'space dups', (f) => f.evaluate(() => document.querySelector('.space-grid') && document.body.dataset.files === '6000' && document.body.dataset.state === 'done' ? true : undefined), 60000);
  await lib.sleep(500);
  await lib.shot(page, '25-space-dups-before');
  const t0 = Date.now();
  await lib.extentLensMenu(page, 'dups', 1, 'Find Duplicate Data');
  for (let i = 0; i < 4; i++) { await lib.sleep(700); await lib.shot(page, `26-dedupe-dups-searching-${i}`); }
  const r = await lib.dedupeViewSettled(page, `${lib.SHOTS}/fail.png`);
  console.log('took', Date.now() - t0, r.state, r.text.slice(0, 1500));
  await lib.shot(page, '27-dedupe-dups-found');
};
