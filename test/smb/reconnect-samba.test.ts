// Reconnect against a real Samba: smbd is killed (SIGKILL of its whole process group, as a
// crash would) while an operation is in flight, then started again on the same port. The
// operation in flight fails with a sentence that says the connection was dropped and how
// (ECONNRESET) and names the partial temporary file the killed server could not delete, which
// the next operation in the same process deletes as it reconnects (new TCP connection, NTLM
// sign-in, tree connect) and succeeds.
// The share is a plain folder (not btrfs), so Samba's copychunk copies bytes and takes long
// enough to be killed in the middle. A copy between two shares (read through this client from
// one connection, written through another) is killed too: the read fails first, and the close of
// the unfinished destination then meets its own connection's drop.

import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, readdirSync, statSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { FsctlError } from '../../src/engine/errors';
import { closeSmbConnections } from '../../src/engine/backends/smb';
import { createEngine } from '../../src/engine/engine';
import { clientFor } from '../../src/engine/backends/smb/protocol/pool';
import * as M from '../../src/engine/backends/smb/protocol/messages';
import { parseSmbUri } from '../../src/engine/backends/smb/protocol/uri';
import { smbTransport } from '../../src/engine/backends/smb/transport';
import { SMB_PASSWORD, sambaSkipReason, startSamba, type SambaServer } from '../support/samba';
import { smbUid } from './helpers';

const skip = sambaSkipReason();
const MiB = 2 ** 20;

