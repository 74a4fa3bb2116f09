// SMB passwords for smb:// paths live in VS Code's SecretStorage (the OS keychain), never in
// settings or logs, one per user@host:port. The engine asks the provider installed here. A
// password typed into "Open SMB Share…" is offered first (offerPassword) and kept only once the
// server accepted it and the share is opened (keepPassword); otherwise the first access asks, and
// remembers what it was given once the server accepted it (the pool's logon verdict).
// SecretStorage cannot list its keys, so the keys stored are also listed in globalState (for
// "Forget SMB Password").

import * as vscode from 'vscode';
import type { SmbTargetInfo } from '../engine';
import { COMMANDS } from './logic/contributions';
import { accountName, passwordKey, uriHostPort } from './logic/smb-uri';

let installed = false;
/** Passwords typed into "Open SMB Share…" and not yet accepted by the server. */
const offered = new Map<string, string>();
/**
 * Passwords typed when a request asked (a reload, a forgotten password), until the server says:
 * accepted, they go to the keychain; refused, they are dropped and the next request asks again.
 * (Stored at once, a mistyped one was used for every request until Forget SMB Password.)
 */
const typed = new Map<string, string>();
const INDEX = 'extentLens.smb.storedPasswordKeys';
/**
 * The password questions on screen, by key. A window whose folders are several shares of one
 * server connects to them at once after a reload: each asked, the second input box closed the
 * first (its folder failed with "No password"), and the answer to one left the other asking.
 * Requests that need a password being asked for now wait for that one answer.
 */
const asking = new Map<string, Promise<string | undefined>>();

/**
 * The keys whose password question was closed (Escape) in this window, with the request that
 * asked. VS Code's Explorer lists a folder again at once when it fails, so the question came
 * straight back and could not be closed. Until "Enter SMB Password..." (enterSmbPassword) or
 * "Forget SMB Password", requests for these keys get no password without asking, and the smb:
 * provider's error says how to connect (passwordNotEntered).
 */
const notEntered = new Map<string, SmbTargetInfo>();

/** The pool's password provider: the password just typed, then the keychain, then one question per key at a time. */
export function smbPasswordAsker(context: vscode.ExtensionContext): (req: SmbTargetInfo) => Promise<string | undefined> {
  return async (req) => {
    const key = passwordKey(req);
    const fresh = offered.get(key) ?? typed.get(key);
    if (fresh !== undefined) return fresh;
    const stored = await context.secrets.get(key);
    if (stored !== undefined) return stored;
    if (notEntered.has(key)) return undefined;
    const entered = await askPassword(key, req);
    // (the requests that waited on the same question come here too: one notification)
    if (entered === undefined && !notEntered.has(key)) {
      notEntered.set(key, req);
      offerToEnterPassword(req);
    }
    return entered;
  };
}

/** The one password question for `key` on screen: a request asking while it is shown waits for its answer. */
async function askPassword(key: string, req: SmbTargetInfo): Promise<string | undefined> {
  const pending = asking.get(key);
  if (pending) return pending;
  const question = (async () => {
    const entered = await vscode.window.showInputBox({
      title: vscode.l10n.t('SMB password'),
      prompt: vscode.l10n.t('Password for {0} on {1} (kept in the system keychain).', accountName(req), req.host),
      password: true,
      ignoreFocusOut: true,
    });
    if (entered !== undefined) typed.set(key, entered);
    return entered;
  })();
  asking.set(key, question);
  try {
    return await question;
  } finally {
    asking.delete(key);
  }
}

/** Once per question closed: the requests that follow fail without a word on screen. */
function offerToEnterPassword(req: SmbTargetInfo): void {
  const enter = vscode.l10n.t('Enter Password...');
  void vscode.window
    .showWarningMessage(
      vscode.l10n.t(
        'The password for {0} on {1} was not entered: its shares there stay unconnected in this window until you enter it.',
        accountName(req),
        uriHostPort(req),
      ),
      enter,
    )
    .then((picked) => {
      if (picked === enter) void vscode.commands.executeCommand(COMMANDS.enterSmbPassword);
    });
}

