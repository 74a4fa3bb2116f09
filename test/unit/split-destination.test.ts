// LinuxBackend's splitDestination (the clone fast path's destination and folder) is a hand-written
// character scan, for speed. Checked against the rule it implements, written plainly: a path with
// "//" or a "." or ".." segment is path.normalize'd, any other is used as it is, and the folder is
// everything before the last slash. Exhaustively, for every string of up to 8 characters over
// "/", ".", "a" and "b" (87,381 strings: every way the separators and dots can meet).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { splitDestination } from '../../src/engine/backends/linux/clone';

function reference(destination: string): { final: string; dir: string } {
  const final = /\/\/|(^|\/)\.\.?(\/|$)/.test(destination) ? path.normalize(destination) : destination;
  const slash = final.lastIndexOf('/');
  return { final, dir: slash > 0 ? final.slice(0, slash) : slash === 0 ? '/' : '.' };
}

test('splitDestination equals the plain rule on every short path of "/", ".", "a", "b"', () => {
  const alphabet = ['/', '.', 'a', 'b'];
  let checked = 0;
  const visit = (p: string, left: number): void => {
    assert.deepEqual(splitDestination(p), reference(p), JSON.stringify(p));
    checked++;
    if (left > 0) for (const c of alphabet) visit(p + c, left - 1);
  };
  visit('', 8);
  assert.equal(checked, 87_381);
});

test('splitDestination on real-looking paths', () => {
  assert.deepEqual(splitDestination('/mnt/xfs/images/disk.qcow2'), { final: '/mnt/xfs/images/disk.qcow2', dir: '/mnt/xfs/images' });
  assert.deepEqual(splitDestination('/mnt/xfs/./sub/..//disk.img'), { final: '/mnt/xfs/disk.img', dir: '/mnt/xfs' });
  assert.deepEqual(splitDestination('/mnt/.snapshots/..hidden'), { final: '/mnt/.snapshots/..hidden', dir: '/mnt/.snapshots' });
  assert.deepEqual(splitDestination('clone.bin'), { final: 'clone.bin', dir: '.' });
  assert.deepEqual(splitDestination('/clone.bin'), { final: '/clone.bin', dir: '/' });
});
