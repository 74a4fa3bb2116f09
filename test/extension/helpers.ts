// Helpers for the in-VS-Code suites: the extension's test API, fixtures written from inside
// the extension host, and an independent view of the extents (filefrag -v) to check against.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as vscode from 'vscode';
import type { CloneResultsData, WireSummary } from '../../src/protocol/messages';

export const EXTENSION_ID = 'extent-lens.extent-lens';

/** What activate() returns (agreed surface; see src/extension.ts). */
export interface TestApi {
  openInspectors(): Array<{ path: string; summary?: WireSummary }>;
  lastCloneResults(): CloneResultsData | undefined;
  cloneSelection(): string[];
}

export async function activateExtension(): Promise<{ ext: vscode.Extension<TestApi>; api: TestApi }> {
  const ext = vscode.extensions.getExtension<TestApi>(EXTENSION_ID);
  assert.ok(ext, `extension ${EXTENSION_ID} is not loaded in this VS Code`);
  const api = await ext.activate();
  assert.ok(api && typeof api.openInspectors === 'function', 'activate() must return the test API { openInspectors, lastCloneResults, cloneSelection }');
  return { ext, api };
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Poll `probe` until it returns a value (not undefined), or fail with `what`. */
export async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await sleep(100);
  }
}

/** Settle `p`, or say it is still pending after `ms` (a command waiting on a notification). */
export async function settleWithin<T>(p: Thenable<T>, ms: number): Promise<{ state: 'resolved'; value: T } | { state: 'rejected'; error: unknown } | { state: 'pending' }> {
  return Promise.race([
    Promise.resolve(p).then(
      (value) => ({ state: 'resolved' as const, value }),
      (error: unknown) => ({ state: 'rejected' as const, error }),
    ),
    sleep(ms).then(() => ({ state: 'pending' as const })),
  ]);
}

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `el-vscode-${prefix}-`));
}

const KiB = 1024;
const MiB = 1024 * KiB;

/** Write `len` bytes of a recognisable pattern at `offset` of an open file. */
function writePattern(fd: number, offset: number, len: number, seed: number): void {
  const buf = Buffer.alloc(len);
  for (let i = 0; i < len; i += 4) buf.writeUInt32LE((seed * 2654435761 + i) >>> 0, i);
  fs.writeSync(fd, buf, 0, len, offset);
}

/**
 * A sparse file: data at [0, 64K), [1M, 1M+64K), [3M, 3M+128K), size 5 MiB (ends in a hole).
 * The holes between the data are logical gaps, so every file system keeps three extents.
 */
export function makeSparseFile(file: string): { size: bigint; data: Array<[number, number]> } {
  const data: Array<[number, number]> = [
    [0, 64 * KiB],
    [1 * MiB, 64 * KiB],
    [3 * MiB, 128 * KiB],
  ];
  const fd = fs.openSync(file, 'w');
  try {
    data.forEach(([off, len], i) => writePattern(fd, off, len, i + 1));
    fs.ftruncateSync(fd, 5 * MiB);
    fs.fsyncSync(fd); // FIEMAP then shows real (not delalloc) extents
  } finally {
    fs.closeSync(fd);
  }
  return { size: BigInt(5 * MiB), data };
}

/** A plain file of `size` bytes of pattern data, fsynced. */
export function makeDataFile(file: string, size: number, seed = 7): void {
  const fd = fs.openSync(file, 'w');
  try {
    for (let off = 0; off < size; off += MiB) writePattern(fd, off, Math.min(MiB, size - off), seed + off / MiB);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

export interface FilefragExtent {
  offset: bigint;
  length: bigint;
  physical: bigint;
  flags: string[];
}

export const hasFilefrag = (() => {
  if (process.platform !== 'linux') return false;
  try {
    execFileSync('filefrag', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/**
 * Extents as e2fsprogs' filefrag reports them (FIEMAP with FIEMAP_FLAG_SYNC), in bytes.
 * Offsets are printed in blocks; convert with the block size filefrag prints.
 */
export function filefrag(file: string): FilefragExtent[] {
  const out = execFileSync('filefrag', ['-s', '-v', file], { encoding: 'utf8' });
  // "File size of x is 5242880 (1280 blocks of 4096 bytes)"
  const bs = /blocks of (\d+) bytes/.exec(out);
  assert.ok(bs, `cannot read the block size from filefrag output:\n${out}`);
  const b = BigInt(bs[1]);
  const extents: FilefragExtent[] = [];
  // "   0:        0..      15:      34816..     34831:     16:             last,eof"
  const re = /^\s*\d+:\s+(\d+)\.\.\s*(\d+):\s+(\d+)\.\.\s*(\d+):\s+(\d+):\s*(\d*)\s*:?\s*(.*)$/;
  for (const line of out.split('\n')) {
    const m = re.exec(line);
    if (!m) continue;
    extents.push({ offset: BigInt(m[1]) * b, length: BigInt(m[5]) * b, physical: BigInt(m[3]) * b, flags: m[7].split(',').map((s) => s.trim()).filter(Boolean) });
  }
  return extents;
}

/** Open inspectors for `file` that already carry a summary. */
export async function inspectorSummary(api: TestApi, file: string, timeoutMs = 30_000): Promise<WireSummary> {
  return waitFor(`an inspector with a summary for ${file}`, () => api.openInspectors().find((i) => i.path === file && i.summary)?.summary, timeoutMs);
}

export async function closeAllEditors(): Promise<void> {
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
}

/** Names in a folder, sorted, hidden ones included (a leftover temp file would be hidden). */
export const listDir = (dir: string): string[] => fs.readdirSync(dir).sort();

export async function setOnExisting(value: 'ask' | 'rename' | 'overwrite' | undefined): Promise<void> {
  await vscode.workspace.getConfiguration('extentLens').update('clone.onExisting', value, vscode.ConfigurationTarget.Global);
}
