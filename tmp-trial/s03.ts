export default async (page, lib) => {
  await lib.extentLensMenu(page, 'vms', 1, 'Find Duplicate Data');
  await lib.sleep(1500);
  await lib.shot(page, '04-restricted-dedupe-after-menu');
  const r = await lib.dedupeViewSettled(page, `${lib.SHOTS}/fail.png`);
  console.log(r.state, r.text);
  const btn = await r.frame.evaluate(() => [...document.querySelectorAll('button')].map(b => `${b.id}|${b.textContent}|${b.disabled}|${b.title}`));
  console.log(btn);
  await lib.sleep(500);
  await lib.shot(page, '05-restricted-dedupe');
};
