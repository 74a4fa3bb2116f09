// A file's identity over SMB, and the overwrite checks that rest on it, against a real Samba on
// 127.0.0.1 (btrfs loop mount, two shares over the same folder). Everything is checked on the
// server's disk: bytes (sha256), inode, owner, mode.
//
// The trial: over SMB the NT stat gave no fileId, so `clone-range ov.bin 0 ov.bin 1M 3M` (the
// same file, overlapping ranges) was not refused with E_OVERLAP (a vague STATUS_NOT_SUPPORTED
// instead; the copy fallback would have copied front to back over itself); `copy SRC SRC
// --on-existing overwrite` (also as C.BIN for c.bin) replaced the source by a copy of itself (new
// inode, owner, mode); and overwrite replaced a read-only file and root's 0644 file, which
// smbclient's put refuses with NT_STATUS_ACCESS_DENIED.

import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, linkSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { smbBackend } from '../../src/engine/backends/smb';
import { createEngine, type Engine } from '../../src/engine/engine';
import { FsctlError } from '../../src/engine/errors';
import { SMB_PASSWORD, makeLoopFs, sambaSkipReason, startSamba, type LoopFs, type SambaServer, BTRFS_CLONING, stopSamba } from '../support/samba';
import { cli, ensureBuilt } from '../cli/run-cli';
import { makeDenseFile, sha256File, smbUid, useSmbPassword } from './helpers';

const skip = sambaSkipReason();
const MiB = 1024 * 1024;
const MiBn = BigInt(MiB);

/** What a replacement would change on the server's disk: bytes, inode, owner, group, mode. */
function onDisk(p: string): { sha: string; ino: number; uid: number; gid: number; mode: number } {
  const st = statSync(p);
  return { sha: sha256File(p), ino: st.ino, uid: st.uid, gid: st.gid, mode: st.mode & 0o7777 };
}

