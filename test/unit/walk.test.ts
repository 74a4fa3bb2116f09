// walk.ts, the one walk of a selection (space and dedupe), on a real temporary folder: names in
// order depth first, links not followed (a named one reported), hard links and overlapping
// paths once (a path inside another named folder, as the kernel resolves it, not walked again), a FIFO reported and never opened (opening it would block this test), a non-UTF-8
// name carried (os-path.ts), the caller's own walk of a named folder, and cancel.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { SignalContext } from '../../src/engine/context';
import { backendFor } from '../../src/engine/select-backend';
import { pathError, walkSelection, type WalkError, type WalkSummary } from '../../src/engine/walk';
import { outermost } from '../../src/engine/selection-paths';
import { nodeFsError } from '../../src/engine/errno';

const skip = process.platform === 'win32' ? 'POSIX names, links and FIFOs' : undefined;

describe('walk.ts: the selection walk', { skip }, () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'el-walk-'));
    fs.mkdirSync(path.join(dir, 'sub', 'deep'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'b.bin'), 'b');
    fs.linkSync(path.join(dir, 'b.bin'), path.join(dir, 'sub', 'again.bin'));
    fs.writeFileSync(path.join(dir, 'sub', 'deep', 'c.bin'), 'c');
    fs.writeFileSync(path.join(dir, 'a.bin'), 'a');
    fs.symlinkSync('a.bin', path.join(dir, 'link'));
    // the name's bytes n 0xff ame are not UTF-8: the walk gives it as 'n\udcffame' (surrogateescape)
    fs.writeFileSync(Buffer.concat([Buffer.from(path.join(dir, 'n')), Buffer.from([0xff]), Buffer.from('ame')]), 'n');
    execFileSync('mkfifo', [path.join(dir, 'sub', 'fifo')]);
    fs.mkdirSync(path.join(dir, 'other'));
    fs.writeFileSync(path.join(dir, 'other', 'x.bin'), 'x');
    fs.symlinkSync('../sub/deep', path.join(dir, 'other', 'to-deep'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  const walk = async (
    paths: string[],
    opts: { signal?: AbortSignal; folder?: (p: string) => Promise<boolean>; onFile?: () => void } = {},
  ): Promise<{ files: string[]; errors: WalkError[]; summary: WalkSummary }> => {
    const files: string[] = [];
    const errors: WalkError[] = [];
    const ctx = new SignalContext('dedupe', paths, opts.signal);
    const summary = await walkSelection(paths, backendFor, ctx, {
      file: (p) => {
        files.push(path.relative(dir, p));
        opts.onFile?.();
      },
      error: (e) => errors.push(e),
      folder: opts.folder,
    });
    return { files, errors, summary };
  };

  test('a folder: every regular file once, names in order, depth first; a link and a FIFO not entered', async () => {
    const r = await walk([dir]);
    assert.deepEqual(r.files, ['a.bin', 'b.bin', 'n\udcffame', path.join('other', 'x.bin'), path.join('sub', 'deep', 'c.bin')]);
    assert.deepEqual(r.summary, { symlinks: 2, hardLinks: 1, foldersAgain: 0 });
    const fifo = path.join(dir, 'sub', 'fifo');
    assert.deepEqual(r.errors, [
      {
        path: fifo,
        code: 'E_NOT_REGULAR',
        message: `dedupe: ${fifo} is a FIFO (named pipe), not a regular file; skipped (E_NOT_REGULAR).`,
      },
    ]);
  });

  test('named paths: a link is reported, a missing path too; a path inside another named folder is not walked again', async () => {
    const link = path.join(dir, 'link');
    const nope = path.join(dir, 'nope');
    const r = await walk([path.join(dir, 'sub'), link, nope, path.join(dir, 'sub', 'deep', 'c.bin'), dir]);
    // sub and c.bin are inside dir: only the link, the missing path and dir are walked, so the
    // FIFO, the links and the hard link (sub/again.bin = b.bin) are met once each
    assert.deepEqual(r.files, ['a.bin', 'b.bin', 'n\udcffame', path.join('other', 'x.bin'), path.join('sub', 'deep', 'c.bin')]);
    assert.deepEqual(
      r.errors.map((e) => [e.path, e.code]),
      [
        [link, 'E_NOT_REGULAR'],
        [nope, 'ENOENT'],
        [path.join(dir, 'sub', 'fifo'), 'E_NOT_REGULAR'],
      ],
    );
    assert.match(r.errors[0].message, /is a symbolic link; links are not followed, name what it points to instead \(E_NOT_REGULAR\)/);
    // the links met in dir (the one named is an error of its own, not counted again as named)
    assert.deepEqual(r.summary, { symlinks: 2, hardLinks: 1, foldersAgain: 0 });
  });

  test('outermost: containment as the kernel resolves the paths, never by their text', () => {
    const sub = path.join(dir, 'sub');
    const deep = path.join(sub, 'deep');
    // other/to-deep/.. is sub (the parent of the link's target), which contains sub/deep/c.bin;
    // as text it would be other, which does not
    const viaLink = `${dir}/other/to-deep/..`;
    assert.deepEqual(outermost([path.join(deep, 'c.bin'), viaLink]), [viaLink]);
    assert.deepEqual(outermost([deep, sub]), [sub], 'a folder named after one inside it');
    assert.deepEqual(outermost([sub, `${dir}/./sub/`, deep]), [sub], 'one folder named twice: the first name');
    assert.deepEqual(
      outermost([path.join(dir, 'other', 'to-deep'), sub]),
      [path.join(dir, 'other', 'to-deep'), sub],
      'a named link is kept (reported, never followed)',
    );
    assert.deepEqual(outermost([path.join(dir, 'a.bin'), path.join(dir, 'b.bin')]), [path.join(dir, 'a.bin'), path.join(dir, 'b.bin')]);
  });

  test('a named folder the caller walks itself is not entered; one it declines is', async () => {
    const asked: string[] = [];
    const r = await walk([path.join(dir, 'other'), path.join(dir, 'sub', 'deep')], {
      folder: async (p) => {
        asked.push(p);
        return p.endsWith('other');
      },
    });
    assert.deepEqual(asked, [path.join(dir, 'other'), path.join(dir, 'sub', 'deep')], 'asked for named folders only');
    assert.deepEqual(r.files, [path.join('sub', 'deep', 'c.bin')]);
  });

  test('cancel stops the walk at the next path', async () => {
    const ac = new AbortController();
    await assert.rejects(walk([dir], { signal: ac.signal, onFile: () => ac.abort() }), (e: { code?: string }) => e.code === 'E_CANCELLED');
  });
});

test("a path's error is named by the command, not by the step inside it that failed (the map read)", () => {
  const p = '/x/y';
  const failed = nodeFsError('map', Object.assign(new Error('x'), { code: 'EIO', errno: 5, syscall: 'open' }), [p]);
  assert.match(failed.message, /^map: /);
  const e = pathError('dedupe', p, failed);
  assert.equal(e.code, 'EIO');
  assert.equal(e.message, failed.message.replace(/^map: /, 'dedupe: '));
  assert.match(pathError('space', p, failed).message, /^space: open failed on \/x\/y: .*\(EIO\)\.$/);
});
