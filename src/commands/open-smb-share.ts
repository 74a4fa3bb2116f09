// extentLens.openSmbShare: "Open SMB Share…". One quick-input session asks for
// smb://[DOMAIN;]user@host[:port]/share[/folder], then the password (skipped when the keychain
// holds one for user@host:port), then connects (negotiate, session setup, tree connect, a stat
// of the folder) with the input busy, before asking whether to add the share to this workspace
// or open it in a new window. A refusal is one sentence with the NT status shown in the input
// of the step to change (the password for STATUS_LOGON_FAILURE, the address for the rest),
// with what was typed kept; nothing changes in the window until the connection works. A typed
// password goes to the keychain only once the share is opened (Escape at the last question keeps
// none, as nothing was opened).
//
// Tests and other extensions may pass { address, password?, where? } to skip the questions;
// the command then returns { uri, dialect } or { error, code } instead of asking again.

import * as vscode from 'vscode';
import type { Services } from '../host/services';
import { COMMANDS } from '../host/logic/contributions';
import { errorFacts, errorLogLine } from '../host/logic/errors';
import { openShareFailure, type OpenFailure } from '../host/logic/smb-errors';
import { accountName, enginePathOf, folderUriParts, parseShareAddress, passwordKey, type ShareAddress } from '../host/logic/smb-uri';
import { FlowBack, InputFlow } from '../host/multi-step-input';
import { dropPassword, hasStoredPassword, keepPassword, offerPassword } from '../host/smb-secrets';

const t = vscode.l10n.t;
const LAST_ADDRESS = 'extentLens.smb.lastAddress';

type Where = 'workspace' | 'window';

interface OpenSmbShareArgs {
  address: string;
  password?: string;
  where?: Where;
}

type OpenSmbShareResult = { uri: string; dialect: string } | { error: string; code: string };

function argsOf(v: unknown): OpenSmbShareArgs | undefined {
  const o = v as Partial<OpenSmbShareArgs> | undefined;
  if (typeof o !== 'object' || o === null || typeof o.address !== 'string') return undefined;
  return {
    address: o.address,
    password: typeof o.password === 'string' ? o.password : undefined,
    where: o.where === 'window' ? 'window' : 'workspace',
  };
}

interface Connected {
  a: ShareAddress;
  dialect: string;
}
interface Refused {
  failure: OpenFailure;
  code: string;
}

/**
 * Connect to the share and stat its folder. A typed password is used until the caller keeps it
 * (keepPassword, once the share is opened) or drops it; refused, it is dropped here. A typed one
 * logs on anew (logOnAnew), also where this user's shares on the server are
 * connected: the pooled session took a wrong password, or the old one after a change on the
 * server, in silence (and kept it), and a right new one was first used at some later reconnection.
 */
async function connectShare(s: Services, a: ShareAddress, password: string | undefined): Promise<Connected | Refused> {
  const key = passwordKey(a);
  if (password !== undefined) offerPassword(key, password);
  const enginePath = enginePathOf(folderUriParts(a));
  try {
    const info = await (await s.smbFiles()).connect(enginePath, { logOnAnew: password !== undefined });
    if (info.stat.kind !== 'directory') {
      dropPassword(key);
      const sentence = t('{0} is a file, not a folder (STATUS_NOT_A_DIRECTORY); open the folder that holds it.', enginePath);
      return { failure: { sentence, askPassword: false }, code: 'STATUS_NOT_A_DIRECTORY' };
    }
    s.log.info(`opened ${enginePath} (${info.dialect}${info.encrypted ? ', encrypted' : info.signed ? ', signed' : ''})`);
    return { a, dialect: info.dialect };
  } catch (e) {
    dropPassword(key);
    const f = errorFacts(e);
    s.log.error(errorLogLine('open share', e));
    return { failure: openShareFailure(f.code, f.message, a, t), code: f.code };
  }
}

