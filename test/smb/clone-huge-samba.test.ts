// A whole-file clone of a huge sparse file over SMB (2^60 + 1 bytes, 16 KiB of data, made on the
// server with truncate + dd and marked sparse over SMB), with the built CLI against Samba on a
// vfs_btrfs share: only the allocated range is cloned (a call per 4 GiB of holes was 2^28 calls,
// all planned in memory before the first was sent), checked on the server's disk. And Ctrl-C
// during a clone-range of 2^60 bytes (which must visit every chunk: a range clone replaces what
// the destination held there) stops it, once or twice pressed.

import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { localBackend } from '../../src/engine/select-backend';
import { SMB_PASSWORD, makeLoopFs, sambaSkipReason, startSamba, type LoopFs, type SambaServer, BTRFS_CLONING, stopSamba } from '../support/samba';
import { ctx, smbUid } from './helpers';
import { CLI_ARGV, cli, ensureBuilt } from '../cli/run-cli';

const skip = sambaSkipReason();
const HUGE = (1n << 60n) + 1n;
const DATA_AT = 1n << 40n;
const KiB16 = 16384;

describe('whole-file clone of a 2^60-byte sparse file over SMB (Samba, btrfs)', { skip }, () => {
  let btrfs: LoopFs;
  let smb: SambaServer;
  const env = { ...process.env, EXTENT_LENS_SMB_PASSWORD: SMB_PASSWORD };

  before(async () => {
    ensureBuilt();
    btrfs = makeLoopFs('btrfs', 320);
    smb = await startSamba({ shares: [{ name: 'b', path: btrfs.mnt, options: BTRFS_CLONING }] });
    const p = join(btrfs.mnt, 'huge.bin');
    execFileSync('truncate', ['-s', String(HUGE), p]);
    execFileSync('dd', ['if=/dev/urandom', `of=${p}`, 'bs=16k', 'count=1', `seek=${DATA_AT / 16384n}`, 'conv=notrunc'], {
      stdio: 'ignore',
    });
    execFileSync('chown', [String(smbUid()), p]);
    const r = cli(['set-sparse', smb.uri('b', 'huge.bin')], { env });
    assert.equal(r.code, 0, r.stderr);
  });

  after(async () => {
    await stopSamba(smb, btrfs);
  });

  function bytesAt(path: string, offset: bigint, n: number): Buffer {
    const fd = openSync(path, 'r');
    try {
      const b = Buffer.alloc(n);
      assert.equal(readSync(fd, b, 0, n, offset), n);
      return b;
    } finally {
      closeSync(fd);
    }
  }

  test('clone finishes at once: one DUPLICATE_EXTENTS for the one range, holes kept, the data shared', async () => {
    const started = Date.now();
    const r = cli(['clone', smb.uri('b', 'huge.bin'), smb.uri('b', 'huge-clone.bin'), '--json'], { env, timeoutMs: 60_000 });
    assert.equal(r.code, 0, `${r.signal} ${r.stderr}`);
    assert.ok(Date.now() - started < 30_000);
    const rep = JSON.parse(r.stdout);
    assert.equal(rep.bytes, String(HUGE));
    assert.ok(rep.calls < 10, `${rep.calls} calls`);
    assert.ok(
      rep.notes.some((n: string) => /cloned 1 allocated range, holes kept/.test(n)),
      r.stdout,
    );
    const q = join(btrfs.mnt, 'huge-clone.bin');
    assert.equal(BigInt(statSync(q, { bigint: true }).size), HUGE);
    const ranges = await localBackend().allocatedRanges(q, undefined, ctx);
    assert.deepEqual(ranges.ranges, [{ offset: DATA_AT, length: BigInt(KiB16) }]);
    assert.deepEqual(bytesAt(q, DATA_AT, KiB16), bytesAt(join(btrfs.mnt, 'huge.bin'), DATA_AT, KiB16));
    assert.match(execFileSync('filefrag', ['-v', q]).toString(), /shared/);
    // the source and the clone both marked sparse (smbclient's listing: "s" / "As")
    const ls = execFileSync('smbclient', [`//127.0.0.1/b`, '-p', String(smb.port), '-U', `el-smbtest%${SMB_PASSWORD}`, '-c', 'ls huge*'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    }).toString();
    assert.match(ls, /huge-clone\.bin\s+[A-Z]*s[A-Z]*\s/i, ls);
  });

  for (const presses of [1, 2]) {
    test(`Ctrl-C pressed ${presses === 1 ? 'once' : 'twice'} stops a clone-range of 2^60 bytes (exit 130), the destination's size put back`, async () => {
      const dst = join(btrfs.mnt, `dst${presses}.bin`);
      execFileSync('truncate', ['-s', '0', dst]);
      execFileSync('chown', [String(smbUid()), dst]);
      const p = spawn(
        process.execPath,
        [...CLI_ARGV, 'clone-range', smb.uri('b', 'huge.bin'), '0', smb.uri('b', `dst${presses}.bin`), '0', String(1n << 60n)],
        {
          env,
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let stderr = '';
      p.stderr.on('data', (d) => (stderr += d));
      const exited = new Promise<number | null>((resolve) => p.once('exit', (code) => resolve(code)));
      // running: the destination was extended for the range
      const until = Date.now() + 20_000;
      while (statSync(dst).size === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
      assert.ok(statSync(dst).size > 0, 'the clone-range started');
      const sentAt = Date.now();
      p.kill('SIGINT');
      if (presses === 2) setTimeout(() => p.kill('SIGINT'), 100);
      const timer = setTimeout(() => p.kill('SIGKILL'), 15_000);
      const code = await exited;
      clearTimeout(timer);
      assert.equal(code, 130, stderr);
      assert.ok(Date.now() - sentAt < 10_000);
      if (presses === 1) {
        assert.match(stderr, /cancel/i);
        assert.equal(statSync(dst).size, 0, 'EOF restored');
      }
    });
  }
});
