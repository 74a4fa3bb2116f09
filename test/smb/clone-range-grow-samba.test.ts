// clone-range over SMB into a range past the destination's end: the destination grows, which the
// report says once. It said it twice in other words ("destination extended from 100 to 196608
// bytes" from the NT algorithm, "… grew from 100 bytes to 196608 bytes; [100, 131072) before the
// range is a hole" from the engine). Checked on the server: size, bytes, shared extents.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync, writeFileSync, chownSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createEngine } from '../../src/engine';
import { makeLoopFs, sambaSkipReason, startSamba, type LoopFs, type SambaServer, BTRFS_CLONING, stopSamba } from '../support/samba';
import { makeDenseFile, smbUid, useSmbPassword } from './helpers';

const skip = sambaSkipReason();
const KiB = 1024;

describe('clone-range over SMB past the destination end: its growth said once', { skip, timeout: 120_000 }, () => {
  let btrfs: LoopFs;
  let smb: SambaServer;
  useSmbPassword();

  before(async () => {
    btrfs = makeLoopFs('btrfs', 256);
    makeDenseFile(join(btrfs.mnt, 'a.bin'), 64 * KiB, 1);
    writeFileSync(join(btrfs.mnt, 'd.bin'), Buffer.alloc(100, 7));
    chownSync(join(btrfs.mnt, 'd.bin'), smbUid(), 0);
    smb = await startSamba({ shares: [{ name: 'b', path: btrfs.mnt, options: BTRFS_CLONING }] });
  });

  after(async () => {
    await stopSamba(smb, btrfs);
  });

  test('one note on the growth, with the hole before the range; the server has the size, the bytes and the shared extent', async () => {
    const r = await createEngine().cloneRange(smb.uri('b', 'a.bin'), 0n, smb.uri('b', 'd.bin'), 128n * 1024n, 64n * 1024n);
    const grew = (r.notes ?? []).filter((n) => /grew|extended/.test(n));
    assert.deepEqual(grew, [
      `${smb.uri('b', 'd.bin')} grew from 100 bytes to 196608 bytes; bytes 100 to 131072, before the range, are a hole`,
    ]);
    const d = join(btrfs.mnt, 'd.bin');
    assert.equal(statSync(d).size, 196608);
    assert.ok(
      readFileSync(d)
        .subarray(128 * KiB)
        .equals(readFileSync(join(btrfs.mnt, 'a.bin'))),
    );
    execFileSync('sync');
    assert.match(execFileSync('filefrag', ['-v', d]).toString(), /shared/);
  });
});
