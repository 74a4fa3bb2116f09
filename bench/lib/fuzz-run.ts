// What the fuzzers (bench/*-fuzz.ts) share around their seeds: running a range of them with one
// line each and a count of those off (the exit status 1 then), and sharing a seed's image over
// SMB through a Samba on 127.0.0.1 (test/support/samba.ts).

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { closeSmbConnections } from '../../src/engine/backends/smb';
import { SMB_PASSWORD, SMB_USER, startSamba, type SambaServer } from '../../test/support/samba';

export interface SeedResult {
  line: string;
  ok: boolean;
  /** The measure moved while the figures were taken: not checked (said apart from "off"). */
  moved?: boolean;
}

/** Runs seeds `A:B` (from A up to B, not B), printing each one's line, then how many were off. */
export async function runSeeds(range: string, one: (seed: number) => Promise<SeedResult>): Promise<void> {
  const [a, b] = range.split(':').map(Number);
  let off = 0;
  let moved = 0;
  for (let seed = a; seed < b; seed++) {
    const r = await one(seed);
    if (!r.ok) off++;
    if (r.moved) moved++;
    console.log(r.line);
  }
  console.log(`${b - a} seeds, ${off} off${moved ? `, ${moved} moved (not checked)` : ''}`);
  process.exitCode = off > 0 ? 1 : 0;
}

/** An image shared over SMB: its paths as smb:// URIs and back. */
export interface Share {
  /** The URI of a path under the mount. */
  uri(local: string): string;
  /** The path under the mount of a URI of this share. */
  local(uri: string): string;
  /** The engine's connections closed, then Samba stopped. */
  stop(): Promise<void>;
}

/**
 * Samba sharing the image mounted at `mnt` as "data", its files the Samba user's so that it may
 * write them (a read-only snapshot's stay root's); the engine in this process gets the password.
 * vfs_btrfs clones on btrfs and XFS (its clone ioctl is FICLONERANGE); ext4 gets none.
 */
export async function shareOver(mnt: string, kind: string): Promise<Share> {
  spawnSync('chown', ['-R', SMB_USER, mnt]);
  fs.chmodSync(path.dirname(mnt), 0o755); // (mkdtemp's: 0700)
  process.env.EXTENT_LENS_SMB_PASSWORD = SMB_PASSWORD;
  const options: Record<string, string> = { 'block size': '4096', ...(kind === 'ext4' ? {} : { 'vfs objects': 'btrfs' }) };
  const server: SambaServer = await startSamba({ shares: [{ name: 'data', path: mnt, options }] });
  const root = server.uri('data');
  return {
    uri: (local) => server.uri('data', path.relative(mnt, local)),
    local: (uri) => path.join(mnt, decodeURIComponent(uri.slice(root.length))),
    stop: async () => {
      await closeSmbConnections();
      await server.stop();
    },
  };
}
