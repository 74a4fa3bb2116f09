// dig-holes holds the file alone (a write lease, docs/ENGINE.md "dig-holes"), on real XFS,
// btrfs and ext4, with real other processes: a file another process has open is refused before
// any change (E_IN_USE); a process that opens it during the dig waits, and the dig stops before
// its next punch, saying what it had deallocated; where no lease can be had (not the owner) the
// dig goes on and the report says what it could not make sure of.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createEngine, type FsctlError } from '../../src/engine';
import { fromOsBytes } from '../../src/engine/os-path';
import { LinuxBackend } from '../../src/engine/backends/linux';
import { digHoles } from '../../src/engine/dig-holes';
import { freshDir, makeFs, skipReason, type TestFs } from '../support/loopfs';

const engine = createEngine();
const MiB = 1 << 20;
const NOBODY = 65534;

/** `n` bytes of a pattern with no zero byte. */
function data(n: number, seed: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = ((i * 131 + seed) % 251) + 1;
  return b;
}
/** 4 KiB of data, 1 MiB of zeros, 4 KiB of data, 1 MiB of zeros, 4 KiB of data: two runs to dig. */
function twoRuns(): Buffer {
  return Buffer.concat([data(4096, 1), Buffer.alloc(MiB), data(4096, 2), Buffer.alloc(MiB), data(4096, 3)]);
}
const exited = (c: ChildProcess): Promise<number | null> => new Promise((r) => c.on('exit', (code) => r(code)));

