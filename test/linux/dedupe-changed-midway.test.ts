// Files changed while a dedupe is being applied, between its calls (the in-thread engine's first
// progress event comes right after the first FIDEDUPERANGE call, so a change made there lands
// between two calls of one group):
// - a source cut short after its first 16 MiB call: the next call fails as a whole (EINVAL, the
//   source's range runs past its end), and the report says what was left alone from that call
//   on, not the whole range: the first 16 MiB were shared (in `deduped`) and stay shared.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createEngine } from '../../src/engine';
import { freshDir } from '../support/loopfs';
import { MiB, frags, onReflinkFileSystems } from '../support/dedupe-files';

onReflinkFileSystems((_kind, t) => {
  test('a source cut short between two calls: skipped from the failed call on, the part shared before in deduped', async () => {
    const d = freshDir(t, 'source-cut-midway');
    const x = randomBytes(24 * MiB); // two calls: [0, 16 MiB) and [16 MiB, 24 MiB)
    fs.writeFileSync(path.join(d, 'a'), x);
    fs.writeFileSync(path.join(d, 'b'), x);
    execFileSync('sync');
    const engine = createEngine(); // in this thread: onProgress runs between the calls
    const plan = await engine.findDuplicates([d]);
    assert.equal(plan.groups.length, 1);
    const [src, dest] = plan.groups[0].ranges.map((r) => r.path);
    let cut = false;
    const r = await engine.dedupe(plan, {
      onProgress: () => {
        if (cut) return;
        cut = true;
        fs.truncateSync(src, 8 * MiB);
      },
    });
    assert.ok(cut, 'the source was cut short after the first call');
    assert.equal(r.deduped, BigInt(16 * MiB), 'the first call shared 16 MiB');
    assert.deepEqual(
      r.skipped.map((s) => [s.path, s.offset, s.length, s.reason]),
      [[dest, BigInt(16 * MiB), BigInt(8 * MiB), 'E_CHANGED']],
      'left alone from the failed call on, not the whole range',
    );
    assert.match(r.skipped[0].message, /the source, is shorter than when it was scanned/);
    // what the report says was shared is shared: the 8 MiB the source still holds at least
    // (btrfs flags its whole extent shared, XFS the blocks; filefrag counts 4 KiB blocks)
    const shared = frags(dest)
      .filter((e) => e.flags.includes('shared') && e.logical * 4096 < 16 * MiB)
      .reduce((n, e) => n + e.length * 4096, 0);
    assert.ok(shared >= 8 * MiB, `shared in the first 16 MiB: ${shared}`);
    fs.rmSync(d, { recursive: true });
  });
});
