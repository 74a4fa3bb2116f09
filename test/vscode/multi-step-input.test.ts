// UI end-to-end (code-server + Chromium): the quick inputs of one multi-step command keep the
// keyboard until the flow ends. A person works in the inspector (a webview, which has the focus),
// runs "Extent Lens: Clone Range…" / "Punch Hole" from the palette, waits for the first question
// and then types every answer without waiting for the next question to appear (KEY_MS between
// keys, Enter included): each key must land in the flow's quick input, never in the inspector,
// and the confirmation must name exactly the typed numbers.
// Before the fix each question was its own showInputBox / showQuickPick: between two of them the
// quick input closed and the focus went back to the inspector. Seen here at 30 ms a key (3 runs
// of each, before the fix): the Enter typed for Clone Range's "Same file" (step 2) reached the
// inspector webview every time, so the destination offset typed next became that pick's filter
// text and the flow stalled; in Punch Hole the first key(s) of the length ("6", or "5","5","3")
// reached the inspector in 3 runs of 4, leaving an invalid length.
// Not covered (outside an extension's reach): keys typed before the first question appears go
// wherever the focus was, here the inspector.
// Runs the extension unpackaged from this repository (dist/ must be built: npm run build).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test, type TestContext } from 'node:test';
import type { Frame, Page } from 'playwright-core';
import { findVsCode, launchBrowser, openWorkbench, REPO_ROOT, startCodeServer, type Browser, type CodeServer, type VsCodeInstall } from '../support/codeserver';
import { explorerRow, pickQuickItem, pollFrames, quickOpen, runCommand, sleep } from './ui-driver';
import { makeFs, skipReason, type TestFs } from '../support/loopfs';

const install = findVsCode();
const distMissing = ['dist/extension.js', 'dist/webview/inspector.js'].find((f) => !fs.existsSync(path.join(REPO_ROOT, f)));
const skip =
  typeof install === 'string' ? install : distMissing ? `${distMissing} is missing: run npm run build` : skipReason('xfs');

const KiB = 1024;
const MiB = 1024 * KiB;
/** Milliseconds between two keys in the Clone Range flow: a fast typist. */
const KEY_MS = Number(process.env.EL_KEY_MS ?? 30);

/** The inspector's content frame, once it shows `name`. */
async function inspectorFrame(page: Page, name: string): Promise<Frame> {
  const { frame } = await pollFrames(
    page,
    `the inspector of ${name}`,
    (f) =>
      f.evaluate((name) => {
        const map = document.querySelector('canvas.map');
        const label = map?.getAttribute('aria-label') ?? '';
        if (!map || !label.includes(name) || label.includes('loading')) return undefined;
        return true;
      }, name),
    90_000,
  );
  return frame;
}

/**
 * Record every keydown in every frame of the page from now on: the workbench's own document
 * (with the focused element) and the webviews' frames (the host frame and the content frame).
 */
async function recordKeysInAllFrames(page: Page): Promise<void> {
  for (const f of page.frames()) {
    await f
      .evaluate((main) => {
        const w = window as unknown as { elAll?: string[] };
        w.elAll = [];
        if ((w as { elAllInstalled?: boolean }).elAllInstalled) return;
        (w as { elAllInstalled?: boolean }).elAllInstalled = true;
        document.addEventListener(
          'keydown',
          (e) => {
            const a = document.activeElement;
            w.elAll!.push(main ? `${e.key}@${a ? `${a.tagName}.${[...a.classList].slice(0, 2).join('.')}` : 'none'}` : e.key);
          },
          true,
        );
      }, f === page.mainFrame())
      .catch(() => undefined);
  }
}

/** The keys recorded since recordKeysInAllFrames: in the workbench, and in any webview frame. */
async function recordedKeys(page: Page): Promise<{ workbench: string[]; webview: string[] }> {
  const workbench: string[] = [];
  const webview: string[] = [];
  for (const f of page.frames()) {
    const keys = await f.evaluate(() => (window as unknown as { elAll?: string[] }).elAll ?? []).catch(() => [] as string[]);
    (f === page.mainFrame() ? workbench : webview).push(...keys);
  }
  return { workbench, webview };
}


/** What a typed-ahead flow ended with: the modal's text, the keys each frame got, the question's last value. */
interface Outcome {
  text: string;
  webview: string[];
  workbench: string[];
  lastValue: string | undefined;
  seen: string;
}

/** What the workbench's quick input shows now (title, value, message), or undefined if hidden. */
async function quickInputState(page: Page): Promise<{ title: string; value: string; message: string } | undefined> {
  return page.evaluate(() => {
    const w = document.querySelector('.quick-input-widget') as HTMLElement | null;
    if (!w || w.style.display === 'none') return undefined;
    const input = w.querySelector('input') as HTMLInputElement | null;
    return {
      title: (w.querySelector('.quick-input-title') as HTMLElement | null)?.innerText ?? '',
      value: input?.value ?? '',
      message: (w.querySelector('.quick-input-message') as HTMLElement | null)?.innerText ?? '',
    };
  });
}

