// VS Code glue shared by the commands: trust, file pickers, progress with cancel, errors,
// the "destination exists" question and the "copy instead" offer.

import * as vscode from 'vscode';
import * as fs from 'node:fs/promises';
import type { OperationReport, Progress } from '../engine';
import { errorFacts, errorLogLine, inVsCodeWords } from './logic/errors';
import { existingDetail, type AskAnswer } from './logic/existing-policy';
import { ProgressTracker } from './logic/progress';
import { reportLogLine } from './logic/report-log';
import { enginePathOfUri, pathsFromArgs } from './logic/clone-selection';
import { uriPartsOf } from './logic/smb-uri';
import { activeInspectedPath } from './active-inspector';
import type { Services } from './services';
import { shownName, shownPath, shownText } from './logic/shown';
import { withHumanSizes } from '../protocol/format';

const t = vscode.l10n.t;

/** Refuse a mutating command in restricted mode (the menus hide it; this stops direct calls). */
export function requireTrust(s: Services, what: string): boolean {
  if (vscode.workspace.isTrusted) return true;
  s.log.warn(`${what} refused: the workspace is not trusted (restricted mode)`);
  const manage = t('Manage Workspace Trust');
  void vscode.window
    .showErrorMessage(t('{0} changes files, so it needs a trusted workspace. Trust this workspace to use it.', what), manage)
    .then((c) => c === manage && vscode.commands.executeCommand('workbench.trust.manage'));
  return false;
}

/** A setting's value cannot be used: say which and why, with Open Settings on that setting. */
export function showSettingError(message: string, setting: string): void {
  const open = t('Open Settings');
  void vscode.window
    .showErrorMessage(message, open)
    .then((c) => c === open && vscode.commands.executeCommand('workbench.action.openSettings', setting));
}

/** The file a command acts on: its argument, else the active editor's file, else a dialog. */
export async function pickFile(arg: unknown, title: string, opts: { useActiveEditor?: boolean } = {}): Promise<string | undefined> {
  const fromArg = pathsFromArgs(arg, undefined)[0];
  if (fromArg) return fromArg;
  if (opts.useActiveEditor !== false) {
    const active = activeFileUri();
    if (active) return enginePathOfUri(active);
  }
  const picked = await vscode.window.showOpenDialog({
    title,
    canSelectFiles: true,
    canSelectFolders: false,
    canSelectMany: false,
    openLabel: t('Select'),
  });
  return picked?.[0] && enginePathOfUri(picked[0]);
}

export async function pickFiles(title: string): Promise<string[]> {
  const picked = await vscode.window.showOpenDialog({
    title,
    canSelectFiles: true,
    canSelectFolders: false,
    canSelectMany: true,
    openLabel: t('Select'),
  });
  return (picked ?? []).flatMap((u) => enginePathOfUri(u) ?? []);
}

export async function pickFolder(arg: unknown, title: string): Promise<string | undefined> {
  const fromArg = pathsFromArgs(arg, undefined)[0];
  if (fromArg) return fromArg;
  const picked = await vscode.window.showOpenDialog({
    title,
    canSelectFiles: false,
    canSelectFolders: true,
    canSelectMany: false,
    openLabel: t('Select Folder'),
  });
  return picked?.[0] && enginePathOfUri(picked[0]);
}

/** The file shown in the active editor, text or custom (the inspector itself included): local or on a share. */
export function activeFileUri(): vscode.Uri | undefined {
  const usable = (u: vscode.Uri | undefined) => u !== undefined && enginePathOfUri(u) !== undefined;
  const editorUri = vscode.window.activeTextEditor?.document.uri;
  if (usable(editorUri)) return editorUri;
  const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
  if (input instanceof vscode.TabInputCustom || input instanceof vscode.TabInputText) {
    if (usable(input.uri)) return input.uri;
  }
  const inspected = activeInspectedPath();
  return inspected === undefined ? undefined : uriOfPath(inspected);
}

/** The exact size of a file on this computer or a share (VS Code's FileStat.size is a number). */
export async function fileSize(s: Services, p: string): Promise<bigint> {
  if (uriPartsOf(p)) return (await (await s.smbFiles()).stat(p)).size;
  return (await fs.stat(p, { bigint: true })).size;
}

/**
 * The size of a file the command will ask offsets in, refusing up front what is not a regular
 * file (a FIFO, a device, a folder) with the engine's E_NOT_REGULAR sentence, as Inspect and Dig
 * Holes refuse it: otherwise the offset question could never be answered ("the file is 0 bytes").
 * A share's path is its size only (the server refuses what is not a file when it is opened).
 */
export async function regularFileSize(s: Services, p: string, operation: 'punch' | 'clone-range'): Promise<bigint> {
  if (uriPartsOf(p)) return fileSize(s, p);
  const st = await fs.stat(p, { bigint: true });
  if (st.isFile()) return st.size;
  // (the engine is loaded by now or soon: imported here, not at the top, so activation stays without it)
  const { kindOf, notRegularError } = await import('../engine');
  throw notRegularError(operation, p, kindOf(st));
}

