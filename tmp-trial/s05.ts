export default async (page, lib) => {
  await page.locator(".monaco-modal-editor-block .codicon-close, .monaco-modal-editor-block .action-label[aria-label*=Close]").first().click().catch(e=>console.log("noclose",e.message)); await lib.sleep(800);
  await page.locator('.tabs-container .tab', { hasText: 'Duplicates: vms' }).first().click();
  await lib.sleep(1500);
  const f = await lib.frameWith(page, '.dedupe');
  console.log(await f.evaluate(() => [...document.querySelectorAll('button')].map(b => `${b.id}|${b.textContent}|${b.disabled}`)));
  console.log(await f.evaluate(() => document.body.innerText.slice(0, 400)));
  await lib.shot(page, '08-dedupe-after-trust');
};
