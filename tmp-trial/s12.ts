export default async (page, lib) => {
  const input = page.locator('.quick-input-widget input');
  console.log('title', await page.locator('.quick-input-widget .quick-input-title').innerText().catch(()=>''), await input.inputValue().catch(() => 'none'));
  await page.locator('.quick-input-widget .monaco-button', { hasText: 'OK' }).click();
  await lib.sleep(2000);
  console.log('toasts', await page.locator('.notifications-toasts .notification-list-item-message').allInnerTexts());
  await lib.shot(page, '19-after-ok');
};
