// extentLens.forgetSmbPassword: remove a stored SMB password from the keychain. Lists the
// user@host:port entries this extension stored (and those whose question was closed in this
// window); the next connection to that server asks again.
// Tests may pass the address (smb://user@host[:port]/share) to skip the pick.

import * as vscode from 'vscode';
import type { Services } from '../host/services';
import { COMMANDS } from '../host/logic/contributions';
import { parseShareAddress, passwordKey } from '../host/logic/smb-uri';
import { forgetSmbPassword, notEnteredPasswordKeys, storedPasswordKeys } from '../host/smb-secrets';

const t = vscode.l10n.t;
const PREFIX = 'extentLens.smb.';

export function registerForgetSmbPassword(s: Services): vscode.Disposable {
  return vscode.commands.registerCommand(COMMANDS.forgetSmbPassword, async (arg?: unknown): Promise<string | undefined> => {
    let key: string | undefined;
    if (typeof arg === 'string') {
      const a = parseShareAddress(arg, t);
      if (typeof a !== 'string') key = passwordKey(a);
    } else {
      // (a question closed in this window is forgotten too: the next request asks again)
      const keys = [...new Set([...storedPasswordKeys(s.context), ...notEnteredPasswordKeys()])].sort();
      if (keys.length === 0) {
        void vscode.window.showInformationMessage(t('No SMB password is stored.'));
        return undefined;
      }
      const picked = await vscode.window.showQuickPick(
        keys.map((k) => ({ label: k.startsWith(PREFIX) ? k.slice(PREFIX.length) : k, key: k })),
        { title: t('Forget SMB Password'), placeHolder: t('The user and server whose password to forget'), ignoreFocusOut: true },
      );
      key = picked?.key;
    }
    if (!key) return undefined;
    const stored = storedPasswordKeys(s.context).includes(key);
    await forgetSmbPassword(s.context, key);
    const who = key.startsWith(PREFIX) ? key.slice(PREFIX.length) : key;
    s.log.info(`forgot the SMB password for ${who}`);
    void vscode.window.showInformationMessage(
      stored
        ? t('The password for {0} was removed from the keychain.', who)
        : t('The password for {0} is asked for again on the next access.', who),
    );
    return who;
  });
}