/**
 * Before a command asks anything about changing a file or filling a folder on a share: the
 * server's refusal where this user may not (a read-only share, a read-only or another owner's
 * file, a file another client holds open), rather than after the questions and the confirmation.
 * A local path passes: its refusals come with the operation.
 */
export async function requireWritableOnShare(s: Services, p: string): Promise<void> {
  if (uriPartsOf(p)) await (await s.smbFiles()).checkWritable(p);
}

/** The vscode.Uri for an engine path: a file: Uri, or an smb: Uri for an smb:// path (for dialogs, editors, reveal). */
export function uriOfPath(p: string): vscode.Uri {
  const smb = uriPartsOf(p);
  return smb ? vscode.Uri.from(smb) : vscode.Uri.file(p);
}

export async function exists(p: string): Promise<boolean> {
  try {
    if (uriPartsOf(p)) await vscode.workspace.fs.stat(uriOfPath(p));
    else await fs.lstat(p);
    return true;
  } catch {
    return false;
  }
}

/**
 * Run `work` under a cancellable progress notification. Cancel aborts the engine call through
 * its AbortSignal; the engine then removes anything it had started. `words`: the caller's
 * sentence for an update (else the engine's message with the bytes); `shown`: told each
 * sentence as the notification shows it (a view that mirrors the progress).
 */
export function withCancellableProgress<T>(
  title: string,
  work: (signal: AbortSignal, onProgress: (p: Progress) => void) => Promise<T>,
  opts: { words?: (p: Progress) => string; shown?: (p: Progress, message: string) => void } = {},
): Promise<T> {
  return Promise.resolve(
    vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: shownText(title), cancellable: true },
      async (progress, token) => {
        const abort = new AbortController();
        const sub = token.onCancellationRequested(() => abort.abort());
        const tracker = new ProgressTracker();
        try {
          return await work(abort.signal, (p) => {
            const r = tracker.next(p, opts.words?.(p));
            progress.report(r);
            opts.shown?.(p, r.message);
          });
        } finally {
          sub.dispose();
        }
      },
    ),
  );
}

export function logReport(s: Services, r: OperationReport): void {
  s.log.info(reportLogLine(r));
}

/** Show a failure (the engine's sentence as is), log it; cancellations are quiet. */
export function showFailure(s: Services, operation: string, e: unknown): void {
  const f = errorFacts(e);
  if (f.cancelled) {
    s.log.info(errorLogLine(operation, e)); // what the person asked for: not an error
    // A cancelled range operation may have changed part of an existing file: the engine's
    // sentence then says which bytes, and is shown as it is.
    const engineSays =
      (e as { name?: unknown } | undefined)?.name === 'FsctlError' && !/nothing was (left behind|changed)\.$/.test(f.message);
    if (engineSays) void vscode.window.showInformationMessage(shownText(withHumanSizes(f.message)));
    // (in place, or only reading: there was no new file to leave behind)
    else if (/nothing was changed\.$/.test(f.message))
      void vscode.window.showInformationMessage(shownText(t('{0} was cancelled; nothing was changed.', operation)));
    else void vscode.window.showInformationMessage(shownText(t('{0} was cancelled; nothing was left behind.', operation)));
    return;
  }
  s.log.error(errorLogLine(operation, e));
  // (the engine's exact byte counts read with digit groups and a unit: "150,994,944 bytes (144 MiB)")
  void vscode.window.showErrorMessage(shownText(withHumanSizes(f.message)));
}

/**
 * The modal for an existing destination: Rename / Overwrite, and "… All" where `later` names more
 * (Cancel is the modal's own); `made`, what the new file is: the word a renamed name carries.
 */
export async function askExisting(
  destination: string,
  later: readonly string[] = [],
  made: 'clone' | 'copy' = 'clone',
): Promise<AskAnswer> {
  // (later: the paths of the command's later files whose names are taken too, for "… All")
  const all: Array<[string, Exclude<AskAnswer, undefined>]> = [
    [t('Rename'), 'rename'],
    [t('Rename All'), 'rename-all'],
    [t('Overwrite'), 'overwrite'],
    [t('Overwrite All'), 'overwrite-all'],
  ];
  const buttons = later.length > 0 ? all : all.filter(([, a]) => a === 'rename' || a === 'overwrite');
  const answer = await vscode.window.showWarningMessage(
    t('"{0}" already exists.', shownPath(destination)),
    { modal: true, detail: existingDetail(later.map(shownName), t, made) },
    ...buttons.map(([label]) => label),
  );
  return buttons.find(([label]) => label === answer)?.[1];
}

/**
 * Cloning is impossible here: say why (the engine's sentence) and offer a hole-keeping copy.
 * Resolves true when the person chose the copy.
 */
export async function offerCopyInstead(s: Services, e: unknown): Promise<boolean> {
  const f = errorFacts(e);
  s.log.warn(errorLogLine('clone', e));
  const copy = t('Copy instead (keeps holes)');
  // an error (what was asked did not happen): VS Code keeps an error with an action on screen
  // until it is answered, where a warning's toast hides after a few seconds
  const choice = await vscode.window.showErrorMessage(shownText(inVsCodeWords(f.message)), copy);
  return choice === copy;
}
