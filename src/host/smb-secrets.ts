// SMB passwords for smb:// paths live in VS Code's SecretStorage (the OS keychain), never in
// settings. The engine asks the provider installed here; the first time for a given
// user@host it prompts, then remembers.

import * as vscode from 'vscode';

let installed = false;

export async function installSmbPasswordProvider(context: vscode.ExtensionContext, log: vscode.LogOutputChannel): Promise<void> {
  if (installed) return;
  installed = true;
  try {
    const { configureSmbPasswords } = await import('../engine');
    await configureSmbPasswords(async (req) => {
      const key = `extentLens.smb.${(req.domain ? req.domain + '\\' : '') + req.user}@${req.host}${req.port ? ':' + req.port : ''}`;
      const stored = await context.secrets.get(key);
      if (stored !== undefined) return stored;
      const entered = await vscode.window.showInputBox({
        title: vscode.l10n.t('SMB password'),
        prompt: vscode.l10n.t('Password for {0} on {1} (kept in the system keychain).', req.user, req.host),
        password: true,
        ignoreFocusOut: true,
      });
      if (entered === undefined) return undefined;
      await context.secrets.store(key, entered);
      return entered;
    });
  } catch (e) {
    log.debug(`SMB module not available: ${e instanceof Error ? e.message : String(e)}`);
    return;
  }
  log.info('SMB passwords: provided from SecretStorage');
}

/** Forget every stored SMB password (used after an authentication failure). */
export async function forgetSmbPassword(context: vscode.ExtensionContext, key: string): Promise<void> {
  await context.secrets.delete(key);
}

/** Close pooled SMB connections on deactivation; loads nothing if the engine was never loaded. */
export async function closeSmbConnectionsIfUsed(): Promise<void> {
  if (!installed) return;
  const { closeSmbConnections } = await import('../engine');
  await closeSmbConnections();
}
