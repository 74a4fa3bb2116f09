// ReFS reference counts end to end through the engine: FSCTL_GET_RETRIEVAL_POINTERS_AND_REFCOUNT
// replies -> nt/extents.ts (the Windows/SMB edge of the map format) -> createNtBackend ->
// createEngine() (operations.ts readMap, limitPackedMap, the packed map) -> engine.map(),
// engine.mapPacked(), engine.mapWindows(), the CLI's map writer (--json and the table's "xN")
// and the inspector's model (MapModel rows, windows and summary, and the protocol messages).
// The counts used to be dropped in readMap, so none of these saw them.
//
// STAND-IN: no ReFS volume can run here (ReFS exists only on Windows; Wine implements none of
// these FSCTLs, and Samba's FSCTL_GET_RETRIEVAL_POINTERS_AND_REFCOUNT does not exist). So the
// test uses `RefsLikeTransport`, an NtTransport that stands in for DeviceIoControl on a file of a
// ReFS volume (64 KiB clusters, FILE_SUPPORTS_BLOCK_REFCOUNTING): it answers
// FSCTL_GET_RETRIEVAL_POINTERS_AND_REFCOUNT with real MS-FSCC bytes (STARTING_VCN_INPUT_BUFFER
// in, RETRIEVAL_POINTERS_AND_REFCOUNT_BUFFER out, encoded here by hand, not by the engine's
// codec), paged with ERROR_MORE_DATA when the output buffer is short, as Windows does. The
// engine is given the backend through its documented test seam, createEngine({ backend }).
// The real thing runs on GitHub Actions (test/windows/refs.test.ts).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { writePackedMapHumanTo, writePackedMapJsonTo } from '../../src/cli/commands/map-packed';
import { ChunkWriter } from '../../src/cli/output';
import { createEngine, EXTENT_FLAG, FsctlError, type PackedExtentMap } from '../../src/engine';
import { createNtBackend } from '../../src/engine/nt';
import type { FsctlOutcome, NtFileInfo, NtHandle, NtTransport, NtVolumeInfo } from '../../src/engine/nt';
import { parseHostMessage } from '../../src/protocol/host-message-check';
import { MapModel } from '../../src/views/map-model';
import { readMap } from '../../src/views/read-map';

/** MS-FSCC 2.3.33: FSCTL_GET_RETRIEVAL_POINTERS_AND_REFCOUNT. */
const FSCTL_GET_RETRIEVAL_POINTERS_AND_REFCOUNT = 0x000903d3;
const CLUSTER = 65536;
const FILE = 'D:\\vms\\disk.vhdx';

/** The file's runs in clusters (VCN ranges), as ReFS reports them: Lcn -1 is a hole. */
const RUNS: Array<{ vcn: bigint; next: bigint; lcn: bigint; refs: number }> = [
  { vcn: 0n, next: 2n, lcn: 100n, refs: 1 },
  { vcn: 2n, next: 4n, lcn: -1n, refs: 0 }, // sparse hole
  { vcn: 4n, next: 7n, lcn: 500n, refs: 2 }, // shared with one clone
  { vcn: 7n, next: 8n, lcn: 900n, refs: 3 }, // shared with two
  { vcn: 8n, next: 10n, lcn: -1n, refs: 0 },
  { vcn: 10n, next: 12n, lcn: 2000n, refs: 1 },
];
const SIZE = 12n * BigInt(CLUSTER);

/**
 * RETRIEVAL_POINTERS_AND_REFCOUNT_BUFFER (MS-FSCC 2.3.34): ExtentCount u32, 4 reserved,
 * StartingVcn i64, then per extent NextVcn i64, Lcn i64, ReferenceCount u32, 4 reserved.
 */
function encodeReply(startingVcn: bigint, runs: typeof RUNS): Uint8Array {
  const b = new Uint8Array(16 + 24 * runs.length);
  const v = new DataView(b.buffer);
  v.setUint32(0, runs.length, true);
  v.setBigInt64(8, startingVcn, true);
  runs.forEach((r, i) => {
    v.setBigInt64(16 + 24 * i, r.next, true);
    v.setBigInt64(16 + 24 * i + 8, r.lcn, true);
    v.setUint32(16 + 24 * i + 16, r.refs, true);
  });
  return b;
}

/** Stands in for DeviceIoControl on one file of a ReFS volume (see the header). */
class RefsLikeTransport implements NtTransport {
  readonly kind = 'win32' as const;
  readonly fsctlCalls: number[] = [];

  async open(path: string): Promise<NtHandle> {
    if (path !== FILE) {
      const message = `${path}: not found (ERROR_FILE_NOT_FOUND).`;
      throw new FsctlError({ operation: 'map', code: 'ERROR_FILE_NOT_FOUND', paths: [path], message });
    }
    return { path };
  }
  async close(): Promise<void> {}

