// Byte-for-byte checks of the Linux ioctl layouts (docs/facts/linux.md#fiemap): struct fiemap + fiemap_extent,
// struct file_clone_range, struct statfs fields, flag names, and the packed extent form
// (src/engine/map-format.ts, which the Linux edge fills: FIEMAP bits masked to engine bits).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  appendFiemapExtents,
  decodeFileCloneRange,
  decodeFiemapExtent,
  decodeFiemapHeader,
  fiemapMappedExtents,
  decodeStatfs,
  encodeFileCloneRange,
  encodeFiemapExtent,
  encodeFiemapRequest,
  engineFlagsOfFiemap,
  FIEMAP_EXTENT,
  filesystemName,
} from '../../src/engine/backends/linux/codec';
import { MessageChannel } from 'node:worker_threads';
import {
  EXTENT_FLAG,
  extentFlagBits,
  extentFlagNames,
  limitPackedMap,
  packExtents,
  packedBuffers,
  PackedExtentsBuilder,
  unpackExtents,
  type PackedExtentMap,
} from '../../src/engine/map-format';

test('fiemap request header: 32 bytes, little endian, room for N extents of 56 bytes', () => {
  const b = encodeFiemapRequest(0x0102030405060708n, 0xffffffffffffffffn, 1, 3);
  assert.equal(b.length, 32 + 3 * 56);
  assert.deepEqual([...b.subarray(0, 32)], [
    0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01, // fm_start
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, // fm_length
    0x01, 0, 0, 0, // fm_flags = FIEMAP_FLAG_SYNC
    0, 0, 0, 0, // fm_mapped_extents
    0x03, 0, 0, 0, // fm_extent_count
    0, 0, 0, 0, // fm_reserved
  ]);
  const h = decodeFiemapHeader(b);
  assert.equal(h.start, 0x0102030405060708n);
  assert.equal(h.extentCount, 3);
  // fm_mapped_extents @20, as the space walk reads it (no header object per call)
  b.set([0x04, 0x03, 0x02, 0xf1], 20);
  assert.equal(fiemapMappedExtents(b), 0xf1020304);
  assert.equal(fiemapMappedExtents(b), decodeFiemapHeader(b).mappedExtents);
});

test('fiemap_extent: logical @0, physical @8, length @16, flags @40', () => {
  const b = encodeFiemapRequest(0n, 0n, 0, 2);
  encodeFiemapExtent(b, 1, { logical: (1n << 60n) + 4096n, physical: 0x1234000n, length: 8192n, flags: FIEMAP_EXTENT.SHARED | FIEMAP_EXTENT.LAST });
  const at = 32 + 56;
  const dv = new DataView(b.buffer);
  assert.equal(dv.getBigUint64(at, true), (1n << 60n) + 4096n);
  assert.equal(dv.getBigUint64(at + 8, true), 0x1234000n);
  assert.equal(dv.getBigUint64(at + 16, true), 8192n);
  assert.equal(dv.getUint32(at + 40, true), 0x2001);
  assert.deepEqual(decodeFiemapExtent(b, 1), { logical: (1n << 60n) + 4096n, physical: 0x1234000n, length: 8192n, flags: 0x2001 });
});

test('FIEMAP bits become engine flags by a mask; names in bit order; arrays shared per bit set', () => {
  // The engine chose its bit values equal to FIEMAP's (map-format.ts): the Linux edge is a mask.
  const F = FIEMAP_EXTENT;
  const pairs: Array<[number, number]> = [
    [F.LAST, EXTENT_FLAG.LAST], [F.UNKNOWN, EXTENT_FLAG.UNKNOWN], [F.DELALLOC, EXTENT_FLAG.DELALLOC],
    [F.ENCODED, EXTENT_FLAG.ENCODED], [F.DATA_ENCRYPTED, EXTENT_FLAG.ENCRYPTED], [F.NOT_ALIGNED, EXTENT_FLAG.NOT_ALIGNED],
    [F.DATA_INLINE, EXTENT_FLAG.INLINE], [F.DATA_TAIL, EXTENT_FLAG.TAIL], [F.UNWRITTEN, EXTENT_FLAG.UNWRITTEN],
    [F.MERGED, EXTENT_FLAG.MERGED], [F.SHARED, EXTENT_FLAG.SHARED],
  ];
  for (const [fiemap, engine] of pairs) assert.equal(engineFlagsOfFiemap(fiemap), engine);
  assert.equal(engineFlagsOfFiemap(0x80000000 | 0x4000 | F.SHARED), EXTENT_FLAG.SHARED, 'bits the engine does not name are dropped');
  const E = EXTENT_FLAG;
  assert.deepEqual(extentFlagNames(E.LAST | E.UNWRITTEN | E.SHARED), ['last', 'unwritten', 'shared']);
  assert.deepEqual(extentFlagNames(E.UNKNOWN | E.DELALLOC | E.ENCODED | E.ENCRYPTED | E.NOT_ALIGNED | E.INLINE | E.TAIL | E.MERGED), [
    'unknown', 'delalloc', 'encoded', 'encrypted', 'not-aligned', 'inline', 'tail', 'merged',
  ]);
  assert.equal(extentFlagNames(E.UNWRITTEN), extentFlagNames(E.UNWRITTEN));
  assert.ok(Object.isFrozen(extentFlagNames(E.UNWRITTEN)));
  assert.equal(extentFlagBits(['shared', 'last']), E.SHARED | E.LAST);
});

