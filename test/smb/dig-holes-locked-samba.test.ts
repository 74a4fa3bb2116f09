// Dig Holes on a share's file whose bytes another program has locked (a real Samba with strict
// locking; the lock a POSIX one taken on the server, which Samba honours): the READ that looks
// for zero blocks is refused with STATUS_FILE_LOCK_CONFLICT. A trial showed it bare, "The server
// answered SMB2 READ on … with STATUS_FILE_LOCK_CONFLICT.", as an operation named 'volume': as if
// the person had asked to read, and with nothing to do.

import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { chownSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { once } from 'node:events';
import { after, before, describe, test } from 'node:test';
import { createEngine } from '../../src/engine/engine';
import { FsctlError } from '../../src/engine/errors';
import { makeLoopFs, sambaSkipReason, startSamba, stopSamba, BTRFS_CLONING, type LoopFs, type SambaServer } from '../support/samba';
import { smbUid, useSmbPassword } from './helpers';

const skip = sambaSkipReason();

describe('dig-holes over SMB: a read refused by a lock (Samba, strict locking)', { skip, timeout: 120000 }, () => {
  useSmbPassword();
  let fs: LoopFs;
  let smb: SambaServer;
  let holder: ChildProcess | undefined;

  before(async () => {
    fs = makeLoopFs('btrfs', 256);
    const file = join(fs.mnt, 'locked.bin');
    writeFileSync(file, Buffer.concat([Buffer.alloc(64 * 1024, 1), Buffer.alloc(256 * 1024), Buffer.alloc(64 * 1024, 2)]));
    chownSync(file, smbUid(), 0);
    smb = await startSamba({ shares: [{ name: 'rw', path: fs.mnt, options: { ...BTRFS_CLONING, 'strict locking': 'yes' } }] });
    // a program on the server holds a write lock on the whole file until the test ends
    holder = spawn(
      'python3',
      [
        '-c',
        `import fcntl,sys\nf=open(sys.argv[1],'r+b')\nfcntl.lockf(f,fcntl.LOCK_EX)\nprint('locked',flush=True)\nsys.stdin.read()`,
        file,
      ],
      {
        stdio: ['pipe', 'pipe', 'inherit'],
      },
    );
    const [first] = (await once(holder.stdout!, 'data')) as [Buffer];
    assert.equal(first.toString().trim(), 'locked');
  });
  after(async () => {
    holder?.stdin?.end();
    if (holder && holder.exitCode === null) await once(holder, 'exit');
    await stopSamba(smb, fs);
  });

  test('the failure is dig-holes reading the file, names the status and what to do; nothing changed', async () => {
    const uri = smb.uri('rw', 'locked.bin');
    const before = readFileSync(join(fs.mnt, 'locked.bin'));
    const e = await createEngine()
      .digHoles(uri)
      .then(
        () => assert.fail('dig-holes succeeded under a lock'),
        (err: unknown) => err,
      );
    assert.ok(e instanceof FsctlError, String(e));
    assert.equal(e.operation, 'dig-holes');
    assert.equal(e.code, 'STATUS_FILE_LOCK_CONFLICT');
    assert.equal(
      e.message,
      `dig-holes: could not read ${uri} (SMB2 READ) to find its blocks of zeros: another client or program holds a lock on part of ${uri} (STATUS_FILE_LOCK_CONFLICT); try again once it has released the lock (closed the file).`,
    );
    assert.deepEqual(readFileSync(join(fs.mnt, 'locked.bin')), before);
  });
});
