// Connections kept open per user@host:port/share, so the many small requests of one operation
// (and the next operation) reuse one authenticated session. A dropped connection leaves the
// pool and the next request reconnects. Sockets are unref'd: an idle pool never keeps a CLI
// process alive; outstanding requests do (their timers are ref'd).

import { SmbClient, type SmbConnectOptions } from './client';
import type { Smb3Cipher } from './crypto';
import { hostPort } from './uri';
import { smbError } from './errors';
import { DIALECTS, type DialectName } from './handshake';
import type { SigningAlgorithm } from './signing';
import { poolKey, type SmbTarget } from './uri';

export interface SmbTargetInfo {
  user: string;
  domain: string;
  host: string;
  port: number;
  share: string;
}

export type SmbPasswordProvider = (target: SmbTargetInfo) => string | undefined | Promise<string | undefined>;

/** What the server said of a password the provider gave: accepted (a session), or refused (STATUS_LOGON_FAILURE, STATUS_WRONG_PASSWORD). */
export type SmbLogonVerdict = (target: SmbTargetInfo, accepted: boolean) => void | Promise<void>;

let passwordProvider: SmbPasswordProvider | undefined;
let logonVerdict: SmbLogonVerdict | undefined;

/**
 * The extension installs a provider backed by SecretStorage; the CLI uses the environment.
 * `verdict` hears whether the server took each password, so a typed one is kept only then.
 */
export function setSmbPasswordProvider(fn: SmbPasswordProvider | undefined, verdict?: SmbLogonVerdict): void {
  passwordProvider = fn;
  logonVerdict = verdict;
}

const REFUSED_PASSWORD = ['STATUS_LOGON_FAILURE', 'STATUS_WRONG_PASSWORD'];

export interface SmbClientSettings {
  dialects?: DialectName[];
  ciphers?: Smb3Cipher[];
  signing?: SigningAlgorithm[];
  sign?: boolean;
  encrypt?: boolean;
  /** Connect to SMB 2.0.2 servers that do not require signing; EXTENT_LENS_SMB_ALLOW_UNSIGNED_LEGACY=1. */
  allowUnsignedLegacy?: boolean;
  /** Time for a request's first answer (final or interim); EXTENT_LENS_SMB_TIMEOUT_MS, default 30 s. */
  timeoutMs?: number;
  /** Time for its final answer after an interim one; EXTENT_LENS_SMB_MAX_WAIT_MS, default 4 × timeoutMs. */
  maxWaitMs?: number;
}

let settings: SmbClientSettings = {};

/** Options for connections opened from now on (tests pin a dialect or cipher with this). */
export function configureSmb(s: SmbClientSettings): void {
  settings = { ...s };
}

let allowUnsignedLegacy: boolean | undefined;

/**
 * The extension's extentLens.smb.allowUnsignedLegacy setting (undefined: the environment
 * decides). Kept apart from configureSmb so a test's pinned options do not reset it. Open
 * connections are closed when it changes, so the new choice applies from the next request.
 */
export async function setSmbAllowUnsignedLegacy(allow: boolean | undefined): Promise<void> {
  if (allow === allowUnsignedLegacy) return;
  allowUnsignedLegacy = allow;
  await closeSmbConnections();
}

/** A positive whole number of milliseconds from the variable `name`, else undefined (unset); anything else is refused. */
function envMs(name: string): number | undefined {
  const v = process.env[name]?.trim();
  if (!v) return undefined;
  const n = Number(v);
  if (/^[0-9]+$/.test(v) && n > 0 && Number.isSafeInteger(n)) return n;
  throw smbError(
    'E_BAD_INPUT',
    [],
    `${name}="${v}" is not a time in milliseconds (E_BAD_INPUT); give a whole number above 0, such as 60000, or unset it.`,
  );
}

/** The connection settings the environment gives (docs/SMB.md); a value that cannot be used is refused, never ignored. */
function envSettings(): SmbClientSettings {
  const out: SmbClientSettings = {};
  const d = process.env.EXTENT_LENS_SMB_DIALECT?.trim();
  if (d) {
    const names = d.split(',').map((x) => x.trim());
    const wrong = names.filter((x) => !Object.hasOwn(DIALECTS, x));
    if (wrong.length > 0)
      throw smbError(
        'E_BAD_INPUT',
        [],
        `EXTENT_LENS_SMB_DIALECT="${d}": ${wrong.map((x) => `"${x}"`).join(', ')} names no SMB dialect (E_BAD_INPUT); give one or more of ${Object.keys(DIALECTS).join(', ')} separated by commas, or unset it to offer them all.`,
      );
    out.dialects = names as DialectName[];
  }
  const t = envMs('EXTENT_LENS_SMB_TIMEOUT_MS');
  if (t !== undefined) out.timeoutMs = t;
  const w = envMs('EXTENT_LENS_SMB_MAX_WAIT_MS');
  if (w !== undefined) out.maxWaitMs = w;
  const legacy = process.env.EXTENT_LENS_SMB_ALLOW_UNSIGNED_LEGACY;
  if (legacy) out.allowUnsignedLegacy = /^(1|true|yes)$/i.test(legacy.trim());
  return out;
}

