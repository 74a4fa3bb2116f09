// Overwrite on the NT backends (Windows, SMB) opens the existing file for writing first, as cp or a
// save in place would: a rename over it needs only the folder, so a read-only file or one whose
// ACL refuses this user would otherwise be replaced. The SMB side runs against Samba
// (test/smb/identity-samba.test.ts); Wine runs as root here and opens any file for writing, so
// the Windows refusal is played by a stand-in transport: the real createNtBackend and engine over
// files on disk, where the transport refuses an open for writing with ERROR_ACCESS_DENIED as
// CreateFileW does for FILE_ATTRIBUTE_READONLY or a denying ACL (access(2) as root says yes).

import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { createEngine } from '../../src/engine/engine';
import { FsctlError } from '../../src/engine/errors';
import { createNtBackend } from '../../src/engine/nt';
import type { FsctlOutcome, NtFileInfo, NtHandle, NtOpenOptions, NtTransport, NtVolumeInfo } from '../../src/engine/nt';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'el-nt-overwrite-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

function nope<T>(what: string): () => Promise<T> {
  return () => Promise.reject(new Error(`${what}: the overwrite should have been refused before any work`));
}

/** Files on disk, seen as Windows would see them; `denied` may not be opened for writing. */
class DiskTransport implements NtTransport {
  readonly kind = 'win32' as const;
  readonly opens: Array<{ path: string; access: string }> = [];
  constructor(readonly denied: Set<string>) {}
  private fail(code: string, errno: number, p: string): never {
    throw new FsctlError({ operation: 'volume', code, errno, paths: [p], syscall: 'CreateFileW', message: `CreateFileW on ${p} failed with ${code}.` });
  }
  async open(p: string, o: NtOpenOptions): Promise<NtHandle> {
    this.opens.push({ path: p, access: o.access });
    if (!fs.existsSync(p)) this.fail('ERROR_FILE_NOT_FOUND', 2, p);
    if (o.access !== 'read' && this.denied.has(p)) this.fail('ERROR_ACCESS_DENIED', 5, p);
    return { path: p };
  }
  async close(): Promise<void> {}
  async queryInfo(h: NtHandle): Promise<NtFileInfo> {
    const st = fs.statSync(h.path, { bigint: true });
    const t = { creationTime: 0n, lastAccessTime: 0n, lastWriteTime: 0n, changeTime: 0n, fileAttributes: st.isDirectory() ? 0x10 : 0x80 };
    return { basic: t, endOfFile: st.size, allocationSize: st.blocks * 512n, isDirectory: st.isDirectory(), sparse: false };
  }
  async queryFileIndex(h: NtHandle): Promise<string> {
    return fs.statSync(h.path, { bigint: true }).ino.toString(16);
  }
  async queryVolume(): Promise<NtVolumeInfo> {
    return { fileSystemName: 'NTFS', attributes: 0, clusterSize: 4096, volumeId: 'serial:0000abcd' };
  }
  async exists(p: string): Promise<boolean> {
    return fs.existsSync(p);
  }
  // Nothing past the checks may run in these tests.
  fsctl = nope<FsctlOutcome>('fsctl');
  sourceReference(): Uint8Array {
    throw new Error('sourceReference: the overwrite should have been refused before any work');
  }
  setEndOfFile = nope<void>('setEndOfFile');
  setBasicInfo = nope<void>('setBasicInfo');
  setDeleteOnClose = nope<void>('setDeleteOnClose');
  rename = nope<void>('rename');
  read = nope<Uint8Array>('read');
  write = nope<void>('write');
  flush = nope<void>('flush');
}

test('overwrite of a file the OS will not open for writing: ERROR_ACCESS_DENIED with what to do, before any work; the file unchanged', async () => {
  const src = path.join(dir, 'src.bin');
  const ro = path.join(dir, 'ro.bin');
  fs.writeFileSync(src, 'new data\n');
  fs.writeFileSync(ro, 'protected\n');
  const t = new DiskTransport(new Set([ro]));
  const engine = createEngine({ backend: createNtBackend(t, 'win32') });
  try {
    for (const run of [
      () => engine.copy(src, ro, { onExisting: 'overwrite' }),
      () => engine.clone(src, ro, { onExisting: 'overwrite', fallback: 'copy' }),
    ]) {
      await assert.rejects(run(), (e: unknown) => {
        assert.ok(e instanceof FsctlError, String(e));
        assert.equal(e.code, 'ERROR_ACCESS_DENIED', e.message);
        assert.deepEqual(e.paths, [ro]);
        assert.match(
          e.message,
          /you cannot open the existing file .*ro\.bin for writing \(ERROR_ACCESS_DENIED: a read-only file, or another owner's\), so it is not overwritten and nothing was written; make it writable \(clear its read-only attribute: attrib -r, or get write permission in its Properties' Security tab\), or choose another name or ask to rename\.$/,
        );
        return true;
      });
    }
    assert.ok(
      t.opens.some((o) => o.path === ro && o.access === 'write'),
      'the existing file was opened for writing',
    );
    assert.equal(fs.readFileSync(ro, 'utf8'), 'protected\n');
    assert.deepEqual(fs.readdirSync(dir).sort(), ['ro.bin', 'src.bin'], 'no temporary file');
  } finally {
    await engine.dispose();
  }
});

// A backend that cannot name a file's index (an SMB server answering IndexNumber 0, a volume
// without FILE_ID_INFO) gives no identity; the same path is still one file, so the corrupting
// front-to-back copy of overlapping ranges and the overwrite of the source by itself stay refused.
test('without a file index: the same path is one file (E_OVERLAP, E_BAD_INPUT), before any FSCTL', async () => {
  const p = path.join(dir, 'noindex.bin');
  const data = Buffer.alloc(4 << 20, 7);
  fs.writeFileSync(p, data);
  const t = Object.assign(new DiskTransport(new Set()), { queryFileIndex: undefined });
  const engine = createEngine({ backend: createNtBackend(t, 'win32') });
  try {
    await assert.rejects(
      engine.cloneRange(p, 0n, p, 1n << 20n, 3n << 20n, { fallback: 'copy' }),
      (e: unknown) => e instanceof FsctlError && e.code === 'E_OVERLAP',
    );
    await assert.rejects(
      engine.copy(p, p, { onExisting: 'overwrite' }),
      (e: unknown) => e instanceof FsctlError && e.code === 'E_BAD_INPUT' && /is the source itself/.test(e.message),
    );
    assert.ok(fs.readFileSync(p).equals(data));
  } finally {
    await engine.dispose();
  }
});