/**
 * Every typed key reached the workbench's quick input (the flow), none the inspector webview:
 * the point of one quick-input session. The confirmation, when it is up, names exactly the typed
 * numbers. A key can still be lost inside the flow at this speed (the extension host's prefill of
 * the next question can land after the person's first key of it; docs/EXTENSION.md): the flow
 * then waits at that question, which is said as a diagnostic, not failed.
 */
function assertFlowGotTheKeys(
  typed: string,
  { text: dialog, webview, workbench, seen, lastValue }: Outcome,
  expected: RegExp,
  t: TestContext,
): void {
  assert.deepEqual(webview, [], `keys that went to the inspector webview instead of the flow: ${JSON.stringify(webview)}; ${seen}`);
  const want = [...typed].map((c) => (c === '\n' ? 'Enter' : c));
  // the palette's Enter, then every typed key, each with the quick input's text field focused
  assert.deepEqual(
    workbench.slice(1).map((k) => k.replace(/@.*/, '')),
    want,
    seen,
  );
  for (const k of workbench.slice(1)) assert.match(k, /@INPUT\.input/, `a key with the focus outside the quick input; ${seen}`);
  if (!dialog) {
    t.diagnostic(`no confirmation: a key was overwritten inside the flow (known limitation); ${seen}`);
    return;
  }
  if (expected.test(dialog)) return;
  // The same limitation leaving a valid number (ci157: "6536" for "65536"): the confirmation must
  // then name the number the question held, so the person sees it before confirming.
  const lostFrom = (answer: string, held: string): boolean => {
    let i = 0;
    for (const c of answer) if (c === held[i]) i++;
    return i === held.length && held.length < answer.length;
  };
  const held = lastValue ?? '';
  assert.ok(/^\d+$/.test(held) && typed.split('\n').some((a) => lostFrom(a, held)), `the confirmation is not the one expected: ${seen}`);
  assert.ok(dialog.includes(Number(held).toLocaleString('en-US')), `the confirmation does not name the number the question held: ${seen}`);
  t.diagnostic(`a key was overwritten inside the flow (known limitation), the confirmation names what was left; ${seen}`);
}