describe('SMB reconnect after smbd is killed mid-operation', { skip, timeout: 180000 }, () => {
  let smb: SambaServer;
  let dir: string;
  let other: string;
  const saved = process.env.EXTENT_LENS_SMB_PASSWORD;

  before(async () => {
    dir = execFileSync('mktemp', ['-d', '/tmp/el-smb-reconnect-XXXX']).toString().trim();
    execFileSync('chmod', ['755', dir]);
    chownSync(dir, smbUid(), 0);
    execFileSync('dd', ['if=/dev/urandom', `of=${join(dir, 'big.bin')}`, 'bs=16M', 'count=48', 'status=none']);
    chownSync(join(dir, 'big.bin'), smbUid(), 0);
    other = execFileSync('mktemp', ['-d', '/tmp/el-smb-reconnect-other-XXXX']).toString().trim();
    execFileSync('chmod', ['755', other]);
    chownSync(other, smbUid(), 0);
    smb = await startSamba({
      shares: [
        { name: 'data', path: dir },
        { name: 'other', path: other },
      ],
    });
    process.env.EXTENT_LENS_SMB_PASSWORD = SMB_PASSWORD;
  });

  after(async () => {
    await closeSmbConnections();
    await smb?.stop();
    if (dir) spawnSync('rm', ['-rf', dir]);
    if (other) spawnSync('rm', ['-rf', other]);
    if (saved === undefined) delete process.env.EXTENT_LENS_SMB_PASSWORD;
    else process.env.EXTENT_LENS_SMB_PASSWORD = saved;
  });

  // ECONNRESET (the server's FIN or RST reached us first) or EPIPE (a request was being written as it went).
  const dropped = (e: FsctlError) =>
    ['ECONNRESET', 'EPIPE'].includes(e.code) &&
    /was dropped: (the server closed the connection|the connection was reset)/.test(e.message) &&
    /next request reconnects/.test(e.message);

  const temps = (d = dir) => readdirSync(d).filter((n) => n.endsWith('.tmp'));

  /** The name of the copy's temporary file in `d`, once `far` says enough of it is written. */
  const tempWriting = async (d: string, far: (st: Stats) => boolean): Promise<string> => {
    const until = Date.now() + 60000;
    for (;;) {
      const t = temps(d);
      // (a name listed can be gone by the stat, seen once in CI: look again rather than fail)
      const st = t.length ? statSync(join(d, t[0]), { throwIfNoEntry: false }) : undefined;
      if (st && far(st)) return t[0];
      if (Date.now() > until) assert.fail('the copy never started writing its temporary file');
      await new Promise((r) => setTimeout(r, 5));
    }
  };

  test('server-side copy to a new name: killed mid-copy, nothing left under either name, the next copy reconnects', async () => {
    // The engine's copy, as the CLI and the extension run it: to a temporary name, renamed at the end.
    const engine = createEngine();
    const src = smb.uri('data', 'big.bin');
    const dst = smb.uri('data', 'copy.bin');
    const copying = engine.copy(src, dst);
    copying.catch(() => undefined);
    // Kill smbd once the temporary destination holds some of the bytes (the copy is under way).
    const temp = await tempWriting(dir, (st) => st.size > 0);
    await smb.kill();
    await assert.rejects(copying, (e: FsctlError) => {
      assert.ok(dropped(e), e.message);
      // The killed server never ran the delete-on-close: the error names the partial file that holds space.
      assert.ok(e.message.includes(`unfinished file ${temp} in ${smb.uri('data', '')}`), e.message);
      assert.match(e.message, /may still be on the share/);
      assert.match(e.message, /once the server is back, delete it if it is there\.$/);
      return true;
    });
    assert.equal(existsSync(join(dir, 'copy.bin')), false, 'no file under the final name');
    assert.deepEqual(temps(), [temp], 'the killed server left the partial temporary file, as the error says');

    await smb.restart();
    const r = await engine.copy(src, dst);
    assert.equal(r.method, 'FSCTL_SRV_COPYCHUNK_WRITE', 'the copy after the restart succeeded, server-side');
    await engine.dispose();
    assert.equal(spawnSync('cmp', [join(dir, 'big.bin'), join(dir, 'copy.bin')]).status, 0, 'the copy equals the source');
    assert.deepEqual(temps(), [], 'the temporary file of the killed copy is gone too');
  });

  test('copy between two shares: killed mid-copy, the error names the unfinished file, which the next connection deletes', async () => {
    // A trial: Server-Side Copy To from one share to another, smbd killed: the error did not name
    // the 300 MiB temporary file left in the other share, and nothing deleted it after a restart.
    const engine = createEngine();
    const src = smb.uri('data', 'big.bin');
    const copying = engine.copy(src, smb.uri('other', 'copy.bin'));
    copying.catch(() => undefined);
    const temp = await tempWriting(other, (st) => st.blocks * 512 > 64 * MiB);
    await smb.kill();
    await assert.rejects(copying, (e: FsctlError) => {
      assert.ok(dropped(e), e.message);
      assert.ok(e.message.includes(`unfinished file ${temp} in ${smb.uri('other', '')}`), e.message);
      return true;
    });
    assert.deepEqual(temps(other), [temp], 'the killed server left the partial temporary file, as the error says');
    await smb.restart();
    await engine.volume(smb.uri('other', '')); // any request to that share after the restart
    await engine.dispose();
    assert.deepEqual(temps(other), [], 'the next connection to the share deleted it');
  });

  test('a large read: killed mid-read, ECONNRESET or EPIPE; after a restart the next operation reconnects in the same process', async () => {
    const uri = smb.uri('data', 'big.bin');
    const target = parseSmbUri(uri);
    const client = await clientFor(target);
    const f = await client.create({ name: 'big.bin', desiredAccess: 0x120089, disposition: M.Disposition.OPEN, options: 0 }, uri);
    // the Explorer's watch of the share on the same connection, sent first: each request is told
    // of its own loss (a trial's copy failed "while CHANGE_NOTIFY was in flight")
    const root = await client.create({ name: '', desiredAccess: 0x100081, disposition: M.Disposition.OPEN, options: 1 }, uri);
    const watching = client.changeNotify(root.fileId, uri, { tree: true, filter: 0x17 }).then(
      () => undefined,
      (e: Error) => e,
    );
    let got = 0;
    await assert.rejects(
      (async () => {
        for await (const part of client.readChunks(f.fileId, 0n, 768 * MiB, uri)) {
          if (got === 0) await smb.kill();
          got += part.length;
        }
      })(),
      (e: FsctlError) => {
        assert.ok(dropped(e), e.message);
        // the READ lost in flight, or (the reads before it answered) the next READ, made after the loss
        assert.match(e.message, / (while READ was in flight \(and \d+ more request\(s\)\)|before READ could be sent);/);
        return true;
      },
    );
    assert.match((await watching)?.message ?? '', / while CHANGE_NOTIFY was in flight/);
    assert.ok(got < 768 * MiB, `read ${got} bytes before the drop`);
    assert.equal(client.conn.closed, true);
    // a request made on the lost connection is told of itself, not of the first request lost (a
    // read's next READ failed "while CHANGE_NOTIFY was in flight": the Explorer's watch)
    await assert.rejects(client.read(f.fileId, 0n, 4096, uri), (e: FsctlError) => {
      assert.ok(dropped(e), e.message);
      assert.match(e.message, /\((ECONNRESET|EPIPE)\) before READ could be sent; /);
      return true;
    });

    // While smbd is down: a clear refusal, not a hang.
    await assert.rejects(smbTransport().exists(uri), (e: FsctlError) => e.code === 'ECONNREFUSED');
    await smb.restart();
    assert.equal(await smbTransport().exists(uri), true);
    const again = await clientFor(target);
    assert.notEqual(again, client, 'a new connection (signed in again)');
    assert.equal(again.conn.closed, false);
  });
});