async function refused(p: Promise<unknown>, code: string, message: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof FsctlError, `expected an FsctlError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    assert.match(e.message, message);
    return true;
  });
}

describe('SMB file identity and overwrite checks against Samba (btrfs share)', { skip }, () => {
  let fs: LoopFs;
  let smb: SambaServer;
  let engine: Engine;
  let root: string;
  useSmbPassword();
  const uri = (p: string, share = 'data') => smb.uri(share, p);

  before(async () => {
    fs = makeLoopFs('btrfs', 256);
    root = fs.mnt;
    chownSync(root, smbUid(), 0);
    smb = await startSamba({
      shares: [
        { name: 'data', path: root, options: BTRFS_CLONING },
        { name: 'again', path: root },
      ],
    });
    engine = createEngine();
  });

  after(async () => {
    await engine?.dispose();
    await stopSamba(smb, fs);
  });

  test('stat gives a fileId: equal for a case alias and a hard link, different for another file and on another share', async () => {
    makeDenseFile(join(root, 'id.bin'), 4096);
    makeDenseFile(join(root, 'other.bin'), 4096);
    linkSync(join(root, 'id.bin'), join(root, 'id-link.bin'));
    const b = smbBackend();
    const [a, alias, link, other, elsewhere] = await Promise.all(
      [uri('id.bin'), uri('ID.BIN'), uri('id-link.bin'), uri('other.bin'), uri('id.bin', 'again')].map((p) => b.stat!(p)),
    );
    assert.ok(a.fileId, 'a fileId is given');
    assert.match(
      a.fileId,
      new RegExp(`^smb://127\\.0\\.0\\.1:${smb.port}/data#[0-9a-f]+:${statSync(join(root, 'id.bin')).ino.toString(16)}$`),
    );
    assert.equal(alias.fileId, a.fileId, 'ID.BIN is id.bin (the server resolves names without case)');
    assert.equal(link.fileId, a.fileId, 'a hard link is the same file');
    assert.notEqual(other.fileId, a.fileId);
    assert.ok(elsewhere.fileId && elsewhere.fileId !== a.fileId, 'ids on different shares never compare equal');
  });

  test('clone-range over overlapping ranges of one file is E_OVERLAP (also by a case alias, and from the CLI with --fallback copy); the file is unchanged', async () => {
    const p = join(root, 'ov.bin');
    makeDenseFile(p, 4 * MiB);
    const before = onDisk(p);
    for (const target of ['ov.bin', 'OV.BIN']) {
      await refused(
        engine.cloneRange(uri('ov.bin'), 0n, uri(target), 1n * MiBn, 3n * MiBn, { fallback: 'copy' }),
        'E_OVERLAP',
        /overlap in the same file \(E_OVERLAP\)/,
      );
    }
    ensureBuilt();
    const env = { ...process.env, EXTENT_LENS_SMB_PASSWORD: SMB_PASSWORD };
    const r = cli(['clone-range', uri('ov.bin'), '0', uri('ov.bin'), '1M', '3M', '--fallback', 'copy'], { env });
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /E_OVERLAP/);
    assert.deepEqual(onDisk(p), before, 'bytes, inode, owner and mode unchanged');
    // ranges that do not overlap in the same file are still allowed (and really cloned)
    const ok = await engine.cloneRange(uri('ov.bin'), 0n, uri('OV.BIN'), 2n * MiBn, 1n * MiBn);
    assert.equal(ok.bytes, 1n * MiBn);
  });

  test('copy and clone onto the source itself with overwrite are refused (E_BAD_INPUT), also by a case alias; nothing changes on the server', async () => {
    const p = join(root, 'c.bin');
    makeDenseFile(p, 2 * MiB + 5);
    await smbBackend().setSparse(uri('c.bin'), true, { checkCancelled() {}, progress() {} });
    const before = onDisk(p);
    const sparseBefore = (await smbBackend().allocatedRanges(uri('c.bin'), undefined, { checkCancelled() {}, progress() {} })).ranges;
    for (const dest of ['c.bin', 'C.BIN']) {
      await refused(
        engine.copy(uri('c.bin'), uri(dest), { onExisting: 'overwrite' }),
        'E_BAD_INPUT',
        /is the source itself \(E_BAD_INPUT\)/,
      );
      await refused(
        engine.clone(uri('c.bin'), uri(dest), { onExisting: 'overwrite', fallback: 'copy' }),
        'E_BAD_INPUT',
        /is the source itself \(E_BAD_INPUT\)/,
      );
      // without overwrite the name is taken by the source itself: said so
      await refused(engine.copy(uri('c.bin'), uri(dest)), 'E_EXISTS', /is the source itself/);
    }
    assert.deepEqual(onDisk(p), before, 'bytes, inode, owner and mode unchanged');
    const sparseAfter = (await smbBackend().allocatedRanges(uri('c.bin'), undefined, { checkCancelled() {}, progress() {} })).ranges;
    assert.deepEqual(sparseAfter, sparseBefore, 'still marked sparse (the ranges are answered the same way)');
    assert.deepEqual(
      readdirSync(root).filter((n) => n.startsWith('.el-')),
      [],
      'no temporary file',
    );
  });

  test('overwrite of a file this user may not write (DOS read-only; root-owned 0644) is refused with STATUS_ACCESS_DENIED, as smbclient put is; a writable one is replaced', async () => {
    makeDenseFile(join(root, 'src.bin'), 1 * MiB + 3, 11);
    const ro = join(root, 'ro.bin');
    writeFileSync(ro, 'protected\n');
    chownSync(ro, smbUid(), 0);
    const smbclient = (cmd: string) =>
      spawnSync('smbclient', ['//127.0.0.1/data', '-p', String(smb.port), '-U', `el-smbtest%${SMB_PASSWORD}`, '-c', cmd]);
    const setmode = smbclient('setmode ro.bin +r');
    assert.equal(setmode.status, 0, setmode.stdout.toString() + setmode.stderr.toString());
    const rootOnly = join(root, 'root.bin');
    writeFileSync(rootOnly, 'root\n');
    chownSync(rootOnly, 0, 0);
    chmodSync(rootOnly, 0o644);
    for (const name of ['ro.bin', 'root.bin']) {
      const put = smbclient(`put /etc/hostname ${name}`);
      assert.match(put.stdout.toString() + put.stderr.toString(), /NT_STATUS_ACCESS_DENIED/, `${name}: smbclient's put is refused`);
      const before = onDisk(join(root, name));
      const sentence = new RegExp(
        `you cannot open the existing file smb://.*/${name} for writing \\(STATUS_ACCESS_DENIED: .*\\), so it is not overwritten and nothing was written; make it writable on the server .*, or choose another name or ask to rename\\.$`,
      );
      await refused(engine.copy(uri('src.bin'), uri(name), { onExisting: 'overwrite' }), 'STATUS_ACCESS_DENIED', sentence);
      await refused(
        engine.clone(uri('src.bin'), uri(name), { onExisting: 'overwrite', fallback: 'copy' }),
        'STATUS_ACCESS_DENIED',
        sentence,
      );
      assert.deepEqual(onDisk(join(root, name)), before, `${name}: bytes, inode, owner and mode unchanged`);
    }
    const env = { ...process.env, EXTENT_LENS_SMB_PASSWORD: SMB_PASSWORD };
    ensureBuilt();
    const r = cli(['copy', uri('src.bin'), uri('root.bin'), '--on-existing', 'overwrite'], { env });
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /STATUS_ACCESS_DENIED/);
    assert.deepEqual(
      readdirSync(root).filter((n) => n.startsWith('.el-')),
      [],
      'no temporary file',
    );
    // the user's own writable file is still overwritten when asked
    const mine = join(root, 'mine.bin');
    writeFileSync(mine, 'old\n');
    chownSync(mine, smbUid(), 0);
    await engine.copy(uri('src.bin'), uri('mine.bin'), { onExisting: 'overwrite' });
    assert.equal(sha256File(mine), sha256File(join(root, 'src.bin')));
    execFileSync('sync');
  });
});
