// extentLens.enterSmbPassword: ask for the password of a share in this workspace now, and
// connect with it at once (its connections to that server are made again, so the server says
// now whether it takes the password, and the answer says so). A closed password question
// (Escape, after a reload) is remembered for the window (host/smb-secrets.ts): the Explorer's
// folder then fails at once and names this command.
// The shares are grouped by user and server (one password serves them all); with several
// groups a pick asks which, the ones still without a password first. The answer lists the
// group's folders, then the Explorer lists its folders again (its failed roots included).
// Tests may pass the folder's smb: Uri (as a string) to skip the pick.

import * as vscode from 'vscode';
import type { Services } from '../host/services';
import { COMMANDS } from '../host/logic/contributions';
import { accountName, passwordKey, shareAddressOfUri, uriHostPort, type ShareAddress } from '../host/logic/smb-uri';
import { dropPassword, enterSmbPassword, keepPassword, passwordNotEntered } from '../host/smb-secrets';

const t = vscode.l10n.t;

interface Account {
  key: string;
  address: ShareAddress;
  folders: vscode.WorkspaceFolder[];
}

/** The workspace's smb: folders by user@host:port, those whose question was closed first. */
function workspaceAccounts(): Account[] {
  const byKey = new Map<string, Account>();
  for (const folder of vscode.workspace.workspaceFolders ?? []) {
    const address = folder.uri.scheme === 'smb' ? shareAddressOfUri(folder.uri) : undefined;
    if (!address) continue;
    const key = passwordKey(address);
    const known = byKey.get(key);
    if (known) known.folders.push(folder);
    else byKey.set(key, { key, address, folders: [folder] });
  }
  return [...byKey.values()].sort((a, b) => Number(passwordNotEntered(b.key)) - Number(passwordNotEntered(a.key)));
}

async function pickAccount(accounts: Account[], arg: unknown): Promise<Account | undefined> {
  if (typeof arg === 'string') return accounts.find((a) => a.folders.some((f) => f.uri.toString() === vscode.Uri.parse(arg).toString()));
  if (accounts.length <= 1) return accounts[0];
  const picked = await vscode.window.showQuickPick(
    accounts.map((account) => ({
      label: t('{0} on {1}', accountName(account.address), uriHostPort(account.address)),
      description: account.folders.map((f) => f.name).join(', '),
      detail: passwordNotEntered(account.key) ? t('Not connected: the password was not entered in this window') : undefined,
      account,
    })),
    { title: t('Enter SMB Password'), placeHolder: t('The user and server whose password to enter'), ignoreFocusOut: true },
  );
  return picked?.account;
}

export function registerEnterSmbPassword(s: Services): vscode.Disposable {
  return vscode.commands.registerCommand(COMMANDS.enterSmbPassword, async (arg?: unknown): Promise<string | undefined> => {
    const accounts = workspaceAccounts();
    if (accounts.length === 0) {
      void vscode.window.showInformationMessage(
        t('No folder of this workspace is an SMB share; open one with "Extent Lens: Open SMB Share...".'),
      );
      return undefined;
    }
    const account = await pickAccount(accounts, arg);
    if (!account) return undefined;
    const { address } = account;
    const entered = await enterSmbPassword({
      user: address.user,
      domain: address.domain,
      host: address.host,
      port: address.port,
      share: address.share,
    });
    if (entered === undefined) return undefined;
    try {
      // Used at once, not at some later reconnection: a share already connected kept its
      // session, so a wrong password was taken in silence and refused only later (a trial).
      // Its connections to this server close, and the listings below log on with the answer
      // (offered to every request until then; kept in the keychain once the server accepted it).
      const { reconnectSmbAccount } = await import('../engine');
      await reconnectSmbAccount({ user: address.user, domain: address.domain, host: address.host, port: address.port });
      for (const folder of account.folders) await vscode.workspace.fs.readDirectory(folder.uri);
      await keepPassword(s.context, account.key);
    } catch (e) {
      dropPassword(account.key);
      const message = e instanceof Error ? e.message : String(e);
      s.log.warn(`Enter SMB Password, ${accountName(address)}@${uriHostPort(address)}: ${message}`);
      void vscode.window.showErrorMessage(message);
      return undefined;
    } finally {
      // (a refused password is dropped: the Explorer's listing asks again)
      await vscode.commands.executeCommand('workbench.files.action.refreshFilesExplorer').then(undefined, () => undefined);
    }
    s.log.info(`connected to ${account.folders.map((f) => f.uri.toString()).join(', ')} with the password entered`);
    void vscode.window.showInformationMessage(
      t(
        'The server {0} accepted the password for {1}: connected to {2} with it.',
        uriHostPort(address),
        accountName(address),
        account.folders.map((f) => f.name).join(', '),
      ),
    );
    return account.key;
  });
}
