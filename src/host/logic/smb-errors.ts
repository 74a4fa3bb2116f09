// What the smb: file system provider and "Open SMB Share…" make of the engine's SMB errors
// (FsctlError codes: NT status names, socket errors). Pure: no vscode.

import { shownPath, shownSmbName } from '../../protocol/shown-path';
import { accountName, uriHostPort, type ShareAddress } from './smb-uri';
import type { Translate } from './translate';

/** The vscode.FileSystemError factory for a code; undefined: a plain FileSystemError with the engine's sentence. */
type FileSystemErrorKind = 'FileNotFound' | 'FileExists' | 'NoPermissions' | 'FileIsADirectory' | 'FileNotADirectory' | 'Unavailable';

const KIND: Record<string, FileSystemErrorKind> = {
  STATUS_OBJECT_NAME_NOT_FOUND: 'FileNotFound',
  STATUS_OBJECT_PATH_NOT_FOUND: 'FileNotFound',
  STATUS_NO_SUCH_FILE: 'FileNotFound',
  STATUS_DELETE_PENDING: 'FileNotFound',
  STATUS_OBJECT_NAME_COLLISION: 'FileExists',
  E_EXISTS: 'FileExists',
  STATUS_ACCESS_DENIED: 'NoPermissions',
  STATUS_NETWORK_ACCESS_DENIED: 'NoPermissions',
  STATUS_MEDIA_WRITE_PROTECTED: 'NoPermissions',
  STATUS_CANNOT_DELETE: 'NoPermissions',
  STATUS_FILE_IS_A_DIRECTORY: 'FileIsADirectory',
  STATUS_NOT_A_DIRECTORY: 'FileNotADirectory',
  ECONNREFUSED: 'Unavailable',
  ECONNRESET: 'Unavailable',
  ETIMEDOUT: 'Unavailable',
  ENOTFOUND: 'Unavailable',
  EAI_AGAIN: 'Unavailable',
  EHOSTUNREACH: 'Unavailable',
  ENETUNREACH: 'Unavailable',
  STATUS_USER_SESSION_DELETED: 'Unavailable',
  STATUS_NETWORK_SESSION_EXPIRED: 'Unavailable',
};

export function fileSystemErrorKind(code: string | undefined): FileSystemErrorKind | undefined {
  return code === undefined ? undefined : KIND[code];
}

/**
 * A FileExists from the smb: provider, in VS Code's terms. VS Code checks a name before it
 * copies, moves or creates there (and asks before replacing), so a name taken when the provider
 * gets to it was taken since: another paste or program made it meanwhile (a trial: two pastes
 * racing while a big file was read). The engine's own sentence advises the CLI's options ("ask
 * to rename or overwrite", `--on-existing`), which VS Code does not have. `target` is the
 * smb:// path of the name that was taken.
 */
export function nameTakenSentence(target: string, code: string, t: Translate): string {
  const trimmed = target.replace(/\/+$/, '');
  const cut = trimmed.lastIndexOf('/');
  // (decoded as every smb:// path shown to people is: shown-path.ts)
  return t(
    '"{0}" already exists in {1} ({2}); it was left as it is. It was made after VS Code looked (by another paste or another program): try again, and VS Code picks a free name or asks whether to replace it.',
    shownSmbName(trimmed),
    shownPath(trimmed.slice(0, cut)),
    code,
  );
}

export interface OpenFailure {
  /** One sentence naming the NT status (or socket error). */
  sentence: string;
  /** The password was refused: ask for it again on retry. */
  askPassword: boolean;
}

const UNREACHABLE = ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET'];

/** Why "Open SMB Share…" could not connect, in one sentence. `engineSays` is the engine's own sentence. */
export function openShareFailure(code: string, engineSays: string, a: ShareAddress, t: Translate): OpenFailure {
  const where = uriHostPort(a);
  const user = `${a.domain ? a.domain + '\\' : ''}${a.user}`;
  if (code === 'STATUS_LOGON_FAILURE' || code === 'STATUS_WRONG_PASSWORD') {
    return { sentence: t('{0} refused the password for {1} ({2}); enter it again.', where, user, code), askPassword: true };
  }
  if (code === 'STATUS_BAD_NETWORK_NAME') {
    return {
      sentence: t('{0} has no share named "{1}" (STATUS_BAD_NETWORK_NAME); check the share name.', where, a.share),
      askPassword: false,
    };
  }
  if (code === 'STATUS_OBJECT_NAME_NOT_FOUND' || code === 'STATUS_OBJECT_PATH_NOT_FOUND') {
    return {
      sentence: t('The share "{0}" on {1} has no folder "{2}" ({3}); check the folder.', a.share, where, a.folder, code),
      askPassword: false,
    };
  }
  if (code === 'STATUS_ACCOUNT_DISABLED' || code === 'STATUS_ACCOUNT_RESTRICTION' || code === 'STATUS_PASSWORD_EXPIRED') {
    return { sentence: t("{0} refused the account {1} ({2}); ask the server's administrator.", where, user, code), askPassword: false };
  }
  if (UNREACHABLE.includes(code)) {
    return {
      sentence: t('No SMB server answered at {0} ({1}); check the host name, the port and the network.', where, code),
      askPassword: false,
    };
  }
  // Signing or encryption refused, access denied and the rest: the engine's sentence names the status and what to do.
  return { sentence: engineSays, askPassword: false };
}

/**
 * Why a request on a share failed at once: the password question for its user on its server
 * was closed (Escape) in this window. Without this the Explorer asked again at once, so the
 * question could not be closed, and the engine's sentence ("enter it when the extension asks")
 * gave nothing to do. `a`: the share's address (its folder is not read).
 */
export function passwordNotEnteredSentence(a: Omit<ShareAddress, 'folder'>, t: Translate): string {
  return t(
    'The share "{0}" on {1} is not connected: the password for {2} was not entered. Run "Extent Lens: Enter SMB Password..." from the Command Palette to connect.',
    a.share,
    uriHostPort(a),
    accountName(a),
  );
}
