// Launch the Debian Chromium (/usr/bin/chromium) through playwright-core, headless, in a
// throwaway profile under /tmp/el-<area>-chromium-XXXX. No browser download: playwright-core only
// drives the system browser. The flags keep it quiet on a shared machine (no GPU, no
// background network, no component updates) and let it run as root (--no-sandbox).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

/** Debian's Chromium, or any build named by $CHROMIUM (scripts/setup.d/40-vscode.sh checks it). */
export const CHROMIUM_PATH = process.env.CHROMIUM ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Why Chromium cannot run here, or undefined. */
export function chromiumSkipReason(): string | undefined {
  if (!fs.existsSync(CHROMIUM_PATH)) return `${CHROMIUM_PATH} is missing (apt install chromium)`;
  return undefined;
}

export interface Chromium {
  context: BrowserContext;
  close(): Promise<void>;
}

/**
 * Chromium with a fresh profile. launchPersistentContext, because chromium.launch refuses a
 * --user-data-dir argument; HOME points into the profile so Chromium's crash-report and dconf
 * folders stay out of the real home.
 */
export async function launchChromium(area: string, opts: { width?: number; height?: number; deviceScaleFactor?: number } = {}): Promise<Chromium> {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), `el-${area}-chromium-`));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: CHROMIUM_ARGS,
      env: { ...process.env, HOME: profile } as Record<string, string>,
      viewport: { width: opts.width ?? 1200, height: opts.height ?? 900 },
      deviceScaleFactor: opts.deviceScaleFactor ?? 1,
    });
  } catch (e) {
    fs.rmSync(profile, { recursive: true, force: true });
    throw e;
  }
  return {
    context,
    async close() {
      try {
        await context.close();
      } finally {
        fs.rmSync(profile, { recursive: true, force: true });
      }
    },
  };
}

/**
 * Where a test saves a screenshot: docs/screenshots (the README shows those) only when
 * EL_UPDATE_SCREENSHOTS=1, otherwise test-results/screenshots, so an ordinary test run never
 * changes tracked files.
 */
export function screenshotPath(name: string): string {
  const root = path.resolve(__dirname, '..', '..');
  const dir = process.env.EL_UPDATE_SCREENSHOTS === '1' ? path.join(root, 'docs', 'screenshots') : path.join(root, 'test-results', 'screenshots');
  fs.mkdirSync(dir, { recursive: true });
  return path.join(dir, name);
}
