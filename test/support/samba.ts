// A real Samba for the SMB tests: smbd from Debian's packages, run in the foreground from a
// self-contained smb.conf (every state, lock, cache, pid and log path inside a temp dir), bound
// to 127.0.0.1 on a free high port, with one test user, and stopped by process id afterwards.
// Also a small loop-device helper for the btrfs/XFS/ext4 folders the shares point at, and the
// teardown of both (stopSamba).

import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { makeFs } from './loopfs';

export const SMB_USER = 'el-smbtest';
export const SMB_PASSWORD = 'Extent-Lens-t3st';

function which(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
}

/** Why the Samba tests cannot run here, or undefined when they can. */
export function sambaSkipReason(): string | undefined {
  if (process.platform !== 'linux') return 'Samba tests need Linux';
  if (process.getuid?.() !== 0) return 'Samba tests need root (loop devices, a unix user for smbd)';
  for (const t of ['smbd', 'smbpasswd', 'losetup', 'mkfs.btrfs', 'mkfs.xfs']) {
    if (!which(t)) return `${t} is not installed (scripts/setup.sh installs samba, btrfs-progs, xfsprogs)`;
  }
  if (!existsSync('/usr/lib/x86_64-linux-gnu/samba/vfs/btrfs.so') && !spawnSync('sh', ['-c', 'ls /usr/lib/*/samba/vfs/btrfs.so']).stdout.length) {
    return 'samba-vfs-modules (vfs_btrfs) is not installed';
  }
  return undefined;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

function ensureUnixUser(): void {
  if (spawnSync('id', [SMB_USER]).status === 0) return;
  const add = spawnSync('useradd', ['-M', '-r', '-s', '/usr/sbin/nologin', SMB_USER], { encoding: 'utf8' });
  // (the other test lane may have added it since `id` looked: useradd then fails, and the user is there)
  if (add.status !== 0 && spawnSync('id', [SMB_USER]).status !== 0) throw new Error(`useradd ${SMB_USER} failed: ${add.stderr || add.error?.message}`);
}

export interface ShareSpec {
  name: string;
  path: string;
  options?: Record<string, string>;
}

export interface SambaOptions {
  shares: ShareSpec[];
  /** Extra [global] settings (server signing, server smb3 encryption algorithms, ...). */
  global?: Record<string, string>;
}

export interface SambaServer {
  port: number;
  dir: string;
  pid: number;
  /** smb://el-smbtest@127.0.0.1:PORT/share/path */
  uri(share: string, path?: string): string;
  log(): string;
  /** SIGKILL smbd and its children (the whole process group), as a crash or power loss would. */
  kill(): Promise<void>;
  /** Start smbd again with the same configuration on the same port (after kill(), or killing it first). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

function waitForPort(port: number, timeoutMs: number, proc: ChildProcess, logFile: () => string): Promise<void> {
  const until = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      if (proc.exitCode !== null) {
        reject(new Error(`smbd exited with ${proc.exitCode} before listening:\n${logFile()}`));
        return;
      }
      const s = connect({ host: '127.0.0.1', port });
      s.once('connect', () => {
        s.destroy();
        resolve();
      });
      s.once('error', () => {
        s.destroy();
        if (Date.now() > until) reject(new Error(`smbd did not listen on ${port} within ${timeoutMs} ms:\n${logFile()}`));
        else setTimeout(attempt, 100);
      });
    };
    attempt();
  });
}

export async function startSamba(opts: SambaOptions): Promise<SambaServer> {
  ensureUnixUser();
  const dir = mkdtempSync(join(tmpdir(), 'el-smb-'));
  chmodSync(dir, 0o755);
  for (const d of ['private', 'lock', 'state', 'cache', 'pid', 'ncalrpc']) mkdirSync(join(dir, d));
  const port = await freePort();
  const global: Record<string, string> = {
    workgroup: 'WORKGROUP',
    'netbios name': 'EXTENTLENSTEST',
    'server role': 'standalone server',
    'smb ports': String(port),
    interfaces: '127.0.0.1',
    'bind interfaces only': 'yes',
    'private dir': join(dir, 'private'),
    'lock directory': join(dir, 'lock'),
    'state directory': join(dir, 'state'),
    'cache directory': join(dir, 'cache'),
    'pid directory': join(dir, 'pid'),
    'ncalrpc dir': join(dir, 'ncalrpc'),
    'log file': join(dir, 'log.smbd'),
    'max log size': '0',
    'log level': '1',
    'passdb backend': `tdbsam:${join(dir, 'private', 'passdb.tdb')}`,
    'server min protocol': 'SMB2_10',
    'disable netbios': 'yes',
    'load printers': 'no',
    'printcap name': '/dev/null',
    'disable spoolss': 'yes',
    'map to guest': 'never',
    ...opts.global,
  };
  const lines = ['[global]', ...Object.entries(global).map(([k, v]) => `  ${k} = ${v}`)];
  for (const s of opts.shares) {
    lines.push(`[${s.name}]`, `  path = ${s.path}`, '  read only = no', `  valid users = ${SMB_USER}`, ...Object.entries(s.options ?? {}).map(([k, v]) => `  ${k} = ${v}`));
  }
  const conf = join(dir, 'smb.conf');
  writeFileSync(conf, lines.join('\n') + '\n');
  execFileSync('smbpasswd', ['-c', conf, '-a', '-s', SMB_USER], { input: `${SMB_PASSWORD}\n${SMB_PASSWORD}\n`, stdio: ['pipe', 'ignore', 'pipe'] });

  let out = '';
  const logText = () => {
    const f = join(dir, 'log.smbd');
    return out + (existsSync(f) ? readFileSync(f, 'utf8').slice(-20000) : '');
  };
  const launch = async (): Promise<ChildProcess> => {
    const p = spawn('smbd', ['--foreground', '--no-process-group', `--configfile=${conf}`], {
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, // its own process group, so stop() can end smbd and its children together
    });
    p.stdout?.on('data', (d) => (out = (out + d).slice(-20000)));
    p.stderr?.on('data', (d) => (out = (out + d).slice(-20000)));
    await waitForPort(port, 15000, p, logText);
    return p;
  };
  let proc = await launch();
  const exitedOf = (p: ChildProcess) => new Promise<void>((r) => (p.exitCode !== null || p.signalCode !== null ? r() : p.once('exit', () => r())));
  const killGroup = (p: ChildProcess, signal: NodeJS.Signals) => {
    try {
      process.kill(-p.pid!, signal);
    } catch {
      // already gone
    }
  };

  let stopped = false;
  // If the test process ends without after() (a runner timeout, an uncaught error), do not
  // leave smbd behind: end its process group on the way out.
  const onExit = () => killGroup(proc, 'SIGKILL');
  process.once('exit', onExit);
  const server: SambaServer = {
    port,
    dir,
    get pid() {
      return proc.pid!;
    },
    uri: (share, path = '') => `smb://${SMB_USER}@127.0.0.1:${port}/${share}${path ? '/' + path : ''}`,
    log: logText,
    async kill() {
      const exited = exitedOf(proc);
      killGroup(proc, 'SIGKILL');
      await exited;
    },
    async restart() {
      if (proc.exitCode === null && proc.signalCode === null) await server.kill();
      proc = await launch();
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      process.off('exit', onExit);
      const exited = exitedOf(proc);
      killGroup(proc, 'SIGTERM');
      const t = setTimeout(() => killGroup(proc, 'SIGKILL'), 3000);
      await exited;
      clearTimeout(t);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return server;
}

export interface LoopFs {
  mnt: string;
  fstype: string;
  cleanup(): void;
}

/**
 * A fresh file system on a loop device (the engine's test/support/loopfs.ts), its mount point
 * handed to the test user and its parent opened for traversal, since smbd works as that user.
 */
export function makeLoopFs(fstype: 'btrfs' | 'xfs' | 'ext4', sizeMiB: number): LoopFs {
  ensureUnixUser();
  const t = makeFs(fstype, sizeMiB);
  let cleaned = false;
  const cleanup = () => {
    if (cleaned) return; // once: a second `losetup -d` could hit a device someone else got since
    cleaned = true;
    process.off('exit', cleanup);
    t.cleanup();
  };
  process.once('exit', cleanup); // also when the test process ends without after()
  try {
    chmodSync(dirname(t.mountPoint), 0o755);
    execFileSync('chown', [SMB_USER, t.mountPoint]);
  } catch (e) {
    cleanup();
    throw e;
  }
  return { mnt: t.mountPoint, fstype, cleanup };
}

/** Share options for a btrfs folder that clones (vfs_btrfs answers FSCTL_DUPLICATE_EXTENTS_TO_FILE), in 4 KiB blocks. */
export const BTRFS_CLONING: Readonly<Record<string, string>> = { 'vfs objects': 'btrfs', 'block size': '4096' };

/**
 * The end of a Samba test: close this process's SMB connections, stop smbd, then remove the file
 * systems it shared. Any may be undefined (a before() that failed part way).
 */
export async function stopSamba(smb: SambaServer | undefined, ...shared: Array<LoopFs | undefined>): Promise<void> {
  // (required here, so a test that only runs the CLI does not load the SMB client before)
  const { closeSmbConnections } = require('../../src/engine/backends/smb') as typeof import('../../src/engine/backends/smb');
  await closeSmbConnections();
  await smb?.stop();
  for (const fs of shared) fs?.cleanup();
}
