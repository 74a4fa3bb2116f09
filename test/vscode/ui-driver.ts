// Small steps a person takes in the VS Code web workbench, for the UI end-to-end tests:
// the command palette, Quick Open, explorer context menus, and reading inside webviews.
// Webviews live two iframes deep (iframe.webview.ready > iframe#active-frame); the tests find
// them by polling every frame of the page for the content they expect (robust to nesting).
import type { Frame, Locator, Page } from 'playwright-core';

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Focus the workbench (not a webview) so keyboard shortcuts reach it. */
async function focusWorkbench(page: Page): Promise<void> {
  await page
    .locator('.statusbar')
    .click({ position: { x: 5, y: 5 } })
    .catch(() => undefined);
}

/**
 * F1, type the command's title, pick the matching row. Titles are matched without their
 * trailing dots: VS Code writes some with "..." and some with "…". A command whose `when`
 * depends on the active editor (Reopen Editor With...) can be missing for a moment after an
 * editor opens, so the palette is closed and reopened a few times before giving up.
 */
export async function runCommand(page: Page, title: string): Promise<void> {
  const bare = title.replace(/(\.\.\.|…)$/, '');
  // Exactly this command, not a longer one that starts the same ("Reopen Editor With" vs
  // "Reopen Editor with Text Editor"): the row's aria-label is the title, maybe + keybinding.
  const exact = new RegExp(`^${bare.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(\\.\\.\\.|…)?(,.*)?$`, 'i');
  let labels: string[] = [];
  for (let attempt = 0; attempt < 3; attempt++) {
    await focusWorkbench(page);
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget input');
    try {
      await input.waitFor({ state: 'visible', timeout: 30_000 });
      await input.fill(`>${bare}`, { timeout: 10_000 });
    } catch (e) {
      // Just after a window reload on a loaded machine the palette has been seen going inert and
      // closing again at once (the workbench still settling): open it again.
      if (attempt === 2) throw e;
      await page.keyboard.press('Escape');
      await sleep(1000);
      continue;
    }
    const rows = page.locator('.quick-input-list .monaco-list-row');
    const end = Date.now() + 10_000;
    while (Date.now() < end) {
      labels = await rows.evaluateAll((els) => els.map((e) => e.getAttribute('aria-label') ?? ''));
      const i = labels.findIndex((l) => exact.test(l));
      if (i >= 0) {
        await rows.nth(i).click();
        return;
      }
      await sleep(200);
    }
    await page.keyboard.press('Escape');
    await sleep(1000);
  }
  throw new Error(`command "${title}" not in the palette; rows: ${JSON.stringify(labels)}`);
}

/** Ctrl+P, type a file name, open the first match. */
export async function quickOpen(page: Page, name: string): Promise<void> {
  await focusWorkbench(page);
  await page.keyboard.press('Control+P');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: 30_000 });
  await input.fill(name);
  const row = page.locator('.quick-input-list .monaco-list-row', { hasText: name }).first();
  await row.waitFor({ timeout: 30_000 });
  await page.keyboard.press('Enter');
  await page.locator('.tabs-container .tab', { hasText: name }).first().waitFor({ timeout: 30_000 });
}

/** Pick a row of an open quick pick by its text. */
export async function pickQuickItem(page: Page, text: string): Promise<void> {
  const row = page.locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: text }).first();
  await row.waitFor({ timeout: 30_000 });
  await row.click();
}

/** The explorer row of `name` at tree depth `level` (1 = top level of the folder). */
export function explorerRow(page: Page, name: string, level?: number) {
  const sel = `.explorer-folders-view .monaco-list-row[aria-label="${name}"]${level ? `[aria-level="${level}"]` : ''}`;
  return page.locator(sel).first();
}

/** Expand a collapsed folder row in the explorer. */
export async function expandFolder(page: Page, name: string, level?: number): Promise<void> {
  const row = explorerRow(page, name, level);
  await row.waitFor({ timeout: 30_000 });
  if ((await row.getAttribute('aria-expanded')) !== 'true') await row.click();
  await page.waitForFunction(
    (sel) => document.querySelector(sel)?.getAttribute('aria-expanded') === 'true',
    `.explorer-folders-view .monaco-list-row[aria-label="${name}"]${level ? `[aria-level="${level}"]` : ''}`,
    { timeout: 10_000 },
  );
}

