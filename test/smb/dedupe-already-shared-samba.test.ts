// Dedupe over SMB of copies the server's btrfs already shares (cp --reflink on the server, or an
// earlier --apply): SMB gives no physical offsets, so the search cannot see that and offers the
// same group on every run. A trial read "net saving 41943040 (40 MiB)" with a note about
// "compressed (btrfs) … (tmpfs, SMB)" files, then "shared 40 MiB … freed 0 bytes": the preview
// and the report must say that over SMB the saving is an upper bound and why, that groups already
// shared are found again, and that the measured freed bytes are the real figure.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chownSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { makeLoopFs, sambaSkipReason, startSamba, type LoopFs, type SambaServer, BTRFS_CLONING, stopSamba } from '../support/samba';
import { makeDenseFile, sha256File, smbUid, useSmbPassword } from './helpers';
import { cli, ensureBuilt } from '../cli/run-cli';

const skip = sambaSkipReason();
const MiB = 1024 * 1024;

describe(
  'dedupe over SMB of copies already shared on the server: the saving is said to be an upper bound',
  { skip, timeout: 120_000 },
  () => {
    let btrfs: LoopFs;
    let smb: SambaServer;
    let dir: string;
    useSmbPassword();

    before(async () => {
      ensureBuilt();
      btrfs = makeLoopFs('btrfs', 256);
      dir = join(btrfs.mnt, 'dd');
      mkdirSync(dir);
      chownSync(dir, smbUid(), 0);
      makeDenseFile(join(dir, 'a.bin'), 4 * MiB, 3);
      execFileSync('cp', ['--reflink=always', join(dir, 'a.bin'), join(dir, 'b.bin')]); // shared on the server
      chownSync(join(dir, 'b.bin'), smbUid(), 0);
      execFileSync('btrfs', ['filesystem', 'sync', btrfs.mnt]);
      smb = await startSamba({ shares: [{ name: 'b', path: btrfs.mnt, options: BTRFS_CLONING }] });
    });

    after(async () => {
      await stopSamba(smb, btrfs);
    });

    // the note: why the figure is a bound, that such groups come back, and what the real figure is
    const smbNote =
      /note: Over SMB the server does not say where a file's data lies on its disk \(no physical offsets\), so whether these copies already share blocks .* is not known: their saving is counted in full, an upper bound, and may be nothing\. A group already shared is found again by every search, and sharing it again frees nothing\. What deduplicating freed is measured from the server's free space before and after \(freed\): that is the real figure\./;

    test('the preview: "up to" the whole copy, at least 0, and the SMB note (not the compressed/tmpfs one)', () => {
      const r = cli(['dedupe', smb.uri('b', 'dd')]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /up to 4194304 /);
      assert.match(r.stdout, /net saving 4194304 \(4 MiB\), at least 0 bytes \(see the notes\)/);
      assert.match(r.stdout, smbNote);
      assert.doesNotMatch(r.stdout, /compressed/);
    });

    test('--apply: the same note beside the measured freed figure, which stays near nothing; the next search offers the group again', () => {
      const sums = ['a.bin', 'b.bin'].map((n) => sha256File(join(dir, n)));
      const r = cli(['dedupe', smb.uri('b', 'dd'), '--apply', '--json']);
      assert.equal(r.code, 0, r.stderr);
      const j = JSON.parse(r.stdout);
      assert.equal(j.total.deduped, String(4 * MiB));
      assert.ok(
        j.notes.some((n: string) => smbNote.test(`note: ${n}`)),
        j.notes.join('\n'),
      );
      // what "freed" is here: the server's count, not a syncfs this client cannot make
      assert.ok(
        j.notes.some((n: string) => /^freed is .*over SMB: the free space the server reports/.test(n)),
        j.notes.join('\n'),
      );
      assert.deepEqual(
        ['a.bin', 'b.bin'].map((n) => sha256File(join(dir, n))),
        sums,
      );
      // the server's commit, then the free space again: the copies were shared before, so (within
      // btrfs's own metadata) nothing more is free
      execFileSync('btrfs', ['filesystem', 'sync', btrfs.mnt]);
      const v = cli(['volume', smb.uri('b', 'dd'), '--json']);
      const freed = BigInt(JSON.parse(v.stdout).freeBytes) - BigInt(j.freeBefore[0].bytes);
      assert.ok(freed < BigInt(MiB) / 4n && freed > -BigInt(MiB) / 4n, `freed ${freed}`);
      const again = cli(['dedupe', smb.uri('b', 'dd')]);
      assert.match(again.stdout, /up to 4194304 /);
      assert.match(again.stdout, smbNote);
    });
  },
);
