export default async (page, lib) => {
  await page.locator('.tabs-container .tab', { hasText: 'Space: ws' }).first().click();
  await lib.sleep(1000);
  for (const [id, file] of [['#btn-export-json', 'space-vms.json'], ['#btn-export-csv', 'space-vms.csv']]) {
    const sf = await lib.frameWith(page, '.space-grid');
    await sf.click(id);
    await lib.sleep(1500);
    await lib.shot(page, `17-export-${file}`);
    const input = page.locator('.quick-input-widget input');
    console.log('default', await input.inputValue().catch(() => 'none'));
    await input.fill(`/work/tmp/trial30/${file}`);
    await page.keyboard.press('Enter');
    await lib.sleep(2000);
    console.log('toasts', await page.locator('.notifications-toasts .notification-list-item-message').allInnerTexts());
    await lib.shot(page, `18-exported-${file}`);
  }
};
