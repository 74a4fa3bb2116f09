export default async (page, lib) => {
  const f = await lib.frameWith(page, '.space .space-grid');
  const frames = [];
  for (const fr of page.frames()) { try { if (await fr.$('.space-grid')) frames.push(fr); } catch {} }
  console.log('space frames', frames.length);
  // pick the visible (ws) one: the one with 9,011 files
  let sf;
  for (const fr of frames) { const t = await fr.evaluate(() => document.body.dataset.files); console.log('files', t); if (t === '9011') sf = fr; }
  const canvas = sf.locator('canvas').first();
  const bb = await canvas.boundingBox(); console.log('canvas', bb);
  await canvas.click({ position: { x: 20, y: 6 } });
  await lib.sleep(800);
  await lib.shot(page, '12-zoom-vms');
  console.log(await sf.evaluate(() => ({ crumbs: document.querySelector('.crumbs')?.textContent, count: document.querySelector('.filter-count')?.textContent, rows: [...document.querySelectorAll('.space-grid .tscroll .tr .c-path')].map(e => e.textContent) })));
  await sf.click('.space-grid .tscroll .tr:has(.c-path:text-is("clone.img"))').catch(async e => { console.log('click fail', e.message); });
  await lib.sleep(600);
  console.log(await sf.evaluate(() => ({ sel: [...document.querySelectorAll('.space-grid .tr.selected .c-path')].map(e=>e.textContent), partner: [...document.querySelectorAll('.space-grid .tr.partner .c-path')].map(e=>e.textContent), btns: [...document.querySelectorAll('.toolbar [id]')].map(b=>`${b.id}:${b.getAttribute('aria-disabled')||b.disabled}`) })));
  await lib.shot(page, '13-select-clone');
};
