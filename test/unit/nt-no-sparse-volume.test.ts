// Allocated ranges and maps on Windows volumes that refuse FSCTL_QUERY_ALLOCATED_RANGES
// (src/engine/nt/ranges-refused.ts). STAND-IN: no FAT or exFAT volume can be had here (this
// kernel has neither module, and Wine reports every drive as NTFS), so a transport plays the
// volume, answering the controls as Windows does (ERROR_INVALID_FUNCTION for a control the file
// system lacks); the backend and engine over it are the real ones. What Wine itself answers is
// tested in test/wine/win32-abi.test.ts (the whole-file answer, and the refusal for a Linux file
// with holes).
//
// Run: node --import tsx --test test/unit/nt-no-sparse-volume.test.ts

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createEngine, FsctlError } from '../../src/engine';
import { createNtBackend } from '../../src/engine/nt';
import { FILE_SUPPORTS_SPARSE_FILES, FSCTL } from '../../src/engine/nt/codec/fsctl-codes';
import { readMap } from '../../src/views/read-map';
import type { FsctlOutcome, NtFileInfo, NtHandle, NtTransport, NtVolumeInfo } from '../../src/engine/nt';

const FILE = 'E:\\images\\disk.vhd';
const CLUSTER = 32768;
/** A size past 2^53, to keep the numbers exact end to end. */
const SIZE = (1n << 53n) + 12345n;

interface Volume {
  fileSystemName: string;
  attributes: number;
  /** Runs (VCN ranges, Lcn -1 a hole) if the volume answers FSCTL_GET_RETRIEVAL_POINTERS. */
  runs?: Array<{ next: bigint; lcn: bigint }>;
  allocationSize: bigint;
}

const invalidFunction: FsctlOutcome = { kind: 'not-supported', code: 1, codeName: 'ERROR_INVALID_FUNCTION', output: new Uint8Array(0) };

/** RETRIEVAL_POINTERS_BUFFER (MS-FSCC 2.3.33): ExtentCount, StartingVcn, then NextVcn and Lcn per run. */
function retrievalPointers(runs: NonNullable<Volume['runs']>): Uint8Array {
  const b = new Uint8Array(16 + 16 * runs.length);
  const v = new DataView(b.buffer);
  v.setUint32(0, runs.length, true);
  v.setBigInt64(8, 0n, true);
  runs.forEach((r, i) => {
    v.setBigInt64(16 + 16 * i, r.next, true);
    v.setBigInt64(24 + 16 * i, r.lcn, true);
  });
  return b;
}

/** One file on a volume that keeps (or not) sparse files; read-only. */
class VolumeTransport implements NtTransport {
  readonly kind = 'win32' as const;
  readonly asked: number[] = [];
  constructor(readonly v: Volume) {}
  async open(path: string): Promise<NtHandle> {
    if (path !== FILE)
      throw new FsctlError({ operation: 'map', code: 'ERROR_FILE_NOT_FOUND', paths: [path], message: `${path}: not found.` });
    return { path };
  }
  async close(): Promise<void> {}
  async fsctl(_h: NtHandle, code: number): Promise<FsctlOutcome> {
    this.asked.push(code);
    if (code === FSCTL.FSCTL_GET_RETRIEVAL_POINTERS && this.v.runs)
      return { kind: 'ok', code: 0, codeName: 'ERROR_SUCCESS', output: retrievalPointers(this.v.runs) };
    return invalidFunction;
  }
  sourceReference(): Uint8Array {
    return new Uint8Array(8);
  }
  async queryInfo(): Promise<NtFileInfo> {
    const t = 133000000000000000n;
    const basic = { creationTime: t, lastAccessTime: t, lastWriteTime: t, changeTime: t, fileAttributes: 0x20 };
    return { basic, endOfFile: SIZE, allocationSize: this.v.allocationSize, isDirectory: false, sparse: false };
  }
  async queryVolume(): Promise<NtVolumeInfo> {
    return { fileSystemName: this.v.fileSystemName, attributes: this.v.attributes, clusterSize: CLUSTER, volumeId: 'serial:1234abcd' };
  }
  async exists(path: string): Promise<boolean> {
    return path === FILE;
  }
  private readOnly(): never {
    throw new Error('this stand-in only answers queries');
  }
  setEndOfFile = async (): Promise<void> => this.readOnly();
  setBasicInfo = async (): Promise<void> => this.readOnly();
  setDeleteOnClose = async (): Promise<void> => this.readOnly();
  rename = async (): Promise<void> => this.readOnly();
  read = async (): Promise<Uint8Array> => this.readOnly();
  write = async (): Promise<void> => this.readOnly();
  async flush(): Promise<void> {}
}

async function withEngine<T>(v: Volume, run: (e: ReturnType<typeof createEngine>, t: VolumeTransport) => Promise<T>): Promise<T> {
  const t = new VolumeTransport(v);
  const engine = createEngine({ backend: createNtBackend(t, 'win32') });
  try {
    return await run(engine, t);
  } finally {
    await engine.dispose();
  }
}

