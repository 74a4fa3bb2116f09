// smb: resources in VS Code and the engine's smb:// paths. A share opened with "Open SMB
// Share…" is the workspace folder smb://[DOMAIN;]user@host[:port]/share[/folder]: the user is
// part of the authority, so every Uri below it names the connection (and the stored password)
// on its own, and the engine's path is the same text with each segment percent-encoded (the
// engine decodes them, src/engine/backends/smb/protocol/uri.ts). Pure: no vscode.

import { plainT, type Translate } from './translate';

/** The parts of a vscode.Uri this module reads (duck-typed). */
interface SmbUriLike {
  scheme: string;
  /** Decoded, as vscode.Uri gives it: 'DOMAIN;user@host:port'. */
  authority: string;
  /** Decoded: '/share/folder/file'. */
  path: string;
}

export interface ShareAddress {
  domain: string;
  user: string;
  host: string;
  /** 445 when not written. */
  port: number;
  share: string;
  /** Inside the share, '/'-separated, no leading '/'; '' for the share root. */
  folder: string;
}

const encodeUser = (s: string): string => encodeURIComponent(s);

/** The engine's smb:// path for an smb: resource. */
export function enginePathOf(u: SmbUriLike): string {
  const at = u.authority.lastIndexOf('@');
  const userinfo = at >= 0 ? u.authority.slice(0, at) : '';
  const hostPort = at >= 0 ? u.authority.slice(at + 1) : u.authority;
  const sep = userinfo.search(/[;\\]/);
  const user = sep >= 0 ? `${encodeUser(userinfo.slice(0, sep))};${encodeUser(userinfo.slice(sep + 1))}` : encodeUser(userinfo);
  const path = u.path
    .split('/')
    .map((s) => encodeURIComponent(s))
    .join('/');
  return `smb://${user ? user + '@' : ''}${hostPort}${path.startsWith('/') ? path : '/' + path}`;
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** The smb: resource (as vscode.Uri.from parts) for an engine smb:// path; undefined for a local path. */
export function uriPartsOf(enginePath: string): { scheme: 'smb'; authority: string; path: string } | undefined {
  const m = /^smb:\/\/?([^/]*)(\/.*)?$/i.exec(enginePath);
  if (!m) return undefined;
  const authority = m[1]
    .split('@')
    .map((p, i, all) => (i < all.length - 1 ? p.split(';').map(decode).join(';') : p))
    .join('@');
  const path = (m[2] ?? '/').split('/').map(decode).join('/');
  return { scheme: 'smb', authority, path };
}

const ADDRESS = /^(?:smb:)?\/\/(?:([^;@/\\]+)[;\\])?([^@/]+)@(\[[^\]]+\]|[^:/[\]]+)(?::(\d+))?\/([^/]+)((?:\/[^/]*)*)$/i;

/**
 * What the person typed into "Open SMB Share…": smb://[DOMAIN;]user@host[:port]/share[/folder].
 * A sentence saying what is wrong, or the address.
 */
export function parseShareAddress(text: string, t: Translate): ShareAddress | string {
  const m = ADDRESS.exec(text.trim());
  if (!m) return t('Write smb://[DOMAIN;]user@host[:port]/share[/folder], for example smb://alice@nas.local/projects.');
  const port = m[4] ? Number(m[4]) : 445;
  if (!(port > 0 && port < 65536)) return t('Port {0} is out of range (1-65535).', m[4]);
  if (/[:]/.test(m[2])) return t('Leave the password out of the address: it is asked next and kept in the system keychain.');
  const folder = m[6]
    .split('/')
    .filter((s) => s !== '')
    .map(decode);
  if (folder.some((s) => s === '.' || s === '..')) return t('"." and ".." are not allowed in the folder.');
  const host = m[3].startsWith('[') ? m[3].slice(1, -1) : m[3];
  return { domain: decode(m[1] ?? ''), user: decode(m[2]), host, port, share: decode(m[5]), folder: folder.join('/') };
}

/** host[:port] as in the URI: an IPv6 address in brackets, the port only when not 445 ([::1]:4455). */
export function uriHostPort(a: { host: string; port: number }): string {
  return `${a.host.includes(':') ? `[${a.host}]` : a.host}${a.port === 445 ? '' : ':' + a.port}`;
}

/** The workspace folder's Uri parts for an address. */
export function folderUriParts(a: ShareAddress): { scheme: 'smb'; authority: string; path: string } {
  const authority = `${a.domain ? a.domain + ';' : ''}${a.user}@${uriHostPort(a)}`;
  return { scheme: 'smb', authority, path: `/${a.share}${a.folder ? '/' + a.folder : ''}` };
}

/** The account as people write it: DOMAIN\user, or the user alone (the password prompts, the keychain's keys). */
export function accountName(t: { domain: string; user: string }): string {
  return (t.domain ? t.domain + '\\' : '') + t.user;
}

/** The SecretStorage key of the password for an address (per user@host:port, as the engine asks). */
export function passwordKey(t: { domain: string; user: string; host: string; port: number }): string {
  return `extentLens.smb.${accountName(t)}@${t.host}${t.port ? ':' + t.port : ''}`;
}

/** The share, user and server an smb: resource is on; undefined when its authority names no user. */
export function shareAddressOfUri(u: SmbUriLike): ShareAddress | undefined {
  const a = parseShareAddress(enginePathOf(u), plainT);
  return typeof a === 'string' ? undefined : a;
}
