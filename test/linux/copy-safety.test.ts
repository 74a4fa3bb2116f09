// Copies and clones that must be as safe as cp (issue 11, items 2, 5, 6, 7 and the swap file of
// 12), on real loop-mounted XFS and ext4:
//   - a new file gets cp's mode: the source's 0777 bits less the umask (set-id and sticky
//     dropped), for the clone core, the in-kernel copy, the read/write copy and the fallback;
//   - a copy has no name until it is complete (O_TMPFILE): nothing appears in the folder while
//     it runs, and nothing is left after a cancel;
//   - a copy runs until read() says EOF: /proc and /sys files copy exactly; a source that shrank,
//   grew or was written during the copy is E_CHANGED and nothing is kept;
//   - a cancelled or failed clone-range says which bytes of the existing destination changed;
//   - an active swap file is copied (copy_file_range refuses it with ETXTBSY).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createEngine, type FsctlError } from '../../src/engine';
import { LinuxBackend } from '../../src/engine/backends/linux';
import { loadLibc, O_TMPFILE, type Libc } from '../../src/engine/backends/linux/libc';
import { freshDir, makeFs, skipReason, type TestFs } from '../support/loopfs';
import { listing, sha256, writeData, writeSparse } from '../support/sparse-files';

const MiB = 1024 * 1024;
const engine = createEngine();

/** The real libc, but copy_file_range always fails with EXDEV (as across some file systems). */
function noKernelCopy(): Libc {
  const real = loadLibc();
  let fake = 0;
  return {
    ...real,
    copyFileRange() {
      fake = 18; // EXDEV
      return -1;
    },
    errno: () => {
      const e = fake || real.errno();
      fake = 0;
      return e;
    },
  };
}

function withUmask<T>(mask: number, f: () => Promise<T>): Promise<T> {
  const old = process.umask(mask);
  return f().finally(() => process.umask(old));
}

const mode = (p: string): number => fs.statSync(p).mode & 0o7777;

/** The real libc, except that open(dir, O_TMPFILE) fails with EOPNOTSUPP (a file system without it). */
function noTmpfile(): Libc {
  const real = loadLibc();
  let fake = 0;
  return {
    ...real,
    open(p, flags, m) {
      if ((flags & O_TMPFILE) === O_TMPFILE) {
        fake = 95; // EOPNOTSUPP
        return -1;
      }
      fake = 0;
      return real.open(p, flags, m);
    },
    errno: () => fake || real.errno(),
  };
}