const roundedUp = ((SIZE + BigInt(CLUSTER) - 1n) / BigInt(CLUSTER)) * BigInt(CLUSTER);
// exFAT's attributes: case-preserved and Unicode names only (no FILE_SUPPORTS_SPARSE_FILES)
const exfat: Volume = { fileSystemName: 'exFAT', attributes: 0x6, allocationSize: roundedUp };

test('exFAT (no sparse files; refuses allocated ranges and retrieval pointers): the whole file is one allocated range, said in a note', async () => {
  await withEngine(exfat, async (engine) => {
    const r = await engine.ranges(FILE);
    assert.deepEqual(r.ranges, [{ offset: 0n, length: SIZE }]);
    assert.equal(r.method, 'no sparse files');
    assert.equal(r.size, SIZE);
    assert.match(
      r.notes?.join(' ') ?? '',
      /^The volume of E:\\images\\disk\.vhd \(exFAT, flags 0x00000006\) keeps no sparse files \(it does not report FILE_SUPPORTS_SPARSE_FILES\) and refused FSCTL_QUERY_ALLOCATED_RANGES \(ERROR_INVALID_FUNCTION\): a file there has no holes, so every byte up to its end is allocated, shown as one range\.$/,
    );
    // a window: the part of it inside the file
    const w = await engine.ranges(FILE, { window: { offset: SIZE - 100n, length: 1000n } });
    assert.deepEqual(w.ranges, [{ offset: SIZE - 100n, length: 100n }]);

    // the inspector with mapDetail "ranges": ranges without flags, not "SEEK_DATA"; the note kept
    const shown = await readMap(engine, FILE, 'ranges', engine.volume(FILE), {});
    assert.equal(shown.source, 'allocated-ranges');
    assert.ok(shown.notes?.some((n) => /keeps no sparse files/.test(n)));

    const m = await engine.map(FILE);
    assert.equal(m.source, 'allocated-ranges');
    assert.equal(m.extents.length, 1);
    assert.equal(m.extents[0].offset, 0n);
    // the last cluster held whole, as FIEMAP shows it
    assert.equal(m.extents[0].length, roundedUp);
    assert.ok(m.extents[0].flags.includes('last'));
    assert.ok(
      m.notes?.some((n) => /keeps no sparse files/.test(n)),
      JSON.stringify(m.notes),
    );
  });
});

test('a volume without sparse files that counts less on disk than the file holds: the refusal stands, with both facts', async () => {
  await withEngine({ ...exfat, fileSystemName: 'NTFS', attributes: 0x2, allocationSize: 1n << 20n }, async (engine) => {
    for (const run of [() => engine.ranges(FILE), () => engine.map(FILE)]) {
      await assert.rejects(run(), (e: unknown) => {
        assert.ok(e instanceof FsctlError, String(e));
        assert.equal(e.code, 'ERROR_INVALID_FUNCTION');
        assert.match(
          e.message,
          /does not report FILE_SUPPORTS_SPARSE_FILES, so it should keep no holes, yet it counts only 1048576 bytes on disk for this file of 9007199254753337 bytes; where its data lies cannot be told from here/,
        );
        return true;
      });
    }
  });
});

test('a volume that keeps sparse files and refuses both controls: its own refusal, unexplained away', async () => {
  await withEngine({ ...exfat, fileSystemName: 'NTFS', attributes: FILE_SUPPORTS_SPARSE_FILES }, async (engine) => {
    await assert.rejects(engine.ranges(FILE), (e: unknown) => {
      assert.ok(e instanceof FsctlError && e.code === 'ERROR_INVALID_FUNCTION', String(e));
      assert.doesNotMatch(e.message, /FILE_SUPPORTS_SPARSE_FILES|one range/);
      return true;
    });
  });
});

test('FAT32 answers the retrieval pointers: ranges and the map come from its runs (a run with Lcn -1 a hole)', async () => {
  const C = BigInt(CLUSTER);
  const last = roundedUp / C;
  const fat: Volume = {
    fileSystemName: 'FAT32',
    attributes: 0x6,
    allocationSize: roundedUp - 2n * C,
    runs: [
      { next: 2n, lcn: 100n },
      { next: 4n, lcn: -1n },
      { next: 5n, lcn: 300n },
      { next: last, lcn: 301n },
    ],
  };
  await withEngine(fat, async (engine, t) => {
    const r = await engine.ranges(FILE);
    assert.equal(r.method, 'FSCTL_GET_RETRIEVAL_POINTERS');
    assert.deepEqual(r.ranges, [
      { offset: 0n, length: 2n * C },
      { offset: 4n * C, length: SIZE - 4n * C },
    ]);
    assert.equal(r.notes, undefined);
    assert.equal((await readMap(engine, FILE, 'ranges', engine.volume(FILE), {})).source, 'allocated-ranges');
    assert.ok(t.asked.includes(FSCTL.FSCTL_QUERY_ALLOCATED_RANGES) && t.asked.includes(FSCTL.FSCTL_GET_RETRIEVAL_POINTERS));
    const m = await engine.map(FILE);
    assert.deepEqual(
      m.extents.map((x) => [x.offset, x.length]),
      [
        [0n, 2n * C],
        [4n * C, roundedUp - 4n * C],
      ],
    );
  });
});
