// smb://[domain;]user@host[:port]/share/path URIs: parsing, the pool key, and the
// share-relative SMB path (backslashes, no leading separator).

import { hasLoneSurrogate } from '../../../os-path';
import { smbError } from './errors';

export interface SmbTarget {
  domain: string;
  user: string;
  host: string;
  port: number;
  share: string;
  /** Path inside the share with '/' separators and no leading '/'; '' for the share root. */
  path: string;
}

// 'smb:/' with one slash is accepted too: path.posix.join() collapses the double slash, and
// the name is unambiguous either way.
const RE = /^smb:\/\/?(?:([^@/]*)@)?(\[[^\]]+\]|[^:/]+)(?::(\d+))?(\/.*)?$/i;

function dec(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

export function parseSmbUri(uri: string): SmbTarget {
  const m = RE.exec(uri);
  const bad = (why: string) =>
    smbError('E_BAD_INPUT', [uri], `${uri} is not a usable SMB path (E_BAD_INPUT): ${why}; write smb://user@host[:port]/share/path.`);
  if (!m) throw bad('it does not look like smb://user@host/share/path');
  const userinfo = dec(m[1] ?? '');
  if (!userinfo) throw bad('it names no user');
  // A password in the URI is refused, not used: it would be echoed in every report, JSON path and
  // log line, and kept in shell history. The message shows the URI without it.
  if (userinfo.includes(':')) {
    const shown = uri.replace(/^(smb:\/\/?)([^@/]*)@/i, (_all, scheme: string, raw: string) => `${scheme}${raw.split(/:|%3a/i)[0]}:***@`);
    throw smbError(
      'E_BAD_INPUT',
      [shown],
      `${shown} holds a password (E_BAD_INPUT): passwords are not taken from smb:// paths, where they would show in reports, logs and shell history; leave it out and set EXTENT_LENS_SMB_PASSWORD (the CLI), or give it when VS Code asks.`,
    );
  }
  let domain = '';
  let user = userinfo;
  const sep = user.search(/[;\\]/);
  if (sep >= 0) {
    domain = user.slice(0, sep);
    user = user.slice(sep + 1);
  }
  const host = m[2].startsWith('[') ? m[2].slice(1, -1) : m[2];
  const port = m[3] ? Number(m[3]) : 445;
  if (!(port > 0 && port < 65536)) throw bad(`port ${m[3]} is out of range`);
  const parts = (m[4] ?? '/')
    .split('/')
    .filter((p) => p.length > 0)
    .map(dec);
  if (parts.length === 0) throw bad('it names no share');
  if (parts.some((p) => p === '.' || p === '..')) throw bad('"." and ".." are not allowed in the path');
  // Bytes that are not UTF-8 (carried as U+DC80..U+DCFF, src/engine/os-path.ts) have no UTF-16
  // form: sent as they are, the lone surrogates would name another file on the server.
  if (parts.some(hasLoneSurrogate)) throw bad('the path holds bytes that are not UTF-8, and SMB names are Unicode (UTF-16) text');
  return { domain, user, host, port, share: parts[0], path: parts.slice(1).join('/') };
}

/** One pooled connection per user, server and share. */
export function poolKey(t: SmbTarget): string {
  return `${t.domain ? t.domain + ';' : ''}${t.user}@${t.host.toLowerCase()}:${t.port}/${t.share.toLowerCase()}`;
}

export function smbPath(t: SmbTarget): string {
  return t.path.split('/').join('\\');
}

/** A host as written in a URI and in messages: an IPv6 address in brackets ([::1]). */
const uriHost = (host: string): string => (host.includes(':') ? `[${host}]` : host);

/** host:port as people write it: [::1]:445, as in an smb:// URI. */
export function hostPort(host: string, port: number): string {
  return `${uriHost(host)}:${port}`;
}

export function formatSmbUri(t: SmbTarget): string {
  const user = (t.domain ? `${encodeURIComponent(t.domain)};` : '') + encodeURIComponent(t.user);
  const host = uriHost(t.host);
  const port = t.port === 445 ? '' : `:${t.port}`;
  const rest = [t.share, ...(t.path ? t.path.split('/') : [])].map(encodeURIComponent).join('/');
  return `smb://${user}@${host}${port}/${rest}`;
}