describe('copy and clone safety (xfs + ext4)', { skip: skipReason('xfs') ?? skipReason('ext4') }, () => {
  let xfs: TestFs;
  let ext4: TestFs;
  before(() => {
    xfs = makeFs('xfs');
    ext4 = makeFs('ext4', 256);
  });
  after(() => {
    xfs?.cleanup();
    ext4?.cleanup();
  });

  test('permissions: cp rules (mode & 0777 & ~umask) for clone, copy, read/write copy and clone fallback; cp agrees', async () => {
    const d = freshDir(xfs, 'modes');
    const e = freshDir(ext4, 'modes');
    const portable = createEngine({ backend: new LinuxBackend(noKernelCopy()) });
    for (const [srcMode, mask] of [
      [0o6755, 0o022],
      [0o6755, 0o077],
      [0o1777, 0o022],
      [0o666, 0o077],
      [0o640, 0o000],
    ] as const) {
      const tag = `${srcMode.toString(8)}-${mask.toString(8)}`;
      const want = srcMode & 0o777 & ~mask;
      for (const dir of [d, e]) {
        const src = path.join(dir, `src-${tag}`);
        writeData(src, 20_000);
        fs.chmodSync(src, srcMode);
        await withUmask(mask, async () => {
          const made: string[] = [];
          if (dir === d) made.push((await engine.clone(src, path.join(dir, `clone-${tag}`))).destination!);
          else made.push((await engine.clone(src, path.join(dir, `fallback-${tag}`), { fallback: 'copy' })).destination!);
          made.push((await engine.copy(src, path.join(dir, `copy-${tag}`))).destination!);
          made.push((await portable.copy(src, path.join(dir, `rw-${tag}`))).destination!);
          execFileSync('cp', [src, path.join(dir, `cp-${tag}`)]);
          assert.equal(mode(path.join(dir, `cp-${tag}`)), want, `cp itself, ${tag}`);
          for (const m of made) {
            assert.equal(mode(m), want, `${path.basename(m)}: ${mode(m).toString(8)}, cp gives ${want.toString(8)}`);
            assert.equal(sha256(m), sha256(src));
          }
        });
      }
    }
  });

  test('overwrite: the replaced file keeps its owner and permission bits, as cp writing into it leaves them; cp agrees', async () => {
    const d = freshDir(xfs, 'overwrite-modes');
    const src = path.join(d, 'src');
    writeData(src, 20_000);
    fs.chmodSync(src, 0o600);
    for (const [destMode, uid] of [
      [0o644, 65534],
      [0o4755, 0],
      [0o640, 1000],
    ] as const) {
      const tag = destMode.toString(8);
      const dests = ['clone', 'copy', 'cp'].map((k) => path.join(d, `${k}-${tag}`));
      for (const dst of dests) {
        fs.writeFileSync(dst, 'old');
        fs.chownSync(dst, uid, uid);
        fs.chmodSync(dst, destMode);
      }
      await engine.clone(src, dests[0], { onExisting: 'overwrite' });
      await engine.copy(src, dests[1], { onExisting: 'overwrite' });
      execFileSync('cp', [src, dests[2]]);
      for (const dst of dests) {
        const st = fs.statSync(dst);
        assert.equal((st.mode & 0o7777).toString(8), destMode.toString(8), `${path.basename(dst)}: the mode it had`);
        assert.deepEqual([st.uid, st.gid], [uid, uid], `${path.basename(dst)}: the owner it had`);
        assert.equal(sha256(dst), sha256(src));
      }
    }
  });

  test('a copy has no name until it is complete, and a cancel leaves nothing (in the kernel and read/write)', async () => {
    for (const [fsys, eng] of [
      [ext4, engine],
      [ext4, createEngine({ backend: new LinuxBackend(noKernelCopy()) })],
    ] as const) {
      const d = freshDir(fsys, `unnamed-${Math.random().toString(16).slice(2, 8)}`);
      const src = path.join(d, 'src.bin');
      writeData(src, 80 * MiB);
      const out = freshDir(fsys, `${path.basename(d)}-out`);
      const seen: string[][] = [];
      const r = await eng.copy(src, path.join(out, 'dst.bin'), { onProgress: () => seen.push(listing(out)) });
      assert.equal(r.bytes, BigInt(80 * MiB));
      assert.ok(seen.length > 0);
      assert.ok(
        seen.every((l) => l.length === 0),
        `names seen during the copy: ${JSON.stringify(seen.find((l) => l.length))}`,
      );
      assert.equal(sha256(path.join(out, 'dst.bin')), sha256(src));
      fs.rmSync(path.join(out, 'dst.bin'));
      const free0 = fs.statfsSync(out).bfree;
      const ac = new AbortController();
      let during: string[] = [];
      await assert.rejects(
        eng.copy(src, out, {
          signal: ac.signal,
          onProgress: () => {
            during = listing(out);
            ac.abort();
          },
        }),
        (e: FsctlError) => e.code === 'E_CANCELLED',
      );
      assert.deepEqual(during, [], 'no name while the copy runs');
      assert.deepEqual(listing(out), []);
      assert.ok(fs.statfsSync(out).bfree >= free0 - 16, 'no space held by a leftover inode');
      fs.rmSync(d, { recursive: true });
    }
  });

  test("a copy's data is on the disk before it has a name (fdatasync, then linkat or rename); a failed fdatasync leaves nothing", async () => {
    // Without it a power loss after the name was given left the name with data the disk never
    // got (XFS: an empty file) and a writeback error (EIO) was lost after "copied".
    const calls: string[] = [];
    let failSync = 0;
    let fake = 0;
    const recording = (base: Libc): Libc => ({
      ...base,
      fdatasync(fd) {
        calls.push('fdatasync');
        fake = failSync;
        return failSync ? -1 : base.fdatasync(fd);
      },
      linkat(a, b, c, d, e) {
        calls.push('linkat');
        return base.linkat(a, b, c, d, e);
      },
      renameat2(a, b, c, d, e) {
        calls.push('renameat2');
        return base.renameat2(a, b, c, d, e);
      },
      errno: () => {
        const e = fake || base.errno();
        fake = 0;
        return e;
      },
    });
    const d = freshDir(ext4, 'durable');
    const src = path.join(d, 'src.bin');
    writeData(src, 8 * MiB);
    for (const [how, libc] of [
      ['in the kernel', loadLibc()],
      ['read and written', noKernelCopy()],
    ] as const) {
      const eng = createEngine({ backend: new LinuxBackend(recording(libc)) });
      const dst = path.join(d, `dst-${how.replace(/ /g, '-')}.bin`);
      for (const onExisting of ['fail', 'overwrite'] as const) {
        calls.length = 0;
        await eng.copy(src, dst, { onExisting });
        const named = calls.findIndex((c) => c === 'linkat' || c === 'renameat2');
        assert.ok(named > 0 && calls.slice(0, named).includes('fdatasync'), `${how}, ${onExisting}: ${calls.join(', ')}`);
        // ext4 allocates written data at writeback: a copy not yet written shows delalloc extents
        assert.doesNotMatch(execFileSync('filefrag', ['-v', dst], { encoding: 'utf8' }), /delalloc/, `${how}, ${onExisting}`);
        assert.equal(sha256(dst), sha256(src));
      }
      failSync = 5; // EIO
      const lost = path.join(d, 'lost.bin');
      await assert.rejects(eng.copy(src, lost), (e: FsctlError) => e.code === 'EIO' && /fdatasync/.test(e.message) && e.message.includes(lost));
      failSync = 0;
      assert.equal(fs.existsSync(lost), false, `${how}: nothing named after a failed fdatasync`);
    }
    assert.deepEqual(listing(d).sort(), ['dst-in-the-kernel.bin', 'dst-read-and-written.bin', 'src.bin']);
    fs.rmSync(d, { recursive: true });
  });

  test('overwrite replaces only the file agreed to: one made again meanwhile is refused (E_CHANGED), one removed is not "replaced"', async () => {
    // A trial: a file removed and written again by another program during the copy was replaced
    // all the same ("existed and was replaced"), and one removed meanwhile was said replaced too.
    const d = freshDir(ext4, 'replace-race');
    const src = path.join(d, 'src.bin');
    writeData(src, 40 * MiB);
    const dst = path.join(d, 'dst.bin');
    fs.writeFileSync(dst, 'agreed to lose');
    let once = false;
    await assert.rejects(
      engine.copy(src, dst, {
        onExisting: 'overwrite',
        onProgress: () => {
          if (once) return;
          once = true;
          fs.rmSync(dst);
          fs.writeFileSync(dst, 'made again meanwhile');
        },
      }),
      (e: FsctlError) => e.code === 'E_CHANGED' && /is not the file that was to be replaced/.test(e.message) && /Nothing was overwritten/.test(e.message),
    );
    assert.equal(fs.readFileSync(dst, 'utf8'), 'made again meanwhile');
    assert.deepEqual(listing(d).sort(), ['dst.bin', 'src.bin'], 'nothing else left');
    // removed meanwhile: the copy is named, and not said to have replaced anything
    once = false;
    const r = await engine.copy(src, dst, {
      onExisting: 'overwrite',
      onProgress: () => {
        if (once) return;
        once = true;
        fs.rmSync(dst);
      },
    });
    assert.equal(r.replaced, undefined);
    assert.ok(!(r.notes ?? []).some((n) => /was replaced/.test(n)), JSON.stringify(r.notes));
    assert.equal(sha256(dst), sha256(src));
    // the file agreed to is replaced, and said so
    fs.writeFileSync(dst, 'agreed to lose');
    const again = await engine.copy(src, dst, { onExisting: 'overwrite' });
    assert.equal(again.replaced, true);
    assert.equal(sha256(dst), sha256(src));
    fs.rmSync(d, { recursive: true });
  });

  test('without O_TMPFILE: a hidden temporary name while the copy runs, cp modes, removed after a cancel', async () => {
    const eng = createEngine({ backend: new LinuxBackend(noTmpfile()) });
    const d = freshDir(ext4, 'named');
    const src = path.join(d, 'src.bin');
    writeData(src, 8 * MiB);
    fs.chmodSync(src, 0o6755);
    const out = freshDir(ext4, 'named-out');
    const seen: string[][] = [];
    const r = await withUmask(0o077, () => eng.copy(src, path.join(out, 'dst.bin'), { onProgress: () => seen.push(listing(out)) }));
    assert.ok(
      seen.some((l) => l.length === 1 && /^\.el-[0-9a-f]{12}\.tmp$/.test(l[0])),
      JSON.stringify(seen),
    );
    assert.equal(r.destination, path.join(out, 'dst.bin'));
    assert.equal(mode(r.destination!), 0o700);
    assert.equal(sha256(r.destination!), sha256(src));
    assert.deepEqual(listing(out), ['dst.bin']);
    const ac = new AbortController();
    await assert.rejects(
      eng.copy(src, path.join(out, 'again.bin'), { signal: ac.signal, onProgress: () => ac.abort() }),
      (e: FsctlError) => e.code === 'E_CANCELLED',
    );
    assert.deepEqual(listing(out), ['dst.bin']);
  });

  test('/proc and /sys files copy exactly what reading them gives (their sizes say 0 and 4096)', async () => {
    const d = freshDir(xfs, 'pseudo');
    const r = await engine.copy('/proc/version', path.join(d, 'version'));
    assert.equal(fs.readFileSync(path.join(d, 'version'), 'utf8'), fs.readFileSync('/proc/version', 'utf8'));
    assert.equal(r.bytes, BigInt(fs.readFileSync('/proc/version').length));
    assert.match(r.notes!.join(' '), /size of 0 bytes, but reading it ended at/);
    // read and written: the kernel's copy_file_range never moved a byte of it, so the report does not name it
    assert.equal(r.method, 'sparse-copy');
    const sys = [
      '/sys/kernel/mm/transparent_hugepage/enabled',
      '/sys/class/net/lo/address',
      '/sys/kernel/uevent_seqnum',
      '/sys/power/state',
    ].find((p) => fs.existsSync(p) && fs.statSync(p).size === 4096);
    if (!sys) return;
    const r2 = await engine.copy(sys, path.join(d, 'sys'));
    const want = fs.readFileSync(sys);
    assert.ok(want.length < 4096);
    assert.deepEqual(fs.readFileSync(path.join(d, 'sys')), want, `${sys}: no NULs after its text`);
    assert.equal(r2.bytes, BigInt(want.length));
  });

  test('a source truncated, grown or written during the copy: E_CHANGED, nothing kept (in the kernel and read/write)', async () => {
    const kernel = engine;
    const portable = createEngine({ backend: new LinuxBackend(noKernelCopy()) });
    // size: more than one copy step (64 MiB in the kernel, 1 MiB read/write), changed after the first.
    const cases = (size: number): [string, (src: string) => void, RegExp][] => [
      ['truncated', (src) => fs.truncateSync(src, size / 8), new RegExp(`size went from ${size} to ${size / 8} bytes`)],
      ['grown', (src) => fs.appendFileSync(src, Buffer.alloc(MiB, 7)), new RegExp(`size went from ${size} to ${size + MiB} bytes`)],
      [
        'written',
        (src) => {
          const fd = fs.openSync(src, 'r+');
          fs.writeSync(fd, Buffer.alloc(4096, 9), 0, 4096, size - MiB);
          fs.closeSync(fd);
        },
        /was written to/,
      ],
    ];
    for (const [fsys, eng, label, size] of [
      [xfs, kernel, 'copy_file_range', 100 * MiB],
      [ext4, portable, 'read/write', 8 * MiB],
    ] as const) {
      for (const [what, change, msg] of cases(size)) {
        const d = freshDir(fsys, `changed-${label.replace('/', '')}-${what}`);
        const src = path.join(d, 'src.bin');
        writeData(src, size);
        const out = freshDir(fsys, `changed-${label.replace('/', '')}-${what}-out`);
        let changed = false;
        await assert.rejects(
          eng.copy(src, out, {
            onProgress: () => {
              if (!changed) change(src);
              changed = true;
            },
          }),
          (e: FsctlError) => {
            assert.equal(e.code, 'E_CHANGED', `${label} ${what}: ${e.message}`);
            assert.match(e.message, msg);
            return true;
          },
        );
        assert.deepEqual(listing(out), [], `${label} ${what}: nothing kept`);
        fs.rmSync(d, { recursive: true });
        fs.rmSync(out, { recursive: true });
      }
    }
  });

  test('cancelled clone-range --fallback copy names the destination bytes it already overwrote', async () => {
    const d = freshDir(ext4, 'range-cancel');
    const src = path.join(d, 'src.bin');
    const dst = path.join(d, 'dst.bin');
    writeData(src, 8 * MiB, 3);
    writeData(dst, 8 * MiB, 5);
    const ac = new AbortController();
    await assert.rejects(
      engine.cloneRange(src, 0n, dst, 0n, BigInt(8 * MiB), { fallback: 'copy', signal: ac.signal, onProgress: () => ac.abort() }),
      (e: FsctlError) => {
        assert.equal(e.code, 'E_CANCELLED');
        assert.doesNotMatch(e.message, /nothing was left behind/);
        assert.match(e.message, new RegExp(`bytes 0 to ${MiB} of .*dst\\.bin already hold copies`));
        return true;
      },
    );
    // The message is true: the first MiB is the source's, the rest is the destination's own.
    const now = fs.readFileSync(dst);
    assert.ok(now.subarray(0, MiB).equals(fs.readFileSync(src).subarray(0, MiB)));
    writeData(path.join(d, 'orig.bin'), 8 * MiB, 5);
    assert.ok(now.subarray(MiB).equals(fs.readFileSync(path.join(d, 'orig.bin')).subarray(MiB)));
    const ok = await engine.cloneRange(src, 0n, dst, 0n, BigInt(2 * MiB), { fallback: 'copy' });
    assert.match(ok.notes!.join(' '), new RegExp(`bytes 0 to ${2 * MiB} of .*dst\\.bin were overwritten`));
  });

  test("clone-range --fallback copy keeps the source's holes (punched in the destination, the size grown to the range's end)", async () => {
    // A trial: 4 KiB of data in a 1 GiB source range became 1 GiB of allocated zeros in the destination.
    const d = freshDir(ext4, 'range-holes');
    const src = path.join(d, 'src.bin');
    const dst = path.join(d, 'dst.bin');
    writeSparse(src, BigInt(24 * MiB), [
      { offset: 0n, length: 4096 },
      { offset: BigInt(12 * MiB), length: 8192 },
    ]);
    writeData(dst, 16 * MiB, 7); // data everywhere, so the source's holes must be made holes here
    const r = await engine.cloneRange(src, 0n, dst, 0n, BigInt(24 * MiB), { fallback: 'copy' });
    assert.equal(r.fellBack, true);
    assert.equal(r.bytes, 12288n, 'the data written, not the range');
    assert.match(r.notes!.join(' '), /12288 bytes of the source's data written, and its holes \(25153536 bytes\) made holes there/);
    assert.equal(fs.statSync(dst).size, 24 * MiB, 'grown to the range end, through a trailing hole');
    assert.ok(fs.readFileSync(dst).equals(fs.readFileSync(src)), 'reads as the source');
    assert.ok(fs.statSync(dst).blocks * 512 <= 64 * 1024, `allocated ${fs.statSync(dst).blocks * 512} bytes`);
    // a file system that cannot punch: zeros written, said
    class NoPunch extends LinuxBackend {
      constructor() {
        super();
        Object.assign(this, { io: { ...this.io, punch: undefined } });
      }
    }
    writeData(dst, 16 * MiB, 7);
    const z = await createEngine({ backend: new NoPunch() }).cloneRange(src, 0n, dst, 0n, BigInt(16 * MiB), { fallback: 'copy' });
    assert.ok(fs.readFileSync(dst).subarray(0, 16 * MiB).equals(fs.readFileSync(src).subarray(0, 16 * MiB)));
    assert.match(z.notes!.join(' '), /zeros written: this file system cannot punch holes/);
  });

  test('cancelled FICLONERANGE between 1 GiB chunks names the destination bytes already shared', async () => {
    const d = freshDir(xfs, 'range-cancel-xfs');
    const src = path.join(d, 'src.bin');
    const dst = path.join(d, 'dst.bin');
    fs.writeFileSync(src, Buffer.alloc(4096, 1));
    fs.truncateSync(src, 2 * 1024 * MiB);
    fs.writeFileSync(dst, '');
    fs.truncateSync(dst, 2 * 1024 * MiB);
    const ac = new AbortController();
    await assert.rejects(engine.cloneRange(src, 0n, dst, 0n, 0n, { signal: ac.signal, onProgress: () => ac.abort() }), (e: FsctlError) => {
      assert.equal(e.code, 'E_CANCELLED');
      assert.doesNotMatch(e.message, /nothing was left behind/);
      assert.match(e.message, /bytes 0 to 1073741824 of .*dst\.bin already hold the source's blocks/);
      return true;
    });
  });

  test('an active swap file is copied, and cloned with fallback copy (copy_file_range and FICLONE refuse it: ETXTBSY)', async (t) => {
    for (const fsys of [ext4, xfs]) {
      const d = freshDir(fsys, 'swap');
      const swap = path.join(d, 'swapfile');
      fs.writeFileSync(swap, Buffer.alloc(16 * MiB));
      fs.chmodSync(swap, 0o600);
      execFileSync('mkswap', [swap], { stdio: 'ignore' });
      const on = spawnSync('swapon', [swap], { encoding: 'utf8' });
      if (on.status !== 0) {
        t.skip(`swapon is not possible here (${fsys.kind}): ${(on.stderr || on.error?.message || '').trim()}`);
        return;
      }
      try {
        const r = await engine.copy(swap, path.join(d, 'copy'));
        assert.equal(sha256(path.join(d, 'copy')), sha256(swap));
        assert.equal(r.method, 'sparse-copy');
        assert.match(r.notes!.join(' '), /ETXTBSY/);
        if (fsys.kind === 'xfs') {
          await assert.rejects(engine.clone(swap, path.join(d, 'clone')), (e: FsctlError) => e.code === 'ETXTBSY');
          const c = await engine.clone(swap, path.join(d, 'clone'), { fallback: 'copy' });
          assert.equal(c.fellBack, true);
          assert.equal(sha256(path.join(d, 'clone')), sha256(swap));
        }
      } finally {
        spawnSync('swapoff', [swap]);
      }
    }
  });
});