/** Right-click an explorer row, then choose `item` in the context menu (optionally via a submenu). */
export async function explorerContextMenu(
  page: Page,
  name: string,
  level: number | undefined,
  item: string | RegExp,
  opts: { screenshot?: string } = {},
): Promise<void> {
  const row = explorerRow(page, name, level);
  await row.waitFor({ timeout: 30_000 });
  await row.click({ button: 'right' });
  const action = page.locator('.monaco-menu .action-item:not(.disabled) .action-label', { hasText: item }).first();
  await action.waitFor({ timeout: 10_000 });
  await action.hover();
  if (opts.screenshot) await page.screenshot({ path: opts.screenshot });
  await clickMenuItem(page, action);
}

/**
 * Click a context menu's item. Seen in CI (a loaded machine): the click was lost and the menu
 * stayed open with the item highlighted, so the command never ran. The menu closes when an item
 * runs: while it is still open, the item is clicked again.
 */
async function clickMenuItem(page: Page, action: Locator): Promise<void> {
  await action.click();
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await page.locator('.monaco-menu').first().waitFor({ state: 'hidden', timeout: 5_000 });
      return;
    } catch {
      if (!(await action.isVisible())) return;
      await action.click();
    }
  }
}

/**
 * Right-click an explorer row, open the Extent Lens submenu and choose `item` in it. The submenu
 * is there once the extension's contributions are registered, which can follow the explorer by
 * a moment: the menu is closed and asked for again until it is.
 */
export async function extentLensMenu(
  page: Page,
  name: string,
  level: number | undefined,
  item: string | RegExp,
  opts: { screenshot?: string } = {},
): Promise<void> {
  const row = explorerRow(page, name, level);
  await row.waitFor({ timeout: 30_000 });
  const submenu = page.locator('.monaco-menu .action-item:not(.disabled) .action-label', { hasText: /^Extent Lens$/ }).first();
  for (let attempt = 0; ; attempt++) {
    await row.click({ button: 'right' });
    try {
      await submenu.waitFor({ timeout: 3_000 });
      break;
    } catch (e) {
      if (attempt >= 10) throw e;
      await page.keyboard.press('Escape');
      await sleep(1_000);
    }
  }
  await submenu.hover();
  await submenu.click();
  const action = page.locator('.monaco-menu .action-item:not(.disabled) .action-label', { hasText: item }).first();
  await action.waitFor({ timeout: 10_000 });
  await action.hover();
  if (opts.screenshot) await page.screenshot({ path: opts.screenshot });
  await clickMenuItem(page, action);
}

/** Poll every frame of the page until `probe` returns a value in one of them. */
export async function pollFrames<T>(
  page: Page,
  what: string,
  probe: (frame: Frame) => Promise<T | undefined>,
  timeoutMs = 30_000,
): Promise<{ frame: Frame; value: T }> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    for (const frame of page.frames()) {
      try {
        const value = await probe(frame);
        if (value !== undefined) return { frame, value };
      } catch {
        /* a frame detached or navigated while we looked */
      }
    }
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what} in a webview`);
    await sleep(250);
  }
}

/**
 * The Dedupe view once its search has ended (its body's state "done" or "error", with its text);
 * on a timeout a screenshot goes to `failShot` and the error says what every frame held.
 */
export async function dedupeViewSettled(page: Page, failShot: string): Promise<{ frame: Frame; state: string; text: string }> {
  const { frame, value } = await pollFrames(
    page,
    'the Dedupe view',
    (f) =>
      f.evaluate(() => {
        // (no named helpers here: tsx would wrap them in a __name() the page does not have)
        const state = document.body?.dataset.state;
        return document.querySelector('.dedupe') && (state === 'done' || state === 'error')
          ? { state, text: document.body.innerText }
          : undefined;
      }),
    90_000,
  ).catch(async (e: Error) => {
    await page.screenshot({ path: failShot });
    const bodies = await Promise.all(
      page
        .frames()
        .map((f) =>
          f
            .evaluate(() => `${location.href.slice(0, 80)} ${document.body?.dataset.state} ${document.body?.innerText.slice(0, 300)}`)
            .catch(() => ''),
        ),
    );
    throw new Error(`${e.message}\n${bodies.filter(Boolean).join('\n')}`);
  });
  return { frame, ...value };
}
