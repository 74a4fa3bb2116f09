// One share named through two sessions: smb://WORKGROUP;el-smbtest@… and smb://el-smbtest@… (or
// EL-SMBTEST@…) are two pooled connections to one volume (same volume id). copy sent the source's
// resume key, from the one session, in a COPYCHUNK_WRITE on the other: Samba 4.17's smbd child
// crashed (a core dump in its log) and the copy failed with ECONNRESET, blaming a dropped
// connection. clone and clone-range got STATUS_INVALID_HANDLE, explained as "another volume
// (Samba counts each btrfs subvolume …)". Now the copy goes through this client, and a clone is
// refused up front naming the two sessions (E_CROSS_VOLUME). Checked on the server's disk.

import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createEngine } from '../../src/engine';
import { makeLoopFs, sambaSkipReason, startSamba, type LoopFs, type SambaServer, BTRFS_CLONING, stopSamba } from '../support/samba';
import { makeDenseFile, sha256File, useSmbPassword } from './helpers';
import { cli, ensureBuilt } from '../cli/run-cli';

const skip = sambaSkipReason();
const MiB = 1024 * 1024;

describe('one share through two sessions (another spelling of the user)', { skip, timeout: 120_000 }, () => {
  let btrfs: LoopFs;
  let smb: SambaServer;
  /** The same file through the other session: the domain written before the user. */
  const other = (uri: string) => uri.replace('smb://', 'smb://WORKGROUP;');
  useSmbPassword();

  before(async () => {
    ensureBuilt();
    btrfs = makeLoopFs('btrfs', 256);
    makeDenseFile(join(btrfs.mnt, 'a.bin'), 4 * MiB, 5);
    makeDenseFile(join(btrfs.mnt, 'd.bin'), 64 * 1024, 6);
    smb = await startSamba({ shares: [{ name: 'b', path: btrfs.mnt, options: BTRFS_CLONING }] });
  });

  after(async () => {
    await stopSamba(smb, btrfs);
  });

  const noTemp = () =>
    assert.deepEqual(
      readdirSync(btrfs.mnt).filter((n) => n.startsWith('.el-')),
      [],
    );

  test('copy: through this client, with the reason; the bytes on the server; smbd did not crash', () => {
    const r = cli(['copy', smb.uri('b', 'a.bin'), other(smb.uri('b', 'c.bin'))]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /copied \(read and written: no server-side copy\)/);
    assert.match(
      r.stdout,
      /are on one share but reach it through two sessions \(WORKGROUP;el-smbtest@127\.0\.0\.1:\d+\/b and el-smbtest@127\.0\.0\.1:\d+\/b\)/,
    );
    assert.equal(sha256File(join(btrfs.mnt, 'c.bin')), sha256File(join(btrfs.mnt, 'a.bin')));
    assert.doesNotMatch(smb.log(), /dumping core|INTERNAL ERROR/);
    noTemp();
  });

  test('clone: E_CROSS_VOLUME naming the two sessions (not a subvolume), nothing made; --fallback copy copies the bytes', () => {
    const args = ['clone', smb.uri('b', 'a.bin'), other(smb.uri('b', 'e.bin'))];
    const r = cli(args);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /reach it through two sessions .*\(E_CROSS_VOLUME\): a server clones only from a source opened in the destination's session/,
    );
    assert.doesNotMatch(r.stderr, /subvolume|STATUS_INVALID_HANDLE/);
    // the copy it offers comes through this client, not from the server
    assert.match(r.stderr, /hint: add --fallback copy to copy the data instead, read and written through this client/);
    assert.equal(existsSync(join(btrfs.mnt, 'e.bin')), false);
    noTemp();
    const f = cli([...args, '--fallback', 'copy']);
    assert.equal(f.code, 0, f.stderr);
    assert.equal(sha256File(join(btrfs.mnt, 'e.bin')), sha256File(join(btrfs.mnt, 'a.bin')));
    assert.doesNotMatch(smb.log(), /dumping core|INTERNAL ERROR/);
  });

  test('space of one folder named through both sessions: each file counted once (it was counted twice)', async () => {
    const top = smb.uri('b', '');
    const r = await createEngine().space([top, other(top)]);
    assert.deepEqual(r.errors, []);
    const names = readdirSync(btrfs.mnt).filter((n) => n.endsWith('.bin'));
    assert.equal(r.total.files, names.length);
    assert.deepEqual(r.files.map((f) => f.path.slice(top.length + 1)).sort(), names.sort());
  });

  test('dedupe of copies named through the two sessions: no group, a note naming the sessions (not "different volumes")', async () => {
    // c.bin is the copy made above: the same bytes as a.bin
    const plan = await createEngine().findDuplicates([smb.uri('b', 'a.bin'), other(smb.uri('b', 'c.bin'))]);
    assert.deepEqual(plan.errors, []);
    assert.deepEqual(plan.groups, []);
    const notes = plan.notes.join('\n');
    assert.match(
      notes,
      /Files on one share were named through 2 sessions \(.*: the user written differently\): a server clones only between files opened in one session/,
    );
    assert.doesNotMatch(notes, /different volumes|subvolume/);
  });

  test('clone-range: E_CROSS_VOLUME naming the two sessions, without a copy advised; the destination unchanged', () => {
    const before = readFileSync(join(btrfs.mnt, 'd.bin'));
    const r = cli(['clone-range', smb.uri('b', 'a.bin'), '0', other(smb.uri('b', 'd.bin')), '0', '4096']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /reach it through two sessions .*\(E_CROSS_VOLUME\)/);
    assert.doesNotMatch(r.stderr, /subvolume|STATUS_INVALID_HANDLE|allow a copy/);
    assert.ok(readFileSync(join(btrfs.mnt, 'd.bin')).equals(before));
  });
});
