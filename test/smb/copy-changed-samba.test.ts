// A source that changes while the Windows/SMB copy algorithms (src/engine/nt: copychunk and the
// hole-keeping read/write copy) copy it, against a real Samba. Safety rule 10 (docs/ENGINE.md),
// as on Linux: a source that grew, shrank or was written meanwhile is E_CHANGED and nothing of
// the copy is kept; copied again once nothing writes to it, it is exact.
// The change comes at a known point, after the first copychunk batch or the first block read:
// a new size straight into the share's folder from this process (from the first progress
// report, which runs before the next request is sent); a write in place through a second SMB
// handle (from a transport wrapped to do it once), since Samba reports the LastWriteTime the
// file had when the copy opened it until a write through SMB changes it (docs/facts/smb2.md).

import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, chownSync, readdirSync, rmSync, statSync, truncateSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, beforeEach, describe, test } from 'node:test';
import type { OpContext } from '../../src/engine/backend';
import type { FsctlError } from '../../src/engine/errors';
import { closeSmbConnections, smbBackend } from '../../src/engine/backends/smb';
import { smbTransport } from '../../src/engine/backends/smb/transport';
import { createEngine } from '../../src/engine/engine';
import { copyChunkNt, sparseCopyNt, type NtTransport } from '../../src/engine/nt';
import { FSCTL } from '../../src/engine/nt/codec/fsctl-codes';
import { SMB_PASSWORD, sambaSkipReason, startSamba, type SambaServer } from '../support/samba';
import { ctx, makeDenseFile, makeSparseFile, sha256File, smbUid } from './helpers';

const skip = sambaSkipReason();
const MiB = 2 ** 20;

/** An OpContext whose first progress report runs `change` (before the next request is sent). */
function changingOnce(change: () => void): OpContext {
  let done = false;
  return {
    checkCancelled() {},
    progress() {
      if (!done) change();
      done = true;
    },
  };
}

/**
 * The SMB transport, but after the first `method` call that `first` picks (the first copychunk
 * batch, the first block read) it runs `change` and waits for it, before the copy sends anything else.
 */
function changingAfterFirst(
  method: 'fsctl' | 'read',
  first: (args: unknown[]) => boolean,
  change: (t: NtTransport) => Promise<void>,
): NtTransport {
  const base = smbTransport();
  let done = false;
  return new Proxy(base, {
    get(target, prop) {
      const v = Reflect.get(target, prop, target) as unknown;
      if (typeof v !== 'function') return v;
      if (prop !== method) return v.bind(target);
      return async (...args: unknown[]) => {
        const r = (await v.apply(target, args)) as unknown;
        if (!done && first(args)) {
          done = true;
          await change(target);
        }
        return r;
      };
    },
  });
}

