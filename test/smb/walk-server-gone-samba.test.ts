// space over SMB when the server goes away part way: every file left was tried on its own, each
// failing the same way (a trial: 2,446 lines of "Nothing accepts SMB connections … (ECONNREFUSED)"
// on stderr; against a server that stops answering without refusing, each file would wait for
// the request time-out). The walk now stops at the first file whose server is gone and says, in
// one error, that the rest of the named folder was not examined.

import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync, chownSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createEngine } from '../../src/engine';
import { makeLoopFs, sambaSkipReason, startSamba, type LoopFs, type SambaServer, BTRFS_CLONING, stopSamba } from '../support/samba';
import { smbUid, useSmbPassword } from './helpers';

const skip = sambaSkipReason();
const FILES = 200;

describe('space over SMB, the server killed after the first file: one error for the rest', { skip, timeout: 120_000 }, () => {
  let btrfs: LoopFs;
  let smb: SambaServer;
  useSmbPassword();

  before(async () => {
    btrfs = makeLoopFs('btrfs', 256);
    const dir = join(btrfs.mnt, 'many');
    mkdirSync(dir);
    chownSync(dir, smbUid(), 0);
    for (let i = 0; i < FILES; i++) {
      writeFileSync(join(dir, `f${String(i).padStart(3, '0')}.txt`), `file ${i}\n`);
      chownSync(join(dir, `f${String(i).padStart(3, '0')}.txt`), smbUid(), 0);
    }
    smb = await startSamba({ shares: [{ name: 'b', path: btrfs.mnt, options: BTRFS_CLONING }] });
  });

  after(async () => {
    await stopSamba(smb, btrfs);
  });

  test('the first failure and one "the rest was not examined", not one error per file', async () => {
    const top = smb.uri('b', 'many');
    let killed = false;
    const r = await createEngine().space([top], {
      // in this process (no worker): called right after the first file is mapped
      onFileMapped: () => {
        if (killed) return;
        killed = true;
        process.kill(-smb.pid, 'SIGKILL'); // smbd's whole process group, as a crash would
      },
    });
    assert.ok(killed);
    assert.ok(r.files.length >= 1 && r.files.length < FILES, `${r.files.length} files`);
    assert.ok(
      r.errors.length <= 2,
      JSON.stringify(
        r.errors.map((e) => e.message),
        null,
        1,
      ),
    );
    assert.equal(new Set(r.errors.map((e) => e.path)).size, 1);
    const stop = r.errors.at(-1)!;
    assert.match(stop.code, /^(ECONNRESET|ECONNREFUSED|EPIPE)$/);
    assert.match(
      stop.message,
      new RegExp(
        `^space: the SMB server stopped answering \\(${stop.code}\\) at ${top}/f\\d{3}\\.txt, so the rest of ${top} was not examined`,
      ),
    );
    assert.match(r.notes.join('\n'), /^One path of the selection could not be read/m);
  });
});
