// set-sparse on NT reads FILE_ATTRIBUTE_SPARSE_FILE back after FSCTL_SET_SPARSE
// (src/engine/nt/sparse.ts). Found under Wine: its volume (NTFS without
// FILE_SUPPORTS_SPARSE_FILES) answers FSCTL_SET_SPARSE with success and changes nothing, and
// set-sparse said "the file is now sparse" while `set-sparse --clear` right after said "the file
// was already not sparse". STAND-IN: a transport whose SET_SPARSE succeeds and either sets the
// attribute (as NTFS and ReFS do) or does not (as Wine does); what Wine itself answers is in
// test/wine/win32-abi.test.ts.
//
// Run: node --import tsx --test test/unit/nt-set-sparse-readback.test.ts

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createEngine, FsctlError } from '../../src/engine';
import { createNtBackend } from '../../src/engine/nt';
import { FILE_ATTRIBUTE_SPARSE_FILE, FILE_SUPPORTS_SPARSE_FILES, FSCTL } from '../../src/engine/nt/codec/fsctl-codes';
import type { FsctlOutcome, NtFileInfo, NtHandle, NtTransport, NtVolumeInfo } from '../../src/engine/nt';

const FILE = 'D:\\vm\\disk.img';
const ok: FsctlOutcome = { kind: 'ok', code: 0, codeName: 'ERROR_SUCCESS', output: new Uint8Array(0) };

/** One file; FSCTL_SET_SPARSE succeeds and applies the attribute only if `applies`. */
class SparseTransport implements NtTransport {
  readonly kind = 'win32' as const;
  readonly asked: number[] = [];
  constructor(
    public sparse: boolean,
    readonly applies: boolean,
    readonly attributes: number,
  ) {}
  async open(path: string): Promise<NtHandle> {
    return { path };
  }
  async close(): Promise<void> {}
  async fsctl(_h: NtHandle, code: number, input: Uint8Array | null): Promise<FsctlOutcome> {
    this.asked.push(code);
    if (code !== FSCTL.FSCTL_SET_SPARSE) throw new Error(`unexpected FSCTL 0x${code.toString(16)}`);
    if (this.applies) this.sparse = input === null || input[0] !== 0;
    return ok;
  }
  sourceReference(): Uint8Array {
    return new Uint8Array(8);
  }
  async queryInfo(): Promise<NtFileInfo> {
    const t = 133000000000000000n;
    const fileAttributes = 0x20 | (this.sparse ? FILE_ATTRIBUTE_SPARSE_FILE : 0);
    const basic = { creationTime: t, lastAccessTime: t, lastWriteTime: t, changeTime: t, fileAttributes };
    return { basic, endOfFile: 1n << 20n, allocationSize: 1n << 20n, isDirectory: false, sparse: this.sparse };
  }
  async queryVolume(): Promise<NtVolumeInfo> {
    return { fileSystemName: 'NTFS', attributes: this.attributes, clusterSize: 4096, volumeId: 'serial:1234abcd' };
  }
  async exists(): Promise<boolean> {
    return true;
  }
  private unexpected(): never {
    throw new Error('set-sparse should not call this');
  }
  setEndOfFile = async (): Promise<void> => this.unexpected();
  setBasicInfo = async (): Promise<void> => this.unexpected();
  setDeleteOnClose = async (): Promise<void> => this.unexpected();
  rename = async (): Promise<void> => this.unexpected();
  read = async (): Promise<Uint8Array> => this.unexpected();
  write = async (): Promise<void> => this.unexpected();
  async flush(): Promise<void> {}
}

async function withEngine<T>(t: SparseTransport, run: (e: ReturnType<typeof createEngine>) => Promise<T>): Promise<T> {
  const engine = createEngine({ backend: createNtBackend(t, 'win32') });
  try {
    return await run(engine);
  } finally {
    await engine.dispose();
  }
}

test('a volume that applies FSCTL_SET_SPARSE: "now sparse", then "now not sparse"', async () => {
  const t = new SparseTransport(false, true, 0x0000000a | FILE_SUPPORTS_SPARSE_FILES);
  await withEngine(t, async (engine) => {
    const set = await engine.setSparse(FILE, true);
    assert.deepEqual(set.notes, ['the file is now sparse']);
    const again = await engine.setSparse(FILE, true);
    assert.deepEqual(again.notes, ['the file was already sparse']);
    const cleared = await engine.setSparse(FILE, false);
    assert.deepEqual(cleared.notes, ['the file is now not sparse']);
  });
});

test('FSCTL_SET_SPARSE answers success but the attribute stays (Wine): E_UNSUPPORTED naming the volume flags, not "now sparse"', async () => {
  const t = new SparseTransport(false, false, 0x0000000a);
  await withEngine(t, async (engine) => {
    await assert.rejects(engine.setSparse(FILE, true), (e: unknown) => {
      assert.ok(e instanceof FsctlError);
      assert.equal(e.code, 'E_UNSUPPORTED');
      assert.equal(e.operation, 'set-sparse');
      assert.equal(
        e.message,
        'FSCTL_SET_SPARSE on D:\\vm\\disk.img reported success, yet the file is still not sparse (FILE_ATTRIBUTE_SPARSE_FILE is not set) (E_UNSUPPORTED): the volume (NTFS, flags 0x0000000a) does not report FILE_SUPPORTS_SPARSE_FILES, so it keeps no sparse files: use a volume with sparse-file support (NTFS, ReFS).',
      );
      return true;
    });
    assert.deepEqual(t.asked, [FSCTL.FSCTL_SET_SPARSE]);
  });
});

test('a sparse file on a volume with sparse files that stays sparse after the clear: said so, not "now not sparse"', async () => {
  const t = new SparseTransport(true, false, 0x0000000a | FILE_SUPPORTS_SPARSE_FILES);
  await withEngine(t, async (engine) => {
    await assert.rejects(engine.setSparse(FILE, false), (e: unknown) => {
      assert.ok(e instanceof FsctlError);
      assert.equal(e.code, 'E_UNSUPPORTED');
      assert.match(e.message, /reported success, yet the file is still sparse \(FILE_ATTRIBUTE_SPARSE_FILE is still set\) \(E_UNSUPPORTED\): the volume \(NTFS, flags 0x0000004a\) did not apply it; check the file's attributes \(fsutil sparse queryflag\) and try again\.$/);
      return true;
    });
  });
});
