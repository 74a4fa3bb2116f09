export default async (page, lib) => {
  await lib.runCommand(page, 'Workspaces: Manage Workspace Trust');
  await lib.sleep(3000);
  await lib.shot(page, '06-trust-editor');
  for (const f of page.frames()) {
    const b = await f.$('text=Trust');
    if (b) console.log('found in frame', f.url().slice(0,80));
  }
  const btn = page.locator('.workspace-trust-editor .monaco-button', { hasText: /^Trust$/ }).first();
  console.log(await page.locator('.workspace-trust-editor .monaco-button').allInnerTexts());
  await btn.click();
  await lib.sleep(3000);
  await lib.shot(page, '07-trusted');
};
