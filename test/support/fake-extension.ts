// Extent Lens in plain node with the stand-in `vscode` (fake-vscode.ts): the set-up the host-side
// tests share. `activate()` installs the stand-in and activates src/extension.ts with a fake
// ExtensionContext; `install()` alone suits a test that loads one module under the stand-in;
// `close()` (in after()) closes the panels still open, deactivates and removes the stand-in.
//
//   const host = new FakeExtension();
//   const { fake, state, exec } = host;
//   before(() => host.activate());
//   after(() => host.close());

import * as path from 'node:path';
import { fakeContext, installFakeVscode, makeFakeVscode } from './fake-vscode';

/** The repository: the extension's root (package.json, media/, dist/). */
export const ROOT = path.resolve(__dirname, '..', '..');

interface ExtensionModule<Api> {
  activate(context: unknown): Api;
  deactivate(): Promise<void>;
}

export class FakeExtension<Api = unknown> {
  readonly fake = makeFakeVscode();
  /** What the stand-in recorded: log lines, messages shown, panels, ... */
  readonly state = this.fake.state;
  /** The ExtensionContext `activate()` passes (its subscriptions, secrets, globalState). */
  readonly context = fakeContext(ROOT);
  /** Run a command as VS Code would: its registered handler, with these arguments. */
  readonly exec = (id: string, ...args: unknown[]): Promise<unknown> =>
    this.fake.vscode.commands.executeCommand(id, ...args) as Promise<unknown>;
  /** Whether the extension's log has a line matching `re`. */
  readonly logged = (re: RegExp): boolean => this.state.log.some((l) => re.test(l.text));
  private undo: (() => void) | undefined;
  private extension: ExtensionModule<Api> | undefined;

  /** Make `require('vscode')` give the stand-in (once; `close()` undoes it). */
  install(): void {
    this.undo ??= installFakeVscode(this.fake.vscode);
  }

  /** Install the stand-in and activate the extension from src/; returns what activate returns. */
  activate(): Api {
    this.install();
    this.extension = require('../../src/extension') as ExtensionModule<Api>;
    return this.extension.activate(this.context);
  }

  async close(): Promise<void> {
    for (const p of this.state.panels) p.dispose();
    await this.extension?.deactivate();
    this.undo?.();
    this.undo = undefined;
  }
}
