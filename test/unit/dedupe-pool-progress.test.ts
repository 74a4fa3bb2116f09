// The progress of a dedupe find whose files are hashed by the pool (dedupe-pool.ts): a thread
// adds the bytes it reads to the pool's shared counter as it reads them, not when a file is
// done. A folder holding one 40 GiB VM image otherwise stood at "0 bytes hashed" until the whole
// image was read (the outcome of a file comes back only at its end).

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { SignalContext } from '../../src/engine/context';
import { hashBatch } from '../../src/engine/dedupe-hash';
import { hashedFile } from './dedupe-fixtures';

const MiB = 1024 * 1024;

test("hashBatch adds each file's bytes to the shared counter while it reads them (every 64 chunks), and all of them by its end", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'el-pool-progress-'));
  try {
    const files = [32, 3].map((mib, i) => {
      const p = path.join(dir, `f${i}`);
      fs.writeFileSync(p, randomBytes(mib * MiB));
      return hashedFile(p, BigInt(mib * MiB), [[0n, BigInt(mib * MiB), BigInt(i) << 30n, 0]]);
    });
    const worked = new BigInt64Array(new SharedArrayBuffer(8));
    const seen: bigint[] = [];
    const ctx = new SignalContext('dedupe', []);
    // The hashing yields right after each tick: what the counter holds then is what progress shows.
    ctx.maybeYield = async () => void seen.push(Atomics.load(worked, 0));
    const outcomes = await hashBatch(files, 128n * 1024n, ctx, worked);
    assert.ok(outcomes.every((o) => 'read' in o));
    // 128 KiB chunks: every 64 chunks is every 8 MiB of the 32 MiB file
    assert.deepEqual(
      seen.slice(0, 4),
      [8n, 16n, 24n, 32n].map((m) => m * BigInt(MiB)),
    );
    assert.equal(Atomics.load(worked, 0), BigInt(35 * MiB), 'the 3 MiB file (fewer than 64 chunks) counted at its end');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