/**
 * "Enter SMB Password...": the question for `req` asked now, even where the keychain holds a
 * password. The answer is offered (offerPassword) until the command has heard the server:
 * keepPassword or dropPassword. Not left with the typed ones, which the first refusal drops: in
 * code-server the Explorer's watch reconnected first, was refused a wrong answer, and the
 * command's own listing then connected with the keychain's and said the answer was accepted.
 * Answered, requests for its key no longer fail for a question closed before.
 */
export async function enterSmbPassword(req: SmbTargetInfo): Promise<string | undefined> {
  const key = passwordKey(req);
  const entered = await askPassword(key, req);
  if (entered !== undefined) {
    typed.delete(key);
    offerPassword(key, entered);
  }
  return entered;
}

/** Whether the password question for `key` was closed in this window (and not answered since). */
export function passwordNotEntered(key: string): boolean {
  return notEntered.has(key);
}

/** The keys whose question was closed in this window ("Forget SMB Password" lists them too). */
export function notEnteredPasswordKeys(): string[] {
  return [...notEntered.keys()].sort();
}

export async function installSmbPasswordProvider(context: vscode.ExtensionContext, log: vscode.LogOutputChannel): Promise<void> {
  if (installed) return;
  installed = true;
  try {
    const { configureSmbPasswords } = await import('../engine');
    await configureSmbPasswords(smbPasswordAsker(context), async (req, accepted) => {
      const key = passwordKey(req);
      const entered = typed.get(key);
      if (entered === undefined) return;
      try {
        if (accepted) await storePassword(context, key, entered);
      } catch (e) {
        log.warn(`SMB password not kept: ${e instanceof Error ? e.message : String(e)}`);
      } finally {
        typed.delete(key);
      }
    });
  } catch (e) {
    installed = false;
    log.debug(`SMB module not available: ${e instanceof Error ? e.message : String(e)}`);
    return;
  }
  log.info('SMB passwords: provided from SecretStorage');
}

async function storePassword(context: vscode.ExtensionContext, key: string, password: string): Promise<void> {
  await context.secrets.store(key, password);
  const keys = storedPasswordKeys(context);
  if (!keys.includes(key)) await context.globalState.update(INDEX, [...keys, key].sort());
}

/**
 * Use `password` for `key` until keepPassword or dropPassword (a connection attempt with a typed
 * password). Typed in "Open SMB Share...", it answers a question closed before for that key, as
 * "Enter SMB Password..." does: the share would otherwise stay refused with the password given.
 */
export function offerPassword(key: string, password: string): void {
  offered.set(key, password);
  notEntered.delete(key);
}

/** The server accepted the offered password: keep it in the keychain. */
export async function keepPassword(context: vscode.ExtensionContext, key: string): Promise<void> {
  const pw = offered.get(key);
  offered.delete(key);
  if (pw !== undefined) await storePassword(context, key, pw);
}

export function dropPassword(key: string): void {
  offered.delete(key);
}

export async function hasStoredPassword(context: vscode.ExtensionContext, key: string): Promise<boolean> {
  return (await context.secrets.get(key)) !== undefined;
}

/** The keys of stored SMB passwords ('extentLens.smb.user@host:445'). */
export function storedPasswordKeys(context: vscode.ExtensionContext): string[] {
  const v = context.globalState.get<unknown>(INDEX);
  return Array.isArray(v) ? v.filter((k): k is string => typeof k === 'string') : [];
}

/** Forget a stored SMB password; the next request asks again, even after a question closed. */
export async function forgetSmbPassword(context: vscode.ExtensionContext, key: string): Promise<void> {
  offered.delete(key);
  typed.delete(key);
  notEntered.delete(key);
  await context.secrets.delete(key);
  await context.globalState.update(
    INDEX,
    storedPasswordKeys(context).filter((k) => k !== key),
  );
}

/** Close pooled SMB connections on deactivation; loads nothing if the engine was never loaded. */
export async function closeSmbConnectionsIfUsed(): Promise<void> {
  if (!installed) return;
  const { closeSmbConnections } = await import('../engine');
  await closeSmbConnections();
}