  async fsctl(_h: NtHandle, code: number, input: Uint8Array | null, maxOutput: number): Promise<FsctlOutcome> {
    this.fsctlCalls.push(code);
    if (code !== FSCTL_GET_RETRIEVAL_POINTERS_AND_REFCOUNT || !input) {
      return { kind: 'not-supported', code: 1, codeName: 'ERROR_INVALID_FUNCTION', output: new Uint8Array(0) };
    }
    // STARTING_VCN_INPUT_BUFFER: StartingVcn i64. The reply starts at the run holding it.
    const want = new DataView(input.buffer, input.byteOffset, 8).getBigInt64(0, true);
    const from = RUNS.findIndex((r) => r.next > want);
    if (from < 0) return { kind: 'error', code: 38, codeName: 'ERROR_HANDLE_EOF', output: new Uint8Array(0) };
    const rest = RUNS.slice(from);
    const fit = Math.floor((maxOutput - 16) / 24);
    if (fit < 1) return { kind: 'buffer-too-small', code: 122, codeName: 'ERROR_INSUFFICIENT_BUFFER', output: new Uint8Array() };
    const start = rest[0].vcn;
    if (fit < rest.length) {
      return { kind: 'more-data', code: 234, codeName: 'ERROR_MORE_DATA', output: encodeReply(start, rest.slice(0, fit)) };
    }
    return { kind: 'ok', code: 0, codeName: 'ERROR_SUCCESS', output: encodeReply(start, rest) };
  }

  sourceReference(): Uint8Array {
    return new Uint8Array(8);
  }
  async queryInfo(): Promise<NtFileInfo> {
    const t = 133000000000000000n;
    return {
      basic: { creationTime: t, lastAccessTime: t, lastWriteTime: t, changeTime: t, fileAttributes: 0x200 },
      endOfFile: SIZE,
      allocationSize: 8n * BigInt(CLUSTER),
      isDirectory: false,
      sparse: true,
    };
  }
  async queryVolume(): Promise<NtVolumeInfo> {
    // FILE_SUPPORTS_BLOCK_REFCOUNTING | FILE_SUPPORTS_SPARSE_FILES
    return { fileSystemName: 'ReFS', attributes: 0x08000000 | 0x40, clusterSize: CLUSTER, volumeId: '\\\\?\\Volume{refs}\\' };
  }
  private readOnly(): never {
    throw new Error('the ReFS stand-in only answers map queries');
  }
  async setEndOfFile(): Promise<void> {
    this.readOnly();
  }
  async setBasicInfo(): Promise<void> {
    this.readOnly();
  }
  async setDeleteOnClose(): Promise<void> {
    this.readOnly();
  }
  async rename(): Promise<void> {
    this.readOnly();
  }
  async read(): Promise<Uint8Array> {
    return this.readOnly();
  }
  async write(): Promise<void> {
    this.readOnly();
  }
  async flush(): Promise<void> {}
  async exists(path: string): Promise<boolean> {
    return path === FILE;
  }
}

const C = BigInt(CLUSTER);
/** What the map must hold: offset, length, physical (bytes), flags, refcount. */
const EXPECTED = [
  { offset: 0n, length: 2n * C, physical: 100n * C, flags: [], refcount: 1 },
  { offset: 4n * C, length: 3n * C, physical: 500n * C, flags: ['shared'], refcount: 2 },
  { offset: 7n * C, length: 1n * C, physical: 900n * C, flags: ['shared'], refcount: 3 },
  { offset: 10n * C, length: 2n * C, physical: 2000n * C, flags: ['last'], refcount: 1 },
];

function setup(): { engine: ReturnType<typeof createEngine>; transport: RefsLikeTransport } {
  const transport = new RefsLikeTransport();
  // two entries per reply at first: the map is paged over ERROR_MORE_DATA
  const backend = createNtBackend(transport, 'win32', { retrievalInitialEntries: 2 });
  return { engine: createEngine({ backend }), transport };
}

function render(m: PackedExtentMap, format: 'json' | 'human'): string {
  const parts: Buffer[] = [];
  const w = new ChunkWriter((chunk) => parts.push(Buffer.from(chunk)));
  if (format === 'json') writePackedMapJsonTo(w, m);
  else writePackedMapHumanTo(w, m);
  w.flush();
  return Buffer.concat(parts).toString('utf8');
}

