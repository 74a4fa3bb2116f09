export default async (page, lib) => {
  const sf = await lib.frameWith(page, '.space-grid');
  await sf.click('.space-grid .tscroll .tr:has(.c-path:text-is("vms/clone.img"))');
  await lib.sleep(600);
  console.log(await sf.evaluate(() => ({ sel: [...document.querySelectorAll('.space-grid .tr.selected .c-path')].map(e=>e.textContent), partner: [...document.querySelectorAll('.space-grid .tr.partner .c-path')].map(e=>e.textContent), btns: [...document.querySelectorAll('.toolbar [id]')].map(b=>`${b.id}:${b.getAttribute('aria-disabled')}:${b.hasAttribute('disabled')}`) })));
  await sf.evaluate(() => document.querySelector('.space-grid')?.scrollIntoView());
  await lib.sleep(400);
  await lib.shot(page, '13-select-clone');
};
