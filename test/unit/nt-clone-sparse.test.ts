// A whole-file clone of a huge sparse file: only its allocated ranges are cloned, and the calls
// are planned one at a time, so time and memory do not depend on the file's size. The stand-in
// NtTransport below records every FSCTL; the real sequence runs against Samba in
// test/smb/fsctl-samba.test.ts and test/smb/attributes-samba.test.ts.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cloneFileNt, clusterPieces, planCloneChunks } from '../../src/engine/nt/clone';
import { decodeAllocatedRanges, decodeDuplicateExtents, encodeAllocatedRanges } from '../../src/engine/nt/codec/windows';
import { FILE_SUPPORTS_BLOCK_REFCOUNTING, FILE_SUPPORTS_SPARSE_FILES, FSCTL } from '../../src/engine/nt/codec/fsctl-codes';
import type { FsctlOutcome, NtFileInfo, NtHandle, NtTransport, NtVolumeInfo } from '../../src/engine/nt';
import type { ByteRange } from '../../src/engine/types';
import type { OpContext } from '../../src/engine/backend';

const KiB = 1024n;

/** A volume with block refcounting and one sparse source of `size` bytes holding `data`. */
class SparseSourceTransport implements NtTransport {
  readonly kind = 'win32' as const;
  calls: Array<{ code: number; path: string; input?: { sourceOffset: bigint; targetOffset: bigint; byteCount: bigint } }> = [];
  constructor(
    readonly size: bigint,
    readonly data: ByteRange[],
  ) {}
  async open(path: string): Promise<NtHandle> {
    return { path };
  }
  async close(): Promise<void> {}
  async fsctl(h: NtHandle, code: number, input: Uint8Array | null): Promise<FsctlOutcome> {
    const ok = (output: Uint8Array = new Uint8Array(0)): FsctlOutcome => ({ kind: 'ok', code: 0, codeName: 'ERROR_SUCCESS', output });
    if (code === FSCTL.FSCTL_DUPLICATE_EXTENTS_TO_FILE) {
      const { sourceOffset, targetOffset, byteCount } = decodeDuplicateExtents(input!, 8);
      this.calls.push({ code, path: h.path, input: { sourceOffset, targetOffset, byteCount } });
      return ok();
    }
    this.calls.push({ code, path: h.path });
    if (code === FSCTL.FSCTL_QUERY_ALLOCATED_RANGES) {
      const [w] = decodeAllocatedRanges(input!);
      return ok(encodeAllocatedRanges(this.data.filter((r) => r.offset < w.offset + w.length && r.offset + r.length > w.offset)));
    }
    if (code === FSCTL.FSCTL_GET_INTEGRITY_INFORMATION)
      return { kind: 'not-supported', code: 50, codeName: 'ERROR_NOT_SUPPORTED', output: new Uint8Array(0) };
    return ok();
  }
  sourceReference(): Uint8Array {
    return new Uint8Array(8);
  }
  async queryInfo(h: NtHandle): Promise<NtFileInfo> {
    const src = h.path === 'S:\\huge.bin';
    return {
      basic: { creationTime: 1n, lastAccessTime: 1n, lastWriteTime: 1n, changeTime: 1n, fileAttributes: src ? 0x220 : 0x20 },
      endOfFile: src ? this.size : 0n,
      allocationSize: 16n * KiB,
      isDirectory: false,
      sparse: src,
    };
  }
  async queryVolume(): Promise<NtVolumeInfo> {
    return {
      fileSystemName: 'ReFS',
      attributes: FILE_SUPPORTS_BLOCK_REFCOUNTING | FILE_SUPPORTS_SPARSE_FILES,
      clusterSize: 4096,
      volumeId: 'v',
    };
  }
  async setEndOfFile(): Promise<void> {}
  async setBasicInfo(): Promise<void> {}
  async setDeleteOnClose(): Promise<void> {}
  async rename(): Promise<void> {}
  async read(): Promise<Uint8Array> {
    return new Uint8Array(0);
  }
  async write(): Promise<void> {}
  async flush(): Promise<void> {}
  async exists(): Promise<boolean> {
    return false;
  }
}