describe('multi-step quick inputs keep the focus (Chromium + code-server)', { skip }, () => {
  let runDir = '';
  let ws = '';
  // The demo file is on a reflink XFS: Clone Range there asks its questions at once (on a file
  // system that cannot share blocks it first says so and offers a copy, a modal, not a question).
  let xfs: TestFs | undefined;
  let server: CodeServer | undefined;
  let browser: Browser | undefined;
  const shots = path.join(REPO_ROOT, 'test-results', 'screenshots');

  before(async () => {
    fs.mkdirSync(shots, { recursive: true });
    runDir = fs.mkdtempSync('/tmp/el-vscode-focus-');
    xfs = makeFs('xfs');
    ws = path.join(xfs.mountPoint, 'demo');
    fs.mkdirSync(ws, { recursive: true });
    // 5 MiB, data at [0, 64 KiB) and [1 MiB, 1 MiB + 64 KiB), holes elsewhere.
    const fd = fs.openSync(path.join(ws, 'sparse.bin'), 'w');
    fs.writeSync(fd, Buffer.alloc(64 * KiB, 0xa5), 0, 64 * KiB, 0);
    fs.writeSync(fd, Buffer.alloc(64 * KiB, 0x5a), 0, 64 * KiB, MiB);
    fs.ftruncateSync(fd, 5 * MiB);
    fs.closeSync(fd);
    server = await startCodeServer(install as VsCodeInstall, {
      runDir: path.join(runDir, 'server'),
      userSettings: { 'workbench.editor.enablePreview': false, 'files.exclude': { '**/.*': true } },
    });
    browser = await launchBrowser();
    await openWorkbench(server, browser.page, ws, REPO_ROOT);
    await explorerRow(browser.page, 'sparse.bin', 1).waitFor({ timeout: 60_000 });
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    if (runDir) fs.rmSync(runDir, { recursive: true, force: true });
    xfs?.cleanup();
  });

  /**
   * With the inspector of sparse.bin open and the keyboard in its map, run `command` from the
   * palette (F1 pressed inside the webview), wait for the first question (`firstPrompt`), then
   * type `answers` ('\n' = Enter) one key every `keyMs` ms without waiting for anything.
   */
  async function typeAhead(command: string, firstPrompt: string, answers: string, keyMs: number): Promise<void> {
    const page = browser!.page;
    // A fresh window for every flow: whatever the previous flow left (a late confirmation makes
    // the whole workbench inert) cannot reach this one.
    await closeEverything(page);
    await openWorkbench(server!, page, ws, REPO_ROOT);
    await explorerRow(page, 'sparse.bin', 1).waitFor({ timeout: 60_000 });
    await sleep(1000);
    await runCommand(page, 'View: Close All Editor Groups');
    // On a loaded machine the palette opened here has been seen closing again at once (the
    // workbench still settling after the reload): the same steps again, not a longer wait.
    for (let attempt = 1; ; attempt++) {
      try {
        await quickOpen(page, 'sparse.bin');
        await runCommand(page, 'View: Reopen Editor With...');
        await pickQuickItem(page, 'Extent Lens Inspector');
        break;
      } catch (e) {
        if (attempt === 3) throw e;
        await page.screenshot({ path: path.join(shots, `vscode-typed-ahead-setup-retry-${attempt}.png`) });
        await closeEverything(page);
      }
    }
    const frame = await inspectorFrame(page, 'sparse.bin');
    await sleep(500);
    // The person works in the inspector: the map has the keyboard.
    await frame.locator('canvas.map').click();
    await sleep(300);
    // F1 from inside the webview (the webview forwards keybindings to the workbench).
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible', timeout: 30_000 });
    await input.fill(`>${command}`);
    await page.locator('.quick-input-list .monaco-list-row', { hasText: command.replace(/^Extent Lens: /, '') }).first().waitFor({ timeout: 10_000 });
    await recordKeysInAllFrames(page);
    await page.keyboard.press('Enter');
    await page.locator('.quick-input-widget', { hasText: firstPrompt }).waitFor({ state: 'visible', timeout: 30_000 });
    for (const ch of answers) {
      if (ch === '\n') await page.keyboard.press('Enter');
      else await page.keyboard.type(ch);
      if (keyMs > 0) await sleep(keyMs);
    }
  }

  /**
   * Escape until no modal dialog and no quick input is on screen (a flow's confirmation can come
   * up late on a loaded machine, after a fixed number of Escapes): the workbench is inert under
   * a modal, so the next test's palette would never open.
   */
  async function closeEverything(page: Page): Promise<void> {
    const open = page.locator('.monaco-dialog-box, .quick-input-widget:visible');
    const end = Date.now() + 20_000;
    do {
      await page.keyboard.press('Escape');
      await sleep(300);
    } while ((await open.count()) > 0 && Date.now() < end);
  }

  /** The modal's text once it is up (or '' after 20 s), what each frame received, then Escape. */
  async function outcome(shot: string): Promise<Outcome> {
    const page = browser!.page;
    const dialog = page.locator('.monaco-dialog-box');
    let text = '';
    try {
      await dialog.waitFor({ state: 'visible', timeout: 20_000 });
      text = await dialog.innerText();
    } catch {
      /* said by the caller's assertion, with what was on screen */
    }
    const { workbench, webview } = await recordedKeys(page);
    const state = await quickInputState(page);
    await page.screenshot({ path: path.join(shots, shot) });
    // Leave nothing open for the next test: cancel the modal or the flow (nothing is changed).
    await closeEverything(page);
    return { text, webview, workbench, lastValue: state?.value, seen: `workbench keys: ${JSON.stringify(workbench)}; quick input now: ${JSON.stringify(state)}; dialog: ${JSON.stringify(text)}` };
  }

  test('Punch Hole answered by typing ahead from the inspector: every key reaches the flow', { timeout: 240_000 }, async (t) => {
    const TYPED = `${64 * KiB}\n${64 * KiB}\n`;
    await typeAhead('Extent Lens: Punch Hole', 'Offset', TYPED, KEY_MS);
    assertFlowGotTheKeys(TYPED, await outcome('vscode-punch-hole-typed-ahead.png'), /Deallocate 64 KiB \(65,536 bytes\) of \S*sparse\.bin from offset 65,536\?/, t);
  });

  test('Clone Range answered by typing ahead from the inspector: every key reaches the flow', { timeout: 240_000 }, async (t) => {
    // The first question is on screen; from here on the person types every answer without
    // waiting for the next question to appear: one key every KEY_MS ms, Enter included.
    const TYPED = `${64 * KiB}\n\n${5 * MiB + 64 * KiB}\n${64 * KiB}\n`;
    await typeAhead('Extent Lens: Clone Range', 'Source offset', TYPED, KEY_MS);

    // Every key reached the flow (none the inspector), and the confirmation names exactly the
    // typed numbers.
    assertFlowGotTheKeys(TYPED, await outcome('vscode-clone-range-typed-ahead.png'), /Clone bytes 65,536.131,072 of .*sparse\.bin to bytes 5,308,416.5,373,952 of .*sparse\.bin, past its end\?/, t);
  });
});
