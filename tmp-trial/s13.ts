export default async (page, lib) => {
  const sf = await lib.frameWith(page, '.space-grid');
  await sf.click('#btn-export-json');
  await lib.sleep(1500);
  const input = page.locator('.quick-input-widget input');
  await input.fill('/work/tmp/trial30/space-vms.json');
  await lib.sleep(500);
  await page.locator('.quick-input-widget .monaco-button', { hasText: 'OK' }).click();
  await lib.sleep(2000);
  console.log('toasts', await page.locator('.notifications-toasts .notification-list-item-message').allInnerTexts());
};
