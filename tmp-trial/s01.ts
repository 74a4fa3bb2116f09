export default async (page, lib) => {
  await lib.sleep(8000);
  await lib.shot(page, '01-load');
  console.log(await page.locator('.monaco-dialog-box').allInnerTexts().catch(()=>[]));
};
