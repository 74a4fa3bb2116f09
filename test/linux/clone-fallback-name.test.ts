// A clone that becomes a copy (ext4 cannot share blocks; `fallback: 'copy'`, as "Copy instead" in
// Block Clone Here and `clone --fallback copy`) onto a taken name: the automatic name says what was
// made, "name (copy).ext", as Block Clone To… suggests after Copy instead. A trial's copy was named
// "name (clone).ext". A name the person gave stays as given.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createEngine } from '../../src/engine';
import { freshDir, makeFs, skipReason, type TestFs } from '../support/loopfs';

describe('clone falling back to a copy on ext4: the renamed name', { skip: skipReason('ext4') }, () => {
  let ext4: TestFs;
  before(() => {
    ext4 = makeFs('ext4');
  });
  after(() => ext4?.cleanup());

  test('a taken name becomes "name (copy).ext", then "(copy 2)"; never "(clone)"', async () => {
    const src = path.join(freshDir(ext4, 'src'), 'disk.img');
    fs.writeFileSync(src, Buffer.alloc(8192, 0x5a));
    const dst = freshDir(ext4, 'dst');
    fs.writeFileSync(path.join(dst, 'disk.img'), 'taken');
    const engine = createEngine();
    const first = await engine.clone(src, dst, { onExisting: 'rename', fallback: 'copy' });
    assert.equal(first.fellBack, true);
    assert.equal(first.destination, path.join(dst, 'disk (copy).img'));
    assert.doesNotMatch(first.fallbackReason ?? '', /\(clone\)/, 'the refusal names the file made');
    const second = await engine.clone(src, dst, { onExisting: 'rename', fallback: 'copy' });
    assert.equal(second.destination, path.join(dst, 'disk (copy 2).img'));
    assert.deepEqual(fs.readdirSync(dst).sort(), ['disk (copy 2).img', 'disk (copy).img', 'disk.img']);
    assert.deepEqual(fs.readFileSync(second.destination!), fs.readFileSync(src));
  });

  test('a free name given stays, even one that says "(clone)"', async () => {
    const src = path.join(freshDir(ext4, 'src2'), 'a.bin');
    fs.writeFileSync(src, 'data');
    const given = path.join(freshDir(ext4, 'dst2'), 'a (clone).bin');
    const r = await createEngine().clone(src, given, { onExisting: 'rename', fallback: 'copy' });
    assert.equal(r.fellBack, true);
    assert.equal(r.destination, given);
  });
});
