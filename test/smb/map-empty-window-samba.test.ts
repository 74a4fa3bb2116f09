// A map of nothing over SMB: an empty file, or a window at or past the end of a file. No FSCTL
// is sent then, and the map used to name its source "refcount" (ReFS reference counts) although
// the server was never asked and Samba has no such control: `extent-lens map` printed
// "source refcount" and the JSON "source":"refcount" for an empty file on a Samba share.
// Found by hand (map smb://…/sparse.img --offset 100M). Now it says what a map over SMB gives:
// allocated ranges.

import assert from 'node:assert/strict';
import { chownSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createEngine, type Engine } from '../../src/engine/engine';
import { makeLoopFs, sambaSkipReason, startSamba, type LoopFs, type SambaServer, BTRFS_CLONING, stopSamba } from '../support/samba';
import { smbUid, useSmbPassword } from './helpers';

const MiB = 1024n * 1024n;

describe(
  'map over SMB2 (Samba) of an empty window: the source is the allocated ranges',
  { skip: sambaSkipReason(), timeout: 120000 },
  () => {
    let fs: LoopFs;
    let smb: SambaServer;
    let engine: Engine;
    useSmbPassword();

    before(async () => {
      fs = makeLoopFs('btrfs', 200);
      writeFileSync(join(fs.mnt, 'empty.bin'), '');
      writeFileSync(join(fs.mnt, 'four.bin'), Buffer.alloc(Number(4n * MiB), 1));
      truncateSync(join(fs.mnt, 'four.bin'), Number(4n * MiB));
      for (const n of ['empty.bin', 'four.bin']) chownSync(join(fs.mnt, n), smbUid(), 0);
      smb = await startSamba({ shares: [{ name: 'data', path: fs.mnt, options: BTRFS_CLONING }] });
      engine = createEngine();
    });

    after(async () => {
      await engine?.dispose();
      await stopSamba(smb, fs);
    });

    test('an empty file, and windows at and past the end of a file: no extents, source allocated-ranges', async () => {
      const cases: Array<[string, { offset: bigint; length: bigint } | undefined]> = [
        ['empty.bin', undefined],
        ['four.bin', { offset: 4n * MiB, length: MiB }],
        ['four.bin', { offset: 100n * MiB, length: MiB }],
      ];
      for (const [name, window] of cases) {
        const m = await engine.map(smb.uri('data', name), window ? { window } : {});
        const what = `${name} ${window ? `at ${window.offset}` : 'whole'}`;
        assert.equal(m.extents.length, 0, what);
        assert.equal(m.source, 'allocated-ranges', `${what}: what the server was (not) asked, never "refcount"`);
      }
      // a window with data, for contrast: the same source
      const m = await engine.map(smb.uri('data', 'four.bin'), { window: { offset: 0n, length: MiB } });
      assert.equal(m.source, 'allocated-ranges');
      assert.equal(m.extents.length, 1);
    });
  },
);
