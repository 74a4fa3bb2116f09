// extentLens.openSmbShare: "Open SMB Share…". One quick-input session asks for
// smb://[DOMAIN;]user@host[:port]/share[/folder], then the password (skipped when the keychain
// holds one for user@host:port), then whether to add the share to this workspace or open it in
// a new window. It connects (negotiate, session setup, tree connect, a stat of the folder)
// before anything changes; a failure is one sentence with the NT status and a Retry that keeps
// what was typed (asking the password again only when the server refused it).
//
// Tests and other extensions may pass { address, password?, where? } to skip the questions;
// the command then returns { uri, dialect } or { error, code } instead of asking to retry.

import * as vscode from 'vscode';
import type { Services } from '../host/services';
import { COMMANDS } from '../host/logic/contributions';
import { errorFacts, errorLogLine } from '../host/logic/errors';
import { openShareFailure } from '../host/logic/smb-errors';
import { enginePathOf, folderUriParts, parseShareAddress, passwordKey, type ShareAddress } from '../host/logic/smb-uri';
import { InputFlow } from '../host/multi-step-input';
import { dropPassword, hasStoredPassword, keepPassword, offerPassword } from '../host/smb-secrets';

const t = vscode.l10n.t;
const LAST_ADDRESS = 'extentLens.smb.lastAddress';

type Where = 'workspace' | 'window';

export interface OpenSmbShareArgs {
  address: string;
  password?: string;
  where?: Where;
}

export type OpenSmbShareResult = { uri: string; dialect: string } | { error: string; code: string };

function argsOf(v: unknown): OpenSmbShareArgs | undefined {
  const o = v as Partial<OpenSmbShareArgs> | undefined;
  if (typeof o !== 'object' || o === null || typeof o.address !== 'string') return undefined;
  return {
    address: o.address,
    password: typeof o.password === 'string' ? o.password : undefined,
    where: o.where === 'window' ? 'window' : 'workspace',
  };
}

/** Ask the three questions; undefined when the person cancelled. */
async function ask(
  s: Services,
  typed: { address: string; password?: string },
  askPassword: boolean,
): Promise<{ address: string; password?: string; where: Where } | undefined> {
  const flow = new InputFlow(t('Open SMB Share'), 3);
  let { address, password } = typed;
  let where: Where = 'workspace';
  try {
    const ok = await flow.run([
      async () => {
        address = await flow.input({
          step: 1,
          prompt: t('The share to open: smb://[DOMAIN;]user@host[:port]/share[/folder]'),
          placeholder: 'smb://alice@nas.local/projects',
          value: address,
          validate: (v) => {
            const a = parseShareAddress(v, t);
            return typeof a === 'string' ? a : undefined;
          },
        });
      },
      async () => {
        const a = parseShareAddress(address, t) as ShareAddress;
        if (!askPassword && (password !== undefined || (await hasStoredPassword(s.context, passwordKey(a))))) return;
        password = await flow.input({
          step: 2,
          prompt: t('Password for {0} on {1} (kept in the system keychain)', a.user, a.host),
          value: '',
          password: true,
        });
      },
      async () => {
        const items: Array<vscode.QuickPickItem & { where: Where }> = [
          { label: t('Add to Workspace'), detail: t('The share becomes a folder of this window.'), where: 'workspace' },
          { label: t('Open in New Window'), detail: t('A new window with the share as its folder.'), where: 'window' },
        ];
        where = (await flow.pick({ step: 3, items, placeholder: t('Where to open the share') })).where;
      },
    ]);
    return ok ? { address, password, where } : undefined;
  } finally {
    flow.dispose();
  }
}

async function show(a: ShareAddress, where: Where): Promise<vscode.Uri> {
  const uri = vscode.Uri.from(folderUriParts(a));
  const name = t('{0} on {1}', a.folder ? a.folder.split('/').pop()! : a.share, a.host);
  if (where === 'window') {
    await vscode.commands.executeCommand('vscode.openFolder', uri, { forceNewWindow: true });
    return uri;
  }
  const folders = vscode.workspace.workspaceFolders ?? [];
  if (folders.length === 0) {
    // An empty window: the share becomes its folder (adding a first folder restarts the extension host anyway).
    await vscode.commands.executeCommand('vscode.openFolder', uri, { forceReuseWindow: true });
    return uri;
  }
  if (!folders.some((f) => f.uri.toString() === uri.toString())) {
    const added = new Promise<void>((resolve) => {
      const sub = vscode.workspace.onDidChangeWorkspaceFolders(() => (sub.dispose(), resolve()));
    });
    if (!vscode.workspace.updateWorkspaceFolders(folders.length, 0, { uri, name })) {
      throw new Error(t('VS Code did not add {0} to the workspace.', uri.toString()));
    }
    await added;
  }
  await vscode.commands.executeCommand('workbench.view.explorer');
  return uri;
}

export function registerOpenSmbShare(s: Services): vscode.Disposable {
  return vscode.commands.registerCommand(COMMANDS.openSmbShare, async (arg?: unknown): Promise<OpenSmbShareResult | undefined> => {
    const given = argsOf(arg);
    let typed: { address: string; password?: string } = {
      address: given?.address ?? s.context.globalState.get<string>(LAST_ADDRESS) ?? '',
      password: given?.password,
    };
    let askPassword = false;
    for (;;) {
      const answer = given ? { ...typed, where: given.where ?? 'workspace' } : await ask(s, typed, askPassword);
      if (!answer) return undefined;
      typed = { address: answer.address, password: answer.password };
      const a = parseShareAddress(answer.address, t);
      if (typeof a === 'string') {
        void vscode.window.showErrorMessage(a);
        return { error: a, code: 'E_BAD_INPUT' };
      }
      await s.context.globalState.update(LAST_ADDRESS, answer.address.trim());
      const key = passwordKey(a);
      if (answer.password !== undefined) offerPassword(key, answer.password);
      const enginePath = enginePathOf(folderUriParts(a));
      try {
        const info = await vscode.window.withProgress(
          { location: vscode.ProgressLocation.Notification, title: t('Connecting to {0}…', `${a.host}/${a.share}`) },
          async () => (await s.smbFiles()).connect(enginePath),
        );
        if (info.stat.kind !== 'directory') {
          dropPassword(key);
          const sentence = t('{0} is a file, not a folder (STATUS_NOT_A_DIRECTORY); open the folder that holds it.', enginePath);
          void vscode.window.showErrorMessage(sentence);
          return { error: sentence, code: 'STATUS_NOT_A_DIRECTORY' };
        }
        await keepPassword(s.context, key);
        s.log.info(`opened ${enginePath} (${info.dialect}${info.encrypted ? ', encrypted' : info.signed ? ', signed' : ''})`);
        const uri = await show(a, answer.where);
        return { uri: uri.toString(), dialect: info.dialect };
      } catch (e) {
        dropPassword(key);
        const f = errorFacts(e);
        const failure = openShareFailure(f.code, f.message, a, t);
        s.log.error(errorLogLine('open share', e));
        if (given) {
          void vscode.window.showErrorMessage(failure.sentence);
          return { error: failure.sentence, code: f.code };
        }
        const retry = t('Retry');
        if ((await vscode.window.showErrorMessage(failure.sentence, retry)) !== retry) return undefined;
        askPassword = failure.askPassword;
        if (askPassword) typed.password = undefined;
      }
    }
  });
}
