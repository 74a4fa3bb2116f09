// Shared pieces of the Samba-backed SMB tests: a no-op OpContext, server-side file makers
// (written as root, then handed to the test user so smbd may change them), and hashing.

import { createHash } from 'node:crypto';
import { chownSync, closeSync, openSync, readFileSync, writeSync, ftruncateSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import type { OpContext } from '../../src/engine/backend';
import { after, before } from 'node:test';
import { SMB_PASSWORD, SMB_USER } from '../support/samba';

export const ctx: OpContext = { checkCancelled() {}, progress() {} };

export function smbUid(): number {
  return Number(execFileSync('id', ['-u', SMB_USER]).toString().trim());
}

/** A file of `size` bytes with data only at the given [offset, length] pieces (holes elsewhere). */
export function makeSparseFile(path: string, size: number, pieces: Array<[number, number]>, seed = 1): void {
  const fd = openSync(path, 'w');
  try {
    ftruncateSync(fd, size);
    for (const [off, len] of pieces) {
      const b = Buffer.alloc(len);
      for (let i = 0; i < len; i++) b[i] = (i * 31 + seed + off) & 0xff || 1;
      writeSync(fd, b, 0, len, off);
    }
  } finally {
    closeSync(fd);
  }
  chownSync(path, smbUid(), 0);
}

/** A fully written file of `size` bytes with position-dependent content. */
export function makeDenseFile(path: string, size: number, seed = 7): void {
  const fd = openSync(path, 'w');
  try {
    const block = 1 << 20;
    for (let off = 0; off < size; off += block) {
      const n = Math.min(block, size - off);
      const b = Buffer.alloc(n);
      for (let i = 0; i + 4 <= n; i += 4) b.writeUInt32LE((off + i + seed) >>> 0, i);
      writeSync(fd, b, 0, n, off);
    }
  } finally {
    closeSync(fd);
  }
  chownSync(path, smbUid(), 0);
}

export function sha256File(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/**
 * The test user's password in EXTENT_LENS_SMB_PASSWORD (what the CLI and the engine read) for the
 * calling describe's tests, and the variable as it was after them: call at the describe's top.
 */
export function useSmbPassword(): void {
  const saved = process.env.EXTENT_LENS_SMB_PASSWORD;
  before(() => {
    process.env.EXTENT_LENS_SMB_PASSWORD = SMB_PASSWORD;
  });
  after(() => {
    if (saved === undefined) delete process.env.EXTENT_LENS_SMB_PASSWORD;
    else process.env.EXTENT_LENS_SMB_PASSWORD = saved;
  });
}
