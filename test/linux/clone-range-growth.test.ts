// clone-range (FICLONERANGE, 1 GiB per call) cancelled between calls, into a destination shorter
// than the range, on a real XFS: what it had shared past the destination's old end is cut off
// again, so the file is not left grown (the copy fallback's: test/cli/clone-range-edges.test.ts).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createEngine, type FsctlError } from '../../src/engine';
import { freshDir, makeFs, skipReason, type TestFs } from '../support/loopfs';

const MiB = 1 << 20;
const engine = createEngine();

describe('clone-range cancelled past the end of its destination', { skip: skipReason('xfs') }, () => {
  let xfs: TestFs;
  before(() => {
    xfs = makeFs('xfs');
  });
  after(async () => {
    await engine.dispose();
    xfs?.cleanup();
  });

  test('cancelled FICLONERANGE into a shorter destination: what it shared past its end is cut off again', async () => {
    const d = freshDir(xfs, 'range-cancel-grow');
    const src = path.join(d, 'src.bin');
    const dst = path.join(d, 'dst.bin');
    fs.writeFileSync(src, Buffer.alloc(4096, 1));
    fs.truncateSync(src, 2 * 1024 * MiB);
    fs.writeFileSync(dst, Buffer.alloc(8192, 2));
    const ac = new AbortController();
    await assert.rejects(engine.cloneRange(src, 0n, dst, 0n, 0n, { signal: ac.signal, onProgress: () => ac.abort() }), (e: FsctlError) => {
      assert.equal(e.code, 'E_CANCELLED');
      assert.match(
        e.message,
        /bytes 0 to 8192 of .*dst\.bin already hold the source's blocks \(shared\) \(8192 bytes\); the rest of .*dst\.bin is unchanged; the 1073733632 bytes it had grown by were cut off again \(its size is 8192 bytes, as before\)\.$/,
      );
      return true;
    });
    assert.equal(fs.statSync(dst).size, 8192, 'the size as before');
  });
});