test('appendFiemapExtents (typed-array fast path) equals the DataView decoder; unknown physical -> null, encoded kept', () => {
  fc.assert(
    fc.property(
      fc.array(fc.record({ logical: fc.bigInt({ min: 0n, max: (1n << 63n) - 1n }), physical: fc.bigInt({ min: 0n, max: (1n << 62n) - 1n }), length: fc.bigInt({ min: 0n, max: (1n << 40n) - 1n }), flags: fc.integer({ min: 0, max: 0x3fff }) }), { maxLength: 50 }),
      (exts) => {
        const b = encodeFiemapRequest(0n, 0n, 0, exts.length);
        exts.forEach((e, i) => encodeFiemapExtent(b, i, e));
        const out = new PackedExtentsBuilder();
        appendFiemapExtents(b, exts.length, out);
        const un = unpackExtents(out.build());
        exts.forEach((e, i) => {
          assert.equal(un[i].offset, e.logical);
          assert.equal(un[i].length, e.length);
          // UNKNOWN, DELALLOC, DATA_INLINE; ENCODED (compressed) keeps the extent's address, as filefrag shows it
          const unknown = (e.flags & (0x2 | 0x4 | 0x200)) !== 0;
          assert.equal(un[i].physical, unknown ? null : e.physical);
          assert.deepEqual(un[i].flags, extentFlagNames(engineFlagsOfFiemap(e.flags)));
        });
      },
    ),
  );
});

test('packExtents/unpackExtents round trip', () => {
  const ex = [
    { offset: 0n, length: 4096n, physical: 8192n, flags: extentFlagNames(0) },
    { offset: (1n << 60n), length: 4096n, physical: null, flags: extentFlagNames(EXTENT_FLAG.DELALLOC | EXTENT_FLAG.LAST) },
  ];
  assert.deepEqual(unpackExtents(packExtents(ex)), ex);
  assert.equal(packExtents(ex).refcounts, undefined, 'no refcount column without reference counts');
});

test('the refcount column: packed, unpacked, zeros before the first count, kept by dropRepeated', () => {
  const ex = [
    { offset: 0n, length: 65536n, physical: 1n << 20n, flags: extentFlagNames(0) },
    { offset: 65536n, length: 65536n, physical: 2n << 20n, flags: extentFlagNames(EXTENT_FLAG.SHARED), refcount: 3 },
    { offset: 1n << 40n, length: 65536n, physical: 3n << 20n, flags: extentFlagNames(EXTENT_FLAG.LAST), refcount: 1 },
  ];
  const p = packExtents(ex);
  assert.deepEqual([...p.refcounts!], [0, 3, 1]);
  assert.deepEqual(unpackExtents(p), ex);
  const b = new PackedExtentsBuilder();
  b.push(0n, 4096n, 100n, 0, 2);
  b.push(0n, 4096n, 100n, 0, 2); // repeated
  b.push(4096n, 4096n, 200n, EXTENT_FLAG.SHARED, 5);
  b.dropRepeated(1, 4096n);
  const built = b.build();
  assert.deepEqual([...built.refcounts!], [2, 5]);
  // columns appended in bulk get "not given" counts
  const cols = b.appendColumns(1);
  cols.offset[cols.at] = 8192n;
  cols.length[cols.at] = 4096n;
  cols.physical[cols.at] = -1n;
  assert.deepEqual([...b.build().refcounts!], [2, 5, 0]);
  assert.deepEqual([...built.refcounts!], [2, 5], 'a built map does not change afterwards');
});