/** Ask the address and password, connect, then ask where; undefined when the person cancelled. */
async function ask(s: Services, initialAddress: string): Promise<{ connected: Connected; where: Where } | undefined> {
  const flow = new InputFlow(t('Open SMB Share'), 3);
  let address = initialAddress;
  let password: string | undefined;
  let addressError: string | undefined;
  let passwordError: string | undefined;
  let connected: Connected | undefined;
  /** Accounts a typed password connected in this flow (Back can lead to another address). */
  const tried = new Set<string>();
  let where: Where = 'workspace';
  try {
    const ok = await flow.run([
      async () => {
        address = await flow.input({
          step: 1,
          prompt: t('The share to open: smb://[DOMAIN;]user@host[:port]/share[/folder]'),
          placeholder: 'smb://alice@nas.local/projects',
          value: address,
          error: addressError,
          validate: (v) => {
            const a = parseShareAddress(v, t);
            return typeof a === 'string' ? a : undefined;
          },
        });
        addressError = undefined;
        await s.context.globalState.update(LAST_ADDRESS, address.trim());
      },
      async () => {
        const a = parseShareAddress(address, t) as ShareAddress;
        for (;;) {
          if (passwordError !== undefined || (password === undefined && !(await hasStoredPassword(s.context, passwordKey(a))))) {
            password = await flow.input({
              step: 2,
              prompt: t('Password for {0} on {1} (kept in the system keychain)', accountName(a), a.host),
              value: '',
              password: true,
              error: passwordError,
            });
            passwordError = undefined;
          }
          flow.working(t('Connecting to {0}…', `${a.host}/${a.share}`));
          const r = await connectShare(s, a, password);
          if ('dialect' in r) {
            connected = r;
            tried.add(passwordKey(a));
            return;
          }
          if (r.failure.askPassword) {
            passwordError = r.failure.sentence;
            password = undefined;
            continue;
          }
          // a wrong host, port, share or folder: back to the address, as typed
          addressError = r.failure.sentence;
          throw new FlowBack();
        }
      },
      async () => {
        const items: Array<vscode.QuickPickItem & { where: Where }> = [
          { label: t('Add to Workspace'), detail: t('The share becomes a folder of this window.'), where: 'workspace' },
          { label: t('Open in New Window'), detail: t('A new window with the share as its folder.'), where: 'window' },
        ];
        where = (await flow.pick({ step: 3, items, placeholder: t('Where to open the share') })).where;
      },
    ]);
    const opened = ok && connected ? passwordKey(connected.a) : undefined;
    // A typed password the server took is kept only for the share opened: cancelled (Escape at
    // "Where to open the share"), nothing was opened, so nothing is kept (a trial found it in the
    // keychain all the same); an address left by Back keeps none either.
    for (const key of tried) if (key !== opened) dropPassword(key);
    return ok && connected ? { connected, where } : undefined;
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
    let answer: { connected: Connected; where: Where } | undefined;
    if (!given) {
      answer = await ask(s, s.context.globalState.get<string>(LAST_ADDRESS) ?? '');
      if (!answer) return undefined;
    } else {
      const a = parseShareAddress(given.address, t);
      if (typeof a === 'string') {
        void vscode.window.showErrorMessage(a);
        return { error: a, code: 'E_BAD_INPUT' };
      }
      await s.context.globalState.update(LAST_ADDRESS, given.address.trim());
      const r = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: t('Connecting to {0}…', `${a.host}/${a.share}`) },
        () => connectShare(s, a, given.password),
      );
      if (!('dialect' in r)) {
        void vscode.window.showErrorMessage(r.failure.sentence);
        return { error: r.failure.sentence, code: r.code };
      }
      answer = { connected: r, where: given.where ?? 'workspace' };
    }
    // (before a new window opens: its extension host reads the password from the keychain)
    await keepPassword(s.context, passwordKey(answer.connected.a));
    try {
      const uri = await show(answer.connected.a, answer.where);
      return { uri: uri.toString(), dialect: answer.connected.dialect };
    } catch (e) {
      const f = errorFacts(e);
      s.log.error(errorLogLine('open share', e));
      void vscode.window.showErrorMessage(f.message);
      return { error: f.message, code: f.code };
    }
  });
}