test('engine.map(): every extent carries its ReFS reference count (shared when above 1)', async () => {
  const { engine, transport } = setup();
  const m = await engine.map(FILE);
  assert.equal(m.source, 'refcount');
  assert.equal(m.blockSize, CLUSTER);
  assert.deepEqual(
    m.extents.map((e) => ({ ...e, flags: [...e.flags] })),
    EXPECTED,
  );
  assert.ok(transport.fsctlCalls.length > 1, 'the map was paged (ERROR_MORE_DATA)');
  assert.ok(transport.fsctlCalls.every((c) => c === FSCTL_GET_RETRIEVAL_POINTERS_AND_REFCOUNT));
});

test('engine.mapPacked(): the refcount column, engine flag bits; bounded and windowed reads keep it', async () => {
  const { engine } = setup();
  const m = await engine.mapPacked(FILE);
  assert.equal(m.packed.count, 4);
  assert.deepEqual([...m.packed.refcounts!], [1, 2, 3, 1]);
  assert.deepEqual([...m.packed.flags], [0, EXTENT_FLAG.SHARED, EXTENT_FLAG.SHARED, EXTENT_FLAG.LAST]);
  // maxExtents: limitPackedMap trims the column with the others
  const bounded = await engine.mapPacked(FILE, { maxExtents: 2 });
  assert.deepEqual([...bounded.packed.refcounts!], [1, 2]);
  assert.equal(bounded.truncatedAt, 7n * C);
  // a window: clipped extents keep their counts
  const w = await engine.mapPacked(FILE, { window: { offset: 5n * C, length: 3n * C } });
  assert.deepEqual([...w.packed.offset], [5n * C, 7n * C]);
  assert.deepEqual([...w.packed.refcounts!], [2, 3]);
  const many = await engine.mapWindows(FILE, [{ offset: 0n, length: C }, { offset: 7n * C, length: C }], { maxExtents: 8 });
  assert.deepEqual(many.map((x) => [...x.packed.refcounts!]), [[1], [3]]);
});

test('a backend with only extentMap (Extent objects): readMap packs the counts too', async () => {
  // operations.ts readMap's other path (backends without extentMapPacked) used to drop them as well
  const backend = { ...createNtBackend(new RefsLikeTransport(), 'win32'), extentMapPacked: undefined };
  const engine = createEngine({ backend });
  assert.deepEqual([...(await engine.mapPacked(FILE)).packed.refcounts!], [1, 2, 3, 1]);
  assert.deepEqual((await engine.map(FILE, { maxExtents: 3 })).extents.map((e) => e.refcount), [1, 2, 3]);
});

test('the CLI map writer: "refcount" in --json, "xN" in the table', async () => {
  // The CLI process itself cannot be pointed at the stand-in (it builds its own engine over
  // this OS's backend), so the test calls the CLI's one map writer with the packed map the
  // engine returned, which is exactly what `extent-lens map` does with it.
  const { engine } = setup();
  const m = await engine.mapPacked(FILE);
  const doc = JSON.parse(render(m, 'json')) as { extents: Array<{ offset: string; flags: string[]; refcount?: number }> };
  assert.deepEqual(
    doc.extents.map((e) => [e.offset, e.flags.join(','), e.refcount]),
    EXPECTED.map((e) => [e.offset.toString(), e.flags.join(','), e.refcount]),
  );
  const rows = render(m, 'human').split('\n').slice(2, 6);
  assert.deepEqual(
    rows.map((r) => r.replace(/^.*?\d+\s+\d+\s+\d+\s+\d+\s+\d+/, '').trim()),
    ['', 'shared x2', 'shared x3', 'last'],
  );
});

test('the inspector: rows, windows and summary of the model carry the counts; messages validate', async () => {
  const { engine } = setup();
  // the inspector's own read (src/views/read-map.ts), then its model, as InspectorController does
  const map = await readMap(engine, FILE, 'auto', engine.volume(FILE), {});
  const model = new MapModel(map, await engine.volume(FILE));
  assert.deepEqual(
    model.rows(0, 10).map((r) => [r.offset, r.flags, r.refcount]),
    EXPECTED.map((e) => [e.offset.toString(), e.flags, e.refcount]),
  );
  assert.deepEqual(model.window(0n, SIZE, 100).extents!.map((e) => e.refcount), [1, 2, 3, 1]);
  assert.equal(model.summary().sharedBytes, (4n * C).toString());
  const reply = model.answer({ type: 'requestRows', requestId: 1, start: 0, count: 4 });
  assert.ok(parseHostMessage(reply), 'a valid protocol message');
  assert.deepEqual(reply?.type === 'rows' ? reply.rows.map((r) => r.refcount) : undefined, [1, 2, 3, 1]);
  // the export numbers extents from 1, like the table and the CLI
  assert.match([...model.exportCsvChunks()].join(''), /^2,262144,458752,196608,32768000,shared,2$/m);
});