const ctx: OpContext = { checkCancelled() {}, progress() {} };

test('planning is lazy: the first calls of a 2^62-byte range come at once', () => {
  const it = planCloneChunks(0n, 0n, 1n << 62n, 4096);
  const chunk = (1n << 32n) - 4096n;
  assert.deepEqual(it.next().value, { sourceOffset: 0n, targetOffset: 0n, byteCount: chunk });
  assert.deepEqual(it.next().value, { sourceOffset: chunk, targetOffset: chunk, byteCount: chunk });
});

test('clusterPieces: allocated ranges widened to clusters, merged, the tail ending at the range end', () => {
  const r = (offset: bigint, length: bigint) => ({ offset, length });
  assert.deepEqual(clusterPieces([r(100n, 10n), r(5000n, 100n), r(8192n, 1n), r(1n << 60n, 16384n)], 0n, (1n << 60n) + 1000n, 4096), [
    r(0n, 12288n), // [0, 4 KiB) + [4, 8 KiB) + [8, 12 KiB): adjacent, one piece
    r(1n << 60n, 1000n),
  ]);
  assert.deepEqual(clusterPieces([r(0n, 1n << 62n)], 4096n, 8192n, 4096), [r(4096n, 8192n)]);
  assert.deepEqual(clusterPieces([], 0n, 1n << 62n, 4096), []);
  assert.deepEqual(clusterPieces([r(0n, 4096n), r(12288n, 4096n)], 0n, 1n << 20n, 4096), [r(0n, 4096n), r(12288n, 4096n)]);
});

for (const size of [(1n << 60n) + 1n, 1n << 46n]) {
  test(
    `whole-file clone of a sparse ${size}-byte file with 16 KiB of data: one DUPLICATE_EXTENTS call for its one range`,
    { timeout: 10_000 },
    async () => {
      const t = new SparseSourceTransport(size, [{ offset: 1n << 40n, length: 16n * KiB }]);
      const progress: bigint[] = [];
      const started = performance.now();
      const rep = await cloneFileNt(t, 'S:\\huge.bin', 'S:\\.el-0123456789ab.tmp', { ...ctx, progress: (p) => progress.push(p.done) });
      assert.ok(performance.now() - started < 2000);
      const dup = t.calls.filter((c) => c.code === FSCTL.FSCTL_DUPLICATE_EXTENTS_TO_FILE);
      assert.deepEqual(
        dup.map((c) => c.input),
        [{ sourceOffset: 1n << 40n, targetOffset: 1n << 40n, byteCount: 16n * KiB }],
      );
      assert.ok(t.calls.some((c) => c.code === FSCTL.FSCTL_QUERY_ALLOCATED_RANGES && c.path === 'S:\\huge.bin'));
      assert.equal(rep.bytes, size);
      assert.ok(
        rep.notes?.some((n) => /cloned 1 allocated range, holes kept/.test(n)),
        String(rep.notes),
      );
      assert.deepEqual(progress, [(1n << 40n) + 16n * KiB]);
    },
  );
}

test('a cancel between calls stops a long clone of a non-sparse range', async () => {
  const t = new SparseSourceTransport(1n << 40n, []);
  let n = 0;
  const cancelling: OpContext = {
    checkCancelled() {
      if (++n > 3) throw Object.assign(new Error('cancelled'), { code: 'E_CANCELLED' });
    },
    progress() {},
  };
  const { duplicateExtents } = await import('../../src/engine/nt/clone');
  const src = await t.open('S:\\a.bin');
  await assert.rejects(duplicateExtents(t, src, src, 0n, 1n << 41n, 1n << 60n, 4096, 'clone-range', {}, cancelling), /cancelled/);
  assert.equal(t.calls.length, 3);
});
