import { chromium, type Page, type Frame } from 'playwright-core';
export * from '../test/vscode/ui-driver';
export const SHOTS = '/work/tmp/trial30/shots';
export async function connect(): Promise<{ page: Page; close: () => Promise<void> }> {
  const browser = await chromium.connectOverCDP('http://127.0.0.1:9333');
  const ctx = browser.contexts()[0];
  let page = ctx.pages().find((p) => p.url().includes('8193'));
  if (!page) {
    page = ctx.pages()[0] ?? (await ctx.newPage());
    await page.setViewportSize({ width: 1400, height: 900 });
    await page.goto('http://127.0.0.1:8193/?folder=%2Fwork%2Ftmp%2Ftrial30%2Fws');
  }
  return { page, close: async () => { /* keep browser */ } };
}
export async function shot(page: Page, name: string) { await page.screenshot({ path: `${SHOTS}/${name}.png` }); console.log('shot', name); }
export async function frameWith(page: Page, sel: string): Promise<Frame | undefined> {
  for (const f of page.frames()) { try { if (await f.$(sel)) return f; } catch {} }
  return undefined;
}
