export default async (page, lib) => {
  await lib.extentLensMenu(page, 'vms', 1, 'Analyze Space Usage', { screenshot: `${lib.SHOTS}/02-restricted-menu.png` });
  const { frame, value } = await lib.pollFrames(page, 'space', (f) => f.evaluate(() => document.body?.dataset.state === 'done' ? document.body.innerText : undefined), 60000);
  console.log(value);
  await lib.sleep(500);
  await lib.shot(page, '03-restricted-space');
};
