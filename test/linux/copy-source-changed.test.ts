// A source changed while `copy` reads it, on real ext4 and XFS: the E_CHANGED sentence says what
// the copy saw. copy_file_range is the real one; only its calls are watched, so the source is
// changed between two of them as another process would (truncate(1) on the same file), at a
// point the test chooses rather than a race. A trial's source, truncated and extended again
// during a copy, was said to be "written to"; copies read until EOF, so the copy saw where the
// source ended while it was short.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createEngine, FsctlError } from '../../src/engine';
import { LinuxBackend } from '../../src/engine/backends/linux';
import { loadLibc, type Libc } from '../../src/engine/backends/linux/libc';
import { freshDir, makeFs, skipReason, type TestFs } from '../support/loopfs';

const MiB = 1024 * 1024;
const SIZE = 8 * MiB;

/** A libc whose copy_file_range runs `before(call)` and `after(call)` around the real call (numbered from 1). */
function watched(hooks: { before?: (call: number) => void; after?: (call: number) => void }): Libc {
  const real = loadLibc();
  let calls = 0;
  return {
    ...real,
    copyFileRange(fdIn, offIn, fdOut, offOut, len, flags) {
      calls++;
      hooks.before?.(calls);
      const n = real.copyFileRange(fdIn, offIn, fdOut, offOut, len, flags);
      hooks.after?.(calls);
      return n;
    },
  };
}

async function changedMessage(src: string, dst: string, libc: Libc): Promise<string> {
  const engine = createEngine({ backend: new LinuxBackend(libc) });
  const e = await engine.copy(src, dst).then(
    () => undefined,
    (x: unknown) => x,
  );
  assert.ok(e instanceof FsctlError, `E_CHANGED expected, got ${String(e)}`);
  assert.equal(e.code, 'E_CHANGED');
  assert.equal(fs.existsSync(dst), false, 'nothing kept');
  return e.message;
}

for (const kind of ['ext4', 'xfs'] as const) {
  describe(`copy of a source changed meanwhile (${kind})`, { skip: skipReason(kind) }, () => {
    let tfs: TestFs;
    before(() => {
      tfs = makeFs(kind);
    });
    after(() => tfs?.cleanup());

    const source = (name: string): string => {
      const f = path.join(freshDir(tfs, name), 'src.bin');
      fs.writeFileSync(f, crypto.randomBytes(SIZE));
      return f;
    };

    test('truncated while read, extended again before the end: said so, not "written to"', async () => {
      const src = source('back');
      const message = await changedMessage(
        src,
        path.join(path.dirname(src), 'out.bin'),
        watched({
          before: (call) => call === 1 && fs.truncateSync(src, MiB),
          after: (call) => call === 2 && fs.truncateSync(src, SIZE), // the call that met EOF at 1 MiB
        }),
      );
      assert.match(
        message,
        new RegExp(
          `src\\.bin changed while it was copied \\(reading it ended at ${MiB} bytes, before its size of ${SIZE} bytes, ` +
            'which it has again: it was truncated and then extended\\) \\(E_CHANGED\\)',
        ),
      );
      assert.doesNotMatch(message, /written to/);
    });

    test('truncated while read: its new size, and where reading ended', async () => {
      const src = source('cut');
      const message = await changedMessage(
        src,
        path.join(path.dirname(src), 'out.bin'),
        watched({ before: (call) => call === 1 && fs.truncateSync(src, MiB) }),
      );
      assert.match(message, new RegExp(`\\(its size went from ${SIZE} to ${MiB} bytes; reading it ended at ${MiB} bytes\\)`));
    });

    test('written in place, same size: the time moved, its size did not (written to, or truncated and extended)', async () => {
      const src = source('written');
      const message = await changedMessage(
        src,
        path.join(path.dirname(src), 'out.bin'),
        watched({
          after: (call) => {
            if (call !== 1) return;
            const fd = fs.openSync(src, 'r+');
            fs.writeSync(fd, Buffer.from('new'), 0, 3, 100);
            fs.closeSync(fd);
          },
        }),
      );
      assert.match(message, /\(its modification time changed, its size did not: it was written to, or truncated and extended again\)/);
    });
  });
}