test('the refcount column crosses a thread boundary by transfer (as the engine worker sends maps) and survives limits', async () => {
  const b = new PackedExtentsBuilder();
  b.push(0n, 65536n, 65536n, 0, 1);
  b.push(131072n, 65536n, 131072n, EXTENT_FLAG.SHARED, 7);
  b.push(1n << 62n, 65536n, 262144n, EXTENT_FLAG.LAST, 2);
  const m: PackedExtentMap = {
    path: 'D:\\f', size: (1n << 62n) + 65536n, blockSize: 65536, window: { offset: 0n, length: (1n << 62n) + 65536n },
    packed: b.build(), source: 'refcount', calls: 1, durationMs: 0,
  };
  const transfer = packedBuffers(m.packed);
  assert.equal(transfer.length, 5, 'four columns and the refcounts');
  const { port1, port2 } = new MessageChannel();
  const got = new Promise<PackedExtentMap>((resolve) => port2.once('message', resolve));
  port1.postMessage(m, transfer);
  const back = await got;
  port1.close();
  port2.close();
  assert.equal(m.packed.offset.byteLength, 0, 'the columns moved, not copied');
  assert.deepEqual([...back.packed.refcounts!], [1, 7, 2]);
  assert.deepEqual(unpackExtents(back.packed).map((e) => e.refcount), [1, 7, 2]);
  const limited = limitPackedMap(back, 2);
  assert.deepEqual([...limited.packed.refcounts!], [1, 7]);
  assert.equal(limited.truncatedAt, 196608n);
});

test('file_clone_range: 32 bytes, s64 src_fd, u64 src_offset, src_length, dest_offset', () => {
  const b = encodeFileCloneRange(7, 4096n, 0n, 1n << 53n);
  assert.equal(b.length, 32);
  assert.deepEqual([...b.subarray(0, 8)], [7, 0, 0, 0, 0, 0, 0, 0]);
  assert.deepEqual([...b.subarray(8, 16)], [0, 0x10, 0, 0, 0, 0, 0, 0]);
  assert.deepEqual([...b.subarray(16, 24)], [0, 0, 0, 0, 0, 0, 0, 0]);
  assert.deepEqual([...b.subarray(24, 32)], [0, 0, 0, 0, 0, 0, 0x20, 0]);
  assert.deepEqual(decodeFileCloneRange(b), { srcFd: 7, srcOffset: 4096n, srcLength: 0n, destOffset: 1n << 53n });
});

test('statfs: f_type @0, f_bsize @8, f_blocks @16, f_bavail @32, f_frsize @72; names', () => {
  const b = new Uint8Array(120);
  const dv = new DataView(b.buffer);
  dv.setBigUint64(0, 0x58465342n, true);
  dv.setBigInt64(8, 4096n, true);
  dv.setBigUint64(16, 1000n, true);
  dv.setBigUint64(32, 500n, true);
  dv.setBigInt64(72, 4096n, true);
  dv.setBigUint64(80, 1n, true); // f_flags: ST_RDONLY
  const s = decodeStatfs(b);
  assert.equal(s.flags, 1n);
  assert.equal(s.type, 0x58465342n);
  assert.equal(s.bsize, 4096n);
  assert.equal(s.blocks, 1000n);
  assert.equal(s.bavail, 500n);
  assert.equal(filesystemName(0x58465342n), 'xfs');
  assert.equal(filesystemName(0xef53n), 'ext4');
  assert.equal(filesystemName(0x9123683en), 'btrfs');
  assert.equal(filesystemName(0x01021994n), 'tmpfs');
  assert.equal(filesystemName(0xabcdn), '0xabcd');
});

test('dropRepeated removes extents an earlier page returned and trims a straddling one', () => {
  const b = new PackedExtentsBuilder();
  b.push(0n, 4096n, 100n, 0);
  b.push(0n, 4096n, 100n, 0); // repeated
  b.push(2048n, 4096n, 200n, EXTENT_FLAG.SHARED); // straddles 4096
  b.push(8192n, 4096n, -1n, EXTENT_FLAG.DELALLOC);
  b.dropRepeated(1, 4096n);
  const u = unpackExtents(b.build());
  assert.deepEqual(u.map((e) => [e.offset, e.length, e.physical]), [
    [0n, 4096n, 100n],
    [4096n, 2048n, 2248n],
    [8192n, 4096n, null],
  ]);
  // An encoded (compressed) extent's physical names the extent: trimmed, it still does.
  const c = new PackedExtentsBuilder();
  c.push(0n, 131072n, 1n << 20n, EXTENT_FLAG.ENCODED);
  c.dropRepeated(0, 4096n);
  assert.deepEqual(
    unpackExtents(c.build()).map((e) => [e.offset, e.length, e.physical]),
    [[4096n, 126976n, 1n << 20n]],
  );
});