describe('SMB copies of a source that changes meanwhile: E_CHANGED, nothing kept', { skip, timeout: 180000 }, () => {
  let smb: SambaServer;
  let dir: string;
  const saved = process.env.EXTENT_LENS_SMB_PASSWORD;

  before(async () => {
    dir = execFileSync('mktemp', ['-d', '/tmp/el-smb-changed-XXXX']).toString().trim();
    execFileSync('chmod', ['755', dir]);
    chownSync(dir, smbUid(), 0);
    smb = await startSamba({ shares: [{ name: 'data', path: dir }] });
    process.env.EXTENT_LENS_SMB_PASSWORD = SMB_PASSWORD;
  });

  after(async () => {
    await closeSmbConnections();
    await smb?.stop();
    if (dir) spawnSync('rm', ['-rf', dir]);
    if (saved === undefined) delete process.env.EXTENT_LENS_SMB_PASSWORD;
    else process.env.EXTENT_LENS_SMB_PASSWORD = saved;
  });

  beforeEach(() => {
    for (const n of readdirSync(dir)) rmSync(join(dir, n), { recursive: true, force: true });
  });

  const copychunk = (name: string, c: OpContext) => smbBackend().copyFile(smb.uri('data', name), smb.uri('data', `${name}.copy`), c);
  const sparse = (name: string, c: OpContext) => smbBackend().sparseCopy!(smb.uri('data', name), smb.uri('data', `${name}.copy`), c);
  const grow = (name: string) => () => appendFileSync(join(dir, name), Buffer.alloc(MiB + 123, 0x5a));
  const shrink = (name: string, size: number) => () => truncateSync(join(dir, name), size);
  /** Another SMB client writes 4 KiB in place (same size) and closes its handle. */
  const writeInPlace = (name: string) => async (t: NtTransport) => {
    const h = await t.open(smb.uri('data', name), { access: 'write', disposition: 'open' });
    try {
      await t.write(h, 4096n, new Uint8Array(4096).fill(0xee));
    } finally {
      await t.close(h);
    }
  };

  const changed = (what: RegExp) => (e: FsctlError) => {
    assert.equal(e.code, 'E_CHANGED', e.message);
    assert.equal(e.operation, 'copy');
    assert.match(e.message, what);
    assert.match(e.message, /so it was not kept/);
    return true;
  };
  /** Only the sources are left: no destination, no temporary name. */
  const onlySources = (...names: string[]) => assert.deepEqual(readdirSync(dir).sort(), names.sort());

  test('copychunk: a source that grew after the first batch is E_CHANGED (through engine.copy: nothing under the final name); copied again, it is exact', async () => {
    makeDenseFile(join(dir, 'grow.bin'), 40 * MiB + 12345); // three batches of at most 16 MiB
    const engine = createEngine();
    try {
      const src = smb.uri('data', 'grow.bin');
      const dst = smb.uri('data', 'grow-copy.bin');
      let batches = 0;
      await assert.rejects(
        engine.copy(src, dst, {
          onProgress: () => {
            if (batches++ === 0) grow('grow.bin')();
          },
        }),
        changed(
          new RegExp(
            `grow\\.bin changed while it was copied \\(its size went from ${40 * MiB + 12345} to ${41 * MiB + 12345 + 123} bytes\\)`,
          ),
        ),
      );
      onlySources('grow.bin');
      const rep = await engine.copy(src, dst);
      assert.equal(rep.method, 'FSCTL_SRV_COPYCHUNK_WRITE');
      assert.equal(rep.bytes, BigInt(41 * MiB + 12345 + 123));
      assert.equal(statSync(join(dir, 'grow-copy.bin')).size, 41 * MiB + 12345 + 123);
      assert.equal(sha256File(join(dir, 'grow-copy.bin')), sha256File(join(dir, 'grow.bin')));
      // reflink 'never': READ and WRITE through the client, not copychunk (blocks of its own)
      const own = await engine.copy(src, smb.uri('data', 'grow-own.bin'), { reflink: 'never' });
      assert.equal(own.method, 'sparse-copy');
      assert.equal(sha256File(join(dir, 'grow-own.bin')), sha256File(join(dir, 'grow.bin')));
    } finally {
      await engine.dispose();
    }
  });

  test('copychunk: a source truncated after the first batch (the next chunk is past its end: Samba answers STATUS_INVALID_VIEW_SIZE) is E_CHANGED, not that status', async () => {
    makeDenseFile(join(dir, 'shrink.bin'), 40 * MiB);
    await assert.rejects(
      copychunk('shrink.bin', changingOnce(shrink('shrink.bin', 20 * MiB + 5))),
      changed(
        new RegExp(
          `its size went from ${40 * MiB} to ${20 * MiB + 5} bytes; FSCTL_SRV_COPYCHUNK_WRITE failed with STATUS_INVALID_VIEW_SIZE`,
        ),
      ),
    );
    onlySources('shrink.bin');
  });

  test('copychunk: a source written in place by another SMB client after the first batch (same size) is E_CHANGED', async () => {
    makeDenseFile(join(dir, 'written.bin'), 40 * MiB);
    const src = smb.uri('data', 'written.bin');
    const t = changingAfterFirst('fsctl', (a) => a[1] === FSCTL.FSCTL_SRV_COPYCHUNK_WRITE, writeInPlace('written.bin'));
    await assert.rejects(
      copyChunkNt(t, src, smb.uri('data', 'written.bin.copy'), ctx),
      changed(/\(its last write time changed, its size did not: it was written to, or truncated and extended again\)/),
    );
    onlySources('written.bin');
  });

  test('sparse copy: a source that grew after the first block is E_CHANGED; copied again, it is exact', async () => {
    makeDenseFile(join(dir, 'sgrow.bin'), 8 * MiB + 77);
    await assert.rejects(
      sparse('sgrow.bin', changingOnce(grow('sgrow.bin'))),
      changed(new RegExp(`its size went from ${8 * MiB + 77} to ${9 * MiB + 77 + 123} bytes`)),
    );
    onlySources('sgrow.bin');
    const rep = await sparse('sgrow.bin', ctx);
    assert.equal(rep.method, 'sparse-copy');
    assert.equal(rep.bytes, BigInt(9 * MiB + 77 + 123));
    assert.equal(sha256File(join(dir, 'sgrow.bin.copy')), sha256File(join(dir, 'sgrow.bin')));
  });

  test('sparse copy: a source truncated after the first block (the reads end early) is E_CHANGED, not a copy padded with zeros', async () => {
    makeDenseFile(join(dir, 'sshrink.bin'), 8 * MiB);
    await assert.rejects(
      sparse('sshrink.bin', changingOnce(shrink('sshrink.bin', 2 * MiB + 5))),
      changed(new RegExp(`its size went from ${8 * MiB} to ${2 * MiB + 5} bytes; reading it ended at ${2 * MiB + 5} bytes`)),
    );
    onlySources('sshrink.bin');
  });

  test('sparse copy: a source written in place by another SMB client after the first block (same size) is E_CHANGED', async () => {
    makeDenseFile(join(dir, 'swritten.bin'), 8 * MiB);
    const src = smb.uri('data', 'swritten.bin');
    const t = changingAfterFirst('read', () => true, writeInPlace('swritten.bin')); // only the source is read
    await assert.rejects(
      sparseCopyNt(t, src, smb.uri('data', 'swritten.bin.copy'), ctx),
      changed(/\(its last write time changed, its size did not: it was written to, or truncated and extended again\)/),
    );
    onlySources('swritten.bin');
  });

  test('Samba reports the LastWriteTime a file had when opened until a write through SMB changes it (why the writes in place above go through SMB)', async () => {
    const p = join(dir, 'times.bin');
    makeDenseFile(p, 4096);
    const t = smbTransport();
    const h = await t.open(smb.uri('data', 'times.bin'), { access: 'read', disposition: 'open' });
    try {
      const opened = (await t.queryInfo(h)).basic.lastWriteTime;
      const { mtime } = statSync(p);
      utimesSync(p, mtime, new Date(mtime.getTime() + 10_000)); // on the server, not through SMB
      assert.equal((await t.queryInfo(h)).basic.lastWriteTime, opened, 'a change on the server is not seen while the file is open');
      await writeInPlace('times.bin')(t);
      assert.notEqual((await t.queryInfo(h)).basic.lastWriteTime, opened, 'a write through SMB (its handle closed) is');
    } finally {
      await t.close(h);
    }
  });

  test('sparse copy of a sparse source that does not change: holes kept, size exact, bytes = the data bytes copied', async () => {
    const p = join(dir, 'holes.bin');
    makeSparseFile(p, 6 * MiB + 10, [
      [0, 64 * 1024],
      [3 * MiB, 128 * 1024],
    ]);
    await smbBackend().setSparse(smb.uri('data', 'holes.bin'), true, ctx);
    const rep = await sparse('holes.bin', ctx);
    assert.equal(rep.bytes, BigInt(192 * 1024), JSON.stringify(rep.notes));
    assert.equal(statSync(`${p}.copy`).size, 6 * MiB + 10);
    assert.equal(sha256File(`${p}.copy`), sha256File(p));
  });
});