for (const kind of ['xfs', 'btrfs', 'ext4'] as const) {
  describe(`dig-holes holds the file alone on ${kind}`, { skip: skipReason(kind) }, () => {
    let tfs: TestFs;
    before(() => {
      tfs = makeFs(kind);
    });
    after(() => tfs?.cleanup());

    test('a file another process has open is refused (E_IN_USE): nothing changed', async () => {
      const f = path.join(freshDir(tfs, 'open'), 'vm.img');
      const content = twoRuns();
      fs.writeFileSync(f, content);
      const ranges = (await engine.ranges(f)).ranges;
      // a process holding it open for reading only (a writer is refused alike)
      const fd = fs.openSync(f, 'r');
      const holder = spawn('sleep', ['30'], { stdio: [fd, 'ignore', 'ignore'] });
      fs.closeSync(fd);
      try {
        await assert.rejects(engine.digHoles(f), (e: FsctlError) => {
          assert.equal(e.code, 'E_IN_USE');
          assert.equal(e.errno, 11);
          assert.match(
            e.message,
            /^dig-holes: .*vm\.img is open in another process \(EAGAIN from fcntl\(F_SETLEASE\), E_IN_USE\), such as a running VM, .* nothing was changed\. Stop it or close the file there, then run dig-holes again/,
          );
          return true;
        });
        assert.deepEqual((await engine.ranges(f)).ranges, ranges, 'nothing punched');
      } finally {
        holder.kill();
        await exited(holder);
      }
      // closed there: dug
      assert.equal((await engine.digHoles(f)).bytes, 2n * BigInt(MiB));
      assert.ok(fs.readFileSync(f).equals(content));
    });

    // A trial: dig-holes of a disk image attached to a loop device was refused as "open in another
    // process … (fuser or lsof names the process)"; fuser names none: the kernel holds it for the
    // loop device. The refusal names the device and the remedy.
    test('a file attached to a loop device is refused naming the device (fuser names no process): nothing changed', async () => {
      const f = path.join(freshDir(tfs, 'loop'), 'disk.img');
      const content = twoRuns();
      fs.writeFileSync(f, content);
      const ranges = (await engine.ranges(f)).ranges;
      const dev = execFileSync('losetup', ['-f', '--show', f], { encoding: 'utf8' }).trim();
      try {
        assert.equal(spawnSync('fuser', [f]).stdout.toString().trim(), '', 'fuser names no process');
        await assert.rejects(engine.digHoles(f), (e: FsctlError) => {
          assert.equal(e.code, 'E_IN_USE');
          assert.equal(
            e.message,
            `dig-holes: ${f} is attached to the loop device ${dev} (EAGAIN from fcntl(F_SETLEASE), E_IN_USE): the kernel holds it ` +
              'open for it, and what uses it (a mounted file system) could write a block between dig-holes reading it as zeros and ' +
              `punching it, and that block would be lost; nothing was changed. Unmount what is on ${dev} and detach it ` +
              `(losetup -d ${dev}), then run dig-holes again.`,
          );
          return true;
        });
        assert.deepEqual((await engine.ranges(f)).ranges, ranges, 'nothing punched');
      } finally {
        execFileSync('losetup', ['-d', dev]);
      }
      assert.equal((await engine.digHoles(f)).bytes, 2n * BigInt(MiB), 'detached: dug');
      assert.ok(fs.readFileSync(f).equals(content));
    });

    test('a file attached to a loop device whose name is not UTF-8 is refused naming the device too', async (t) => {
      if (kind !== 'xfs') return t.skip("once is enough: the name is the kernel's, not the file system's");
      const name = Buffer.concat([Buffer.from(`${freshDir(tfs, 'loop-bytes')}/disk `), Buffer.from([0xff]), Buffer.from('.img')]);
      fs.writeFileSync(name, twoRuns());
      const quoted = `$'${[...name].map((b) => `\\x${b.toString(16).padStart(2, '0')}`).join('')}'`;
      const dev = execFileSync('bash', ['-c', `losetup -f --show ${quoted}`], { encoding: 'utf8' }).trim();
      try {
        await assert.rejects(engine.digHoles(fromOsBytes(name)), (e: FsctlError) => {
          assert.equal(e.code, 'E_IN_USE');
          assert.ok(e.message.includes(`is attached to the loop device ${dev} `) && e.message.includes(`(losetup -d ${dev})`), e.message);
          return true;
        });
      } finally {
        execFileSync('losetup', ['-d', dev]);
      }
    });

    test('a process that opens the file during the dig waits, and the dig stops before its next punch', async () => {
      const f = path.join(freshDir(tfs, 'meanwhile'), 'db.bin');
      const content = twoRuns();
      fs.writeFileSync(f, content);
      let reader: ChildProcess | undefined;
      let readerDone: Promise<number | null> | undefined;
      let out = '';
      let runs = 0;
      const ctx = {
        checkCancelled() {},
        progress() {},
        beforeVerify: async () => {
          if (++runs !== 2) return;
          // Before the second run is punched, another process opens the file: its open must wait.
          reader = spawn('sh', ['-c', `wc -c < '${f}'`], { stdio: ['ignore', 'pipe', 'inherit'] });
          reader.stdout!.on('data', (b: Buffer) => (out += b.toString()));
          readerDone = exited(reader);
          await new Promise((r) => setTimeout(r, 300));
          assert.equal(out, '', 'the open waits while the file is held');
        },
      };
      await assert.rejects(digHoles(new LinuxBackend(), f, undefined, ctx), (e: FsctlError) => {
        assert.equal(e.code, 'E_IN_USE');
        assert.match(
          e.message,
          new RegExp(
            `^dig-holes stopped: another process opened .*db\\.bin while it was being dug \\(E_IN_USE\\); its open waited until dig-holes let go, so it could not write meanwhile\\. ${MiB - 4096} bytes were deallocated before that \\(measured\\); the file reads as before \\(only blocks of zeros became holes\\)\\. Run it again when nothing else has the file open\\.$`,
          ),
        );
        return true;
      });
      assert.equal(runs, 2);
      assert.equal(await readerDone, 0, 'the other process went on once the dig let go');
      assert.equal(out.trim(), String(content.length));
      assert.ok(fs.readFileSync(f).equals(content), 'the file reads as before');
      // only the first run (the rest of the first 1 MiB chunk read) was punched
      assert.deepEqual(
        (await engine.ranges(f)).ranges.map((r) => r.offset),
        [0n, BigInt(MiB)],
      );
    });

    test('held alone, a run is read again and punched in one call per 1 MiB chunk, not in 64 KiB pieces', async () => {
      const f = path.join(freshDir(tfs, 'one-piece'), 'disk.raw');
      // 4 KiB of data, 2 MiB of zeros (two 1 MiB chunks: the first starts at 4 KiB), 4 KiB of data
      const content = Buffer.concat([data(4096, 4), Buffer.alloc(2 * MiB), data(4096, 5)]);
      fs.writeFileSync(f, content);
      const b = new LinuxBackend();
      const punches: bigint[] = [];
      const punch = b.io.punch!.bind(b.io);
      b.io.punch = (fd, offset, length, p) => {
        punches.push(length);
        return punch(fd, offset, length, p);
      };
      const r = await createEngine({ backend: b }).digHoles(f);
      assert.equal(r.bytes, 2n * BigInt(MiB));
      assert.ok(fs.readFileSync(f).equals(content), 'the file reads as before');
      // the chunks read: [0, 1 MiB) holds a run of 1 MiB - 4 KiB, [1 MiB, 2 MiB) is all zeros,
      // [2 MiB, 2 MiB + 8 KiB) a run of 4 KiB: three punches (64 KiB pieces made 33)
      assert.deepEqual(punches, [BigInt(MiB - 4096), BigInt(MiB), 4096n]);
      assert.match(r.notes![0], /punched 1 run of zero blocks; /);
    });

    test('not the owner (no lease): the dig goes on, and the report says what it could not make sure of', async (t) => {
      if (kind !== 'xfs') return t.skip("once is enough: the lease is the kernel's, not the file system's");
      const d = freshDir(tfs, 'not-owner');
      for (const p of [path.dirname(tfs.mountPoint), tfs.mountPoint, d]) fs.chmodSync(p, 0o755);
      const f = path.join(d, 'shared.bin');
      fs.writeFileSync(f, twoRuns());
      fs.chmodSync(f, 0o666); // root's, writable by everyone
      process.setegid!(NOBODY);
      process.seteuid!(NOBODY);
      let r;
      try {
        r = await createEngine({ backend: new LinuxBackend() }).digHoles(f);
      } finally {
        process.seteuid!(0);
        process.setegid!(0);
      }
      assert.equal(r.bytes, 2n * BigInt(MiB));
      assert.ok(
        r.notes!.includes(
          "could not make sure that no other process opens the file while it is dug: a lease needs the file's owner or CAP_LEASE (EACCES from fcntl(F_SETLEASE)); a block written meanwhile by another process could be lost, so stop writers first",
        ),
        String(r.notes),
      );
    });
  });
}
