// `extent-lens clone-range` over SMB where the server cannot clone the range (a share without
// vfs_btrfs; a destination on another share): the refusal advised "… or allow a copy", and
// `--fallback copy` then answered "… or allow a copy. A copy fallback is not available on SMB
// paths (E_UNSUPPORTED)": advice the CLI itself refuses. No range is copied over SMB, so the
// refusal does not offer one; with --fallback copy it says there is none.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { makeLoopFs, sambaSkipReason, startSamba, type LoopFs, type SambaServer, BTRFS_CLONING, stopSamba } from '../support/samba';
import { makeDenseFile, useSmbPassword } from './helpers';
import { cli, ensureBuilt } from '../cli/run-cli';

const skip = sambaSkipReason();
const KiB = 1024;

describe(
  'clone-range over SMB where cloning is impossible: no copy is advised that the CLI then refuses',
  { skip, timeout: 120_000 },
  () => {
    let btrfs: LoopFs;
    let smb: SambaServer;
    useSmbPassword();

    before(async () => {
      ensureBuilt();
      btrfs = makeLoopFs('btrfs', 256);
      makeDenseFile(join(btrfs.mnt, 'a.bin'), 64 * KiB, 1);
      makeDenseFile(join(btrfs.mnt, 'c.bin'), 64 * KiB, 2);
      // one folder, two shares: "b" clones (vfs_btrfs), "n" reports no block refcounting
      smb = await startSamba({
        shares: [
          { name: 'b', path: btrfs.mnt, options: BTRFS_CLONING },
          { name: 'n', path: btrfs.mnt, options: { 'block size': '4096' } },
        ],
      });
    });

    after(async () => {
      await stopSamba(smb, btrfs);
    });

    for (const [what, src, code] of [
      ['a share that cannot clone', 'n', 'E_UNSUPPORTED'],
      ['a destination on another share', 'b', 'E_CROSS_VOLUME'],
    ] as const)
      test(`${what}: ${code} without "allow a copy"; --fallback copy says there is no copy over SMB; the destination unchanged`, () => {
        const before = readFileSync(join(btrfs.mnt, 'c.bin'));
        const args = ['clone-range', smb.uri(src, 'a.bin'), '0', smb.uri('n', 'c.bin'), '0', '4096'];
        const r = cli(args);
        assert.equal(r.code, 1, r.stderr);
        assert.match(r.stderr, new RegExp(`\\(${code}\\)`));
        assert.doesNotMatch(r.stderr, /allow a copy|--fallback/);
        const f = cli([...args, '--fallback', 'copy']);
        assert.equal(f.code, 1, f.stderr);
        assert.match(f.stderr, new RegExp(`\\(${code}\\).*A copy fallback is not available on SMB paths \\(E_UNSUPPORTED\\)`));
        assert.doesNotMatch(f.stderr, /allow a copy/);
        assert.doesNotMatch(f.stderr, /clone-range: clone-range:/);
        assert.ok(readFileSync(join(btrfs.mnt, 'c.bin')).equals(before));
      });

    // The misaligned range's sentence began with its operation already, and the SMB refusal put it
    // in front again: "extent-lens clone-range: clone-range: source offset 100 is not …".
    test('a misaligned range with --fallback copy: E_MISALIGNED and no copy over SMB, the operation named once', () => {
      const f = cli(['clone-range', smb.uri('b', 'a.bin'), '100', smb.uri('b', 'c.bin'), '0', '4096', '--fallback', 'copy']);
      assert.equal(f.code, 1, f.stderr);
      assert.match(f.stderr, /^extent-lens clone-range: source offset 100 is not a multiple of the share's cluster size 4096 bytes \(E_MISALIGNED\);/);
      assert.match(f.stderr, /A copy fallback is not available on SMB paths \(E_UNSUPPORTED\)\.\n$/);
      const j = JSON.parse(cli(['clone-range', smb.uri('b', 'a.bin'), '100', smb.uri('b', 'c.bin'), '0', '4096', '--fallback', 'copy', '--json']).stdout);
      assert.match(j.error.message, /^clone-range: source offset 100 /);
    });
  },
);
