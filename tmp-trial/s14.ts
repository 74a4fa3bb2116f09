export default async (page, lib) => {
  const sf = await lib.frameWith(page, '.space-grid');
  await sf.evaluate(() => window.scrollTo(0,0));
  await sf.click('#btn-exact-scan');
  const t0 = Date.now();
  for (let i = 0; i < 3; i++) { await lib.sleep(400); await lib.shot(page, `20-exact-scan-${i}`); }
  const { value } = await lib.pollFrames(page, 'space', (f) => f.evaluate(() => document.querySelector('.space-grid') && document.body.dataset.state === 'done' ? document.body.innerText.slice(0, 1800) : undefined), 120000);
  console.log('took', Date.now() - t0, value);
  await lib.sleep(500);
  await lib.shot(page, '21-exact-done');
};
