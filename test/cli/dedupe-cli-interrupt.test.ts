// Ctrl-C in the middle of a large `extent-lens dedupe --apply` through the built CLI
// (dist/cli.js; the engine runs in the CLI's own thread and its hashing threads): exit 130, and
// every file reads as before.

import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CLI_ARGV, ensureBuilt } from './run-cli';
import { makeLoopFs, skipReason, type LoopFs } from './loop';


/** Until `child` has read 32 MiB (its hashing is under way), or has ended. */
async function readingUnderWay(child: ChildProcess): Promise<void> {
  const readSoFar = (): number => {
    try {
      return Number(/^rchar: (\d+)$/m.exec(fs.readFileSync(`/proc/${child.pid}/io`, 'utf8'))?.[1] ?? 0);
    } catch {
      return 0;
    }
  };
  while (child.exitCode === null && readSoFar() < 32 * 1024 * 1024) await new Promise((r) => setTimeout(r, 1));
}

describe('extent-lens dedupe --apply: Ctrl-C', { skip: skipReason('xfs') }, () => {
  let fsys: LoopFs;
  const digests = (dir: string): Map<string, string> =>
    new Map(
      fs.readdirSync(dir).map((n) => [
        n,
        createHash('sha256')
          .update(fs.readFileSync(path.join(dir, n)))
          .digest('hex'),
      ]),
    );
  before(() => {
    ensureBuilt();
    fsys = makeLoopFs('xfs', 768);
    // 384 MiB, half of it copies: above the engine's threshold for hashing and sharing on threads
    for (let i = 0; i < 48; i++) {
      const b = randomBytes(4 * 1024 * 1024);
      fs.writeFileSync(path.join(fsys.mnt, `p${i}`), b);
      fs.writeFileSync(path.join(fsys.mnt, `q${i}`), b);
    }
    execFileSync('sync');
  });
  after(() => fsys?.cleanup());

  /** `extent-lens dedupe fsys.mnt ARGS...`, its output gathered as it comes, and how it ended. */
  const running = (...args: string[]) => {
    const child = spawn(process.execPath, [...CLI_ARGV, 'dedupe', fsys.mnt, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    const out = { stdout: '', stderr: '' };
    child.stdout.on('data', (d) => (out.stdout += d));
    child.stderr.on('data', (d) => (out.stderr += d));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.on('exit', (code, signal) => resolve({ code, signal })),
    );
    return { child, out, exited };
  };

  test('exit 130 with E_CANCELLED, every file reads as before, nothing else printed', async (t) => {
    const before = digests(fsys.mnt);
    const { child, out, exited } = running('--apply', '--json');
    await readingUnderWay(child); // then Ctrl-C
    child.kill('SIGINT');
    const { code } = await exited;
    if (code === 0) {
      t.skip('the run finished before Ctrl-C arrived; cannot test it on this machine');
      return;
    }
    assert.equal(code, 130, out.stderr);
    assert.equal(JSON.parse(out.stdout).error.code, 'E_CANCELLED');
    assert.match(out.stderr, /E_CANCELLED/);
    assert.deepEqual(digests(fsys.mnt), before);
  });

  test('without --apply nothing changes, so SIGTERM ends it at once (the default action, not a cancel)', async (t) => {
    const { child, exited } = running('--json');
    await readingUnderWay(child);
    child.kill('SIGTERM');
    const { code, signal } = await exited;
    if (code === 0) {
      t.skip('the search finished before the signal arrived; cannot test it on this machine');
      return;
    }
    assert.equal(signal, 'SIGTERM', `ended by the signal itself (exit code ${code})`);
  });

  test('Ctrl-C once sharing has begun: the report of what was done ("cancelled" in it), exit 130, every file as before', async (t) => {
    const MiB = 1024 * 1024;
    const before = digests(fsys.mnt);
    const bfree = (): bigint => fs.statfsSync(fsys.mnt, { bigint: true }).bfree;
    const free0 = bfree();
    const { child, out, exited } = running('--apply', '--json');
    // XFS counts blocks freed by a dedupe at once: the first group has been shared
    while (child.exitCode === null && bfree() === free0) await new Promise((r) => setTimeout(r, 1));
    child.kill('SIGINT');
    const { code } = await exited;
    if (code === 0) {
      t.skip('the run finished before Ctrl-C arrived; cannot test it on this machine');
      return;
    }
    assert.equal(code, 130, out.stderr);
    const report = JSON.parse(out.stdout) as { total: Record<string, unknown> };
    const c = report.total.cancelled as { groupsDone: number; groups: number; countsAtLeast: boolean };
    assert.equal(c.groups, 48);
    assert.ok(c.groupsDone < 48, JSON.stringify(c));
    assert.equal(c.countsAtLeast, false);
    const deduped = BigInt(report.total.deduped as string);
    assert.ok(deduped > 0n && deduped % BigInt(4 * MiB) === 0n, `whole groups of 4 MiB: ${deduped}`);
    assert.equal(report.total.calls, Number(deduped / BigInt(4 * MiB)));
    assert.equal(BigInt(report.total.freed as string), deduped, 'XFS frees exactly the data shared');
    assert.match(
      out.stderr,
      /^extent-lens dedupe: cancelled after \d+ of 48 groups: .* freed .* measured\. Every file still reads exactly as before;.*\(E_CANCELLED\)\.$/m,
    );
    assert.deepEqual(digests(fsys.mnt), before);
  });

  test('a signal that arrives once the report is out does not change the exit status (the work is done)', async () => {
    // the rest of the groups (the test above cancelled part way): runs to the end
    const { child, out, exited } = running('--apply', '--json');
    const complete = (): boolean => {
      try {
        return JSON.parse(out.stdout).total?.freed !== undefined;
      } catch {
        return false;
      }
    };
    let signalled = false;
    // at once, while the process ends its threads and exits (after the listener that gathers the output)
    child.stdout.on('data', () => {
      if (!signalled && complete()) signalled = child.kill('SIGINT');
    });
    const { code, signal } = await exited;
    assert.ok(complete(), out.stdout);
    assert.equal(JSON.parse(out.stdout).total.cancelled, undefined);
    assert.deepEqual({ code, signal }, { code: 0, signal: null }, out.stderr);
  });
});