const pool = new Map<string, Promise<SmbClient>>();

const targetInfo = (t: SmbTarget): SmbTargetInfo => ({ user: t.user, domain: t.domain, host: t.host, port: t.port, share: t.share });

async function passwordFor(t: SmbTarget): Promise<string> {
  const info = targetInfo(t);
  const fromProvider = passwordProvider ? await passwordProvider(info) : undefined;
  const pw = fromProvider ?? process.env.EXTENT_LENS_SMB_PASSWORD;
  if (pw === undefined) {
    throw smbError(
      'E_BAD_INPUT',
      [],
      `No password for ${t.user}@${hostPort(t.host, t.port)}/${t.share} (E_BAD_INPUT); set EXTENT_LENS_SMB_PASSWORD (CLI) or enter it when the extension asks.`,
    );
  }
  return pw;
}

export async function clientFor(t: SmbTarget): Promise<SmbClient> {
  const key = poolKey(t);
  const existing = pool.get(key);
  if (existing) {
    try {
      const c = await existing;
      if (!c.conn.closed) return c;
    } catch {
      // fall through: a failed connect is not cached
    }
    pool.delete(key);
  }
  return pooled(key, logOn(t));
}

/** A new connection to `t`'s share, logged on with the password the provider gives now; the verdict heard. */
async function logOn(t: SmbTarget): Promise<SmbClient> {
  const opts: SmbConnectOptions = {
    ...envSettings(),
    ...(allowUnsignedLegacy !== undefined ? { allowUnsignedLegacy } : {}),
    ...settings,
    host: t.host,
    port: t.port,
    user: t.user,
    domain: t.domain,
    share: t.share,
    password: await passwordFor(t),
  };
  let c: SmbClient;
  try {
    c = await SmbClient.connect(opts);
  } catch (e) {
    if (REFUSED_PASSWORD.includes((e as { code?: string }).code ?? '')) await logonVerdict?.(targetInfo(t), false);
    throw e;
  }
  // (awaited: a password the provider keeps is kept before the request goes on)
  await logonVerdict?.(targetInfo(t), true);
  c.conn.unref();
  return c;
}

/** `connecting` as the pool's connection for `key` (until it fails or closes). */
function pooled(key: string, connecting: Promise<SmbClient>): Promise<SmbClient> {
  const p = connecting.then((c) => {
    c.conn.onClose = () => {
      if (pool.get(key) === p) pool.delete(key);
    };
    return c;
  });
  pool.set(key, p);
  p.catch(() => {
    if (pool.get(key) === p) pool.delete(key);
  });
  return p;
}

/**
 * A password was just typed for `t` (VS Code's Open SMB Share…): log on with it on a new
 * connection, never a pooled session, so the server takes or refuses it now (a pooled one had
 * logged on before, so a wrong password, or the old one after a change on the server, was taken
 * in silence). Refused, the pool is left as it was. Taken, the account's connections, every
 * share's, are made again with it (reconnectSmbAccount) and this one becomes the share's.
 */
export async function logOnAnew(t: SmbTarget): Promise<SmbClient> {
  const c = await logOn(t);
  const leaving = reconnectSmbAccount(t); // (takes them out of the pool before it awaits)
  const p = pooled(poolKey(t), Promise.resolve(c));
  await leaving;
  return p;
}

/** Connections taken out of the pool by reconnectSmbAccount while a request was under way on them. */
const retired = new Set<SmbClient>();

/**
 * A password was just entered for this user on this server (VS Code's Enter SMB Password…):
 * their connections, every share's, leave the pool, so the next request logs on anew with it and
 * the server says at once whether it takes it (on a pooled session it was otherwise first used,
 * and first refused, at some later reconnection). Idle ones log off and close now (a watch's
 * CHANGE_NOTIFY reconnects by itself); one with a request under way (a copy, say) is left to finish
 * on its session and closed with the others at closeSmbConnections.
 */
export async function reconnectSmbAccount(account: Omit<SmbTargetInfo, 'share'>): Promise<void> {
  const prefix = poolKey({ ...account, share: '', path: '' });
  const leaving = [...pool].filter(([key]) => key.startsWith(prefix));
  for (const [key] of leaving) pool.delete(key);
  const clients = await Promise.all(leaving.map(([, p]) => p.catch(() => undefined)));
  await Promise.all(
    clients.map(async (c) => {
      if (!c || c.conn.closed) return;
      if (!c.conn.inUse) return c.disconnect();
      retired.add(c);
      const onClose = c.conn.onClose;
      c.conn.onClose = () => {
        retired.delete(c);
        onClose?.();
      };
    }),
  );
}

/** Log off and close every pooled connection (extension deactivation, tests). */
export async function closeSmbConnections(): Promise<void> {
  const all = [...pool.values(), ...[...retired].map((c) => Promise.resolve(c))];
  pool.clear();
  retired.clear();
  await Promise.all(all.map((p) => p.then((c) => c.disconnect()).catch(() => undefined)));
}
