// engine.copy between an SMB share and this computer is refused before any connection, with a
// sentence that names both paths, says what copy can join and what to use instead. Found by hand:
// it said "copying between an SMB share and a local path is not supported (E_UNSUPPORTED); copy
// within one share or locally", which hides that a copy between two shares works, names neither
// path and offers no way to do it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createEngine, FsctlError } from '../../src/engine';

test('copy share -> local and local -> share: E_UNSUPPORTED naming both paths, what works, and smbclient', async () => {
  const engine = createEngine();
  try {
    for (const [src, dst, where] of [
      ['smb://u@h/s/a.img', '/tmp/a.img', /^copy: smb:\/\/u@h\/s\/a\.img is on an SMB share and \/tmp\/a\.img on this computer: /],
      ['/tmp/a.img', 'smb://u@h/s/a.img', /^copy: \/tmp\/a\.img is on this computer and smb:\/\/u@h\/s\/a\.img on an SMB share: /],
    ] as const)
      await assert.rejects(engine.copy(src, dst), (e: FsctlError) => {
        assert.equal(e.code, 'E_UNSUPPORTED');
        assert.match(e.message, where);
        assert.match(e.message, /within a share, between shares and between local paths/);
        assert.match(e.message, /smbclient's get or put/);
        return true;
      });
  } finally {
    await engine.dispose();
  }
});
