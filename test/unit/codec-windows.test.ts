// Byte-for-byte checks of every Windows FSCTL structure against the layouts in docs/facts/windows-fsctl.md#buffer-layouts
// (x64, natural alignment, little endian). The expected bytes are written out by hand from the
// documented field offsets, not produced by the encoder under test.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as w from '../../src/engine/nt/codec/windows';
import { FSCTL, fsctlName, ctlCode, ctlCodeParts } from '../../src/engine/nt/codec/fsctl-codes';
import { win32ErrorName, win32ErrorCode, win32ErrorSentence, win32OutcomeKind, WIN32_ERRORS } from '../../src/engine/nt/codec/win32-errors';
import { win32Error } from '../../src/engine/backends/win32';
import { ntStatusName, ntStatusCode, ntStatusOutcomeKind, ntStatusSentence, ntStatusToWin32, ntStatusIsError } from '../../src/engine/nt/codec/ntstatus';

/** "01 02 ..." (spaces/newlines ignored) -> bytes. */
function hex(s: string): Uint8Array {
  const clean = s.replace(/\s+/g, '');
  assert.equal(clean.length % 2, 0);
  return Uint8Array.from(clean.match(/../g)!.map((b) => parseInt(b, 16)));
}

function toHex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}

function eqBytes(actual: Uint8Array, expected: Uint8Array): void {
  assert.equal(toHex(actual), toHex(expected));
}

test('control codes match docs/facts/windows-fsctl.md#control-codes', () => {
  assert.equal(FSCTL.FSCTL_DUPLICATE_EXTENTS_TO_FILE, 0x00098344);
  assert.equal(FSCTL.FSCTL_DUPLICATE_EXTENTS_TO_FILE_EX, 0x000983e8);
  assert.equal(FSCTL.FSCTL_QUERY_ALLOCATED_RANGES, 0x000940cf);
  assert.equal(FSCTL.FSCTL_SET_SPARSE, 0x000900c4);
  assert.equal(FSCTL.FSCTL_SET_ZERO_DATA, 0x000980c8);
  assert.equal(FSCTL.FSCTL_GET_INTEGRITY_INFORMATION, 0x0009027c);
  assert.equal(FSCTL.FSCTL_SET_INTEGRITY_INFORMATION, 0x0009c280);
  assert.equal(FSCTL.FSCTL_GET_RETRIEVAL_POINTERS_AND_REFCOUNT, 0x000903d3);
  assert.equal(FSCTL.FSCTL_SRV_REQUEST_RESUME_KEY, 0x00140078);
  assert.equal(FSCTL.FSCTL_SRV_COPYCHUNK, 0x001440f2);
  assert.equal(FSCTL.FSCTL_SRV_COPYCHUNK_WRITE, 0x001480f2);
  // CTL_CODE decomposition: FILE_DEVICE_FILE_SYSTEM (9), function 51, METHOD_NEITHER (3), FILE_READ_DATA (1).
  assert.deepEqual(ctlCodeParts(FSCTL.FSCTL_QUERY_ALLOCATED_RANGES), { deviceType: 9, access: 1, fn: 51, method: 3 });
  assert.equal(ctlCode(9, 49, 0, 0), FSCTL.FSCTL_SET_SPARSE);
  // FILE_DEVICE_NETWORK_FILE_SYSTEM (0x14), function 60, METHOD_BUFFERED, FILE_WRITE_ACCESS (2).
  assert.equal(ctlCode(0x14, 60, 2, 2), FSCTL.FSCTL_SRV_COPYCHUNK_WRITE);
  assert.equal(fsctlName(0x000940cf), 'FSCTL_QUERY_ALLOCATED_RANGES');
  assert.equal(fsctlName(0x00144418), 'FSCTL_0x00144418');
});

test('FILE_ALLOCATED_RANGE_BUFFER: 16 bytes, FileOffset @0, Length @8, int64 LE', () => {
  eqBytes(
    w.encodeAllocatedRange({ offset: 0x0102030405060708n, length: 0x1000n }),
    hex('0807060504030201 0010000000000000'),
  );
  const out = hex('0000000000000000 0010000000000000' + '0000100000000000 0000200000000000' + 'ffffffffffffff7f 0100000000000000' + 'aabbcc');
  assert.deepEqual(w.decodeAllocatedRanges(out), [
    { offset: 0n, length: 4096n },
    { offset: 0x100000n, length: 0x200000n },
    { offset: 0x7fffffffffffffffn, length: 1n }, // exact above 2^53: bigint end to end
  ]);
  eqBytes(w.encodeAllocatedRanges([{ offset: 4096n, length: 8192n }]), hex('0010000000000000 0020000000000000'));
  assert.throws(() => w.encodeAllocatedRange({ offset: 1n << 63n, length: 0n }), RangeError);
});

test('allocated range buffers are on fresh ArrayBuffers (4-byte aligned for METHOD_NEITHER)', () => {
  const b = w.encodeAllocatedRange({ offset: 0n, length: 1n });
  assert.equal(b.byteOffset, 0);
  assert.equal(b.buffer.byteLength, 16);
});

test('DUPLICATE_EXTENTS_DATA: 32 bytes with an 8-byte HANDLE, 40 with a 16-byte SMB2_FILEID', () => {
  const handle = hex('3412000000000000'); // HANDLE 0x1234
  eqBytes(
    w.encodeDuplicateExtents({ sourceRef: handle, sourceOffset: 0x10000n, targetOffset: 0x20000n, byteCount: 0xffff0000n }),
    hex('3412000000000000' + '0000010000000000' + '0000020000000000' + '0000ffff00000000'),
  );
  const fileId = hex('0102030405060708 1112131415161718'); // Persistent, Volatile
  const wire = w.encodeDuplicateExtents({ sourceRef: fileId, sourceOffset: 1n, targetOffset: 2n, byteCount: 3n });
  assert.equal(wire.byteLength, 40);
  eqBytes(wire, hex('0102030405060708 1112131415161718' + '0100000000000000' + '0200000000000000' + '0300000000000000'));
  assert.deepEqual(w.decodeDuplicateExtents(wire, 16), { sourceRef: fileId, sourceOffset: 1n, targetOffset: 2n, byteCount: 3n });
  assert.throws(() => w.encodeDuplicateExtents({ sourceRef: new Uint8Array(4), sourceOffset: 0n, targetOffset: 0n, byteCount: 0n }), RangeError);
});

test('DUPLICATE_EXTENTS_DATA_EX: 48 bytes (x64) / 56 (SMB2 wire), Size field 0x30 in both (MS-FSCC 2.3.9.2), Flags @40 / @48', () => {
  const handle = hex('f0debc9a78563412');
  const x64 = w.encodeDuplicateExtentsEx({ sourceRef: handle, sourceOffset: 0x1000n, targetOffset: 0x2000n, byteCount: 0x3000n, flags: 1 });
  eqBytes(
    x64,
    hex('3000000000000000' + 'f0debc9a78563412' + '0010000000000000' + '0020000000000000' + '0030000000000000' + '01000000' + '00000000'),
  );
  const fileId = hex('aa'.repeat(8) + 'bb'.repeat(8));
  const wire = w.encodeDuplicateExtentsEx({ sourceRef: fileId, sourceOffset: 0n, targetOffset: 0x10000n, byteCount: 0x10000n, flags: 3 });
  eqBytes(
    wire,
    hex('3000000000000000' + 'aa'.repeat(8) + 'bb'.repeat(8) + '0000000000000000' + '0000010000000000' + '0000010000000000' + '03000000' + '00000000'),
  );
  const back = w.decodeDuplicateExtentsEx(wire);
  assert.equal(back.size, 48n);
  assert.deepEqual(back.sourceRef, fileId);
  assert.equal(back.flags, 3);
  assert.equal(back.targetOffset, 0x10000n);
  assert.equal(w.decodeDuplicateExtentsEx(x64).size, 48n);
});

test('SRV_REQUEST_RESUME_KEY output: 24-byte key, ContextLength @24', () => {
  const raw = hex('00112233445566778899aabbccddeeff0011223344556677' + '00000000' + '00000000');
  const r = w.decodeResumeKey(raw);
  eqBytes(r.key, raw.subarray(0, 24));
  assert.equal(r.contextLength, 0);
  eqBytes(w.encodeResumeKey(r), raw);
  assert.equal(w.SRV_REQUEST_RESUME_KEY_OUTPUT_SIZE, 32);
  assert.throws(() => w.decodeResumeKey(new Uint8Array(20)), RangeError);
});

test('SRV_COPYCHUNK_COPY: 32-byte header (key, ChunkCount, Reserved) + 24-byte chunks', () => {
  const key = hex('01'.repeat(24));
  const b = w.encodeCopyChunkCopy(key, [
    { sourceOffset: 0n, targetOffset: 0n, length: 1 << 20 },
    { sourceOffset: 0x100000n, targetOffset: 0x200000n, length: 4096 },
  ]);
  eqBytes(
    b,
    hex(
      '01'.repeat(24) + '02000000' + '00000000' +
        '0000000000000000' + '0000000000000000' + '00001000' + '00000000' +
        '0000100000000000' + '0000200000000000' + '00100000' + '00000000',
    ),
  );
  const back = w.decodeCopyChunkCopy(b);
  assert.equal(back.chunks.length, 2);
  assert.deepEqual(back.chunks[1], { sourceOffset: 0x100000n, targetOffset: 0x200000n, length: 4096 });
  assert.throws(() => w.encodeCopyChunkCopy(key, [{ sourceOffset: 0n, targetOffset: 0n, length: 2 ** 32 }]), RangeError);
});

test('SRV_COPYCHUNK_RESPONSE: ChunksWritten, ChunkBytesWritten, TotalBytesWritten (12 bytes); limits form', () => {
  // Samba/Windows limits answer to an over-limit request: 256 chunks, 1 MiB, 16 MiB.
  const limits = hex('00010000' + '00001000' + '00000001');
  assert.deepEqual(w.decodeCopyChunkResponse(limits), { chunksWritten: 256, chunkBytesWritten: 1 << 20, totalBytesWritten: 16 << 20 });
  eqBytes(w.encodeCopyChunkResponse({ chunksWritten: 2, chunkBytesWritten: 0, totalBytesWritten: 0x101000 }), hex('02000000 00000000 00101000'));
});

test('FILE_ZERO_DATA_INFORMATION: FileOffset @0, BeyondFinalZero @8', () => {
  eqBytes(w.encodeZeroData({ fileOffset: 4096n, beyondFinalZero: 0x20000000000001n }), hex('0010000000000000 0100000000002000'));
  assert.deepEqual(w.decodeZeroData(hex('0010000000000000 0100000000002000')), { fileOffset: 4096n, beyondFinalZero: 0x20000000000001n });
});

test('FILE_SET_SPARSE_BUFFER: one BOOLEAN byte; no buffer means set', () => {
  eqBytes(w.encodeSetSparse(false), hex('00'));
  eqBytes(w.encodeSetSparse(true), hex('01'));
  assert.equal(w.decodeSetSparse(null), true);
  assert.equal(w.decodeSetSparse(hex('00')), false);
});

test('FSCTL_GET_INTEGRITY_INFORMATION_BUFFER (16) and the SET buffer (8)', () => {
  const raw = hex('0200' + '0000' + '01000000' + '00000100' + '00000100');
  assert.deepEqual(w.decodeIntegrityInfo(raw), { checksumAlgorithm: 2, flags: 1, checksumChunkSizeInBytes: 65536, clusterSizeInBytes: 65536 });
  eqBytes(w.encodeIntegrityInfo(w.decodeIntegrityInfo(raw)), raw);
  eqBytes(w.encodeSetIntegrityInfo({ checksumAlgorithm: 2, flags: 1 }), hex('0200 0000 01000000'));
});

test('STARTING_VCN_INPUT_BUFFER and RETRIEVAL_POINTERS_AND_REFCOUNT_BUFFER (header 16, extents 24 with ReferenceCount @16)', () => {
  eqBytes(w.encodeStartingVcn(0x10n), hex('1000000000000000'));
  const raw = hex(
    '03000000' + '00000000' + '0000000000000000' +
      '1000000000000000' + '6400000000000000' + '02000000' + '00000000' + // VCN 0..16 at LCN 100, shared x2
      '2000000000000000' + 'ffffffffffffffff' + '00000000' + '00000000' + // VCN 16..32 hole
      '2100000000000000' + 'c800000000000000' + '01000000' + '00000000', //  VCN 32..33 at LCN 200
  );
  const rp = w.decodeRetrievalPointersAndRefcount(raw);
  assert.equal(rp.startingVcn, 0n);
  assert.deepEqual(rp.extents, [
    { nextVcn: 16n, lcn: 100n, referenceCount: 2 },
    { nextVcn: 32n, lcn: -1n, referenceCount: 0 },
    { nextVcn: 33n, lcn: 200n, referenceCount: 1 },
  ]);
  eqBytes(w.encodeRetrievalPointers(rp, true), raw);
  // A truncated buffer ('more-data'): only whole entries are used even if ExtentCount says more.
  assert.equal(w.decodeRetrievalPointersAndRefcount(raw.subarray(0, 16 + 24 + 10)).extents.length, 1);
});

test('RETRIEVAL_POINTERS_BUFFER: header 16, extents {NextVcn, Lcn} of 16', () => {
  const raw = hex('01000000' + '00000000' + '0500000000000000' + '0a00000000000000' + '0001000000000000');
  assert.deepEqual(w.decodeRetrievalPointers(raw), { startingVcn: 5n, extents: [{ nextVcn: 10n, lcn: 256n }] });
  eqBytes(w.encodeRetrievalPointers({ startingVcn: 5n, extents: [{ nextVcn: 10n, lcn: 256n }] }, false), raw);
});

test('allocated ranges round-trip exactly for any int64 values (property)', () => {
  const i64 = fc.bigInt({ min: 0n, max: (1n << 63n) - 1n });
  fc.assert(
    fc.property(fc.array(fc.tuple(i64, i64), { maxLength: 20 }), (ts) => {
      const rs = ts.map(([offset, length]) => ({ offset, length }));
      assert.deepEqual(w.decodeAllocatedRanges(w.encodeAllocatedRanges(rs)), rs);
    }),
  );
});

test('Win32 error table: names, codes, sentences, outcome kinds', () => {
  const want: [number, string][] = [
    [1, 'ERROR_INVALID_FUNCTION'], [2, 'ERROR_FILE_NOT_FOUND'], [5, 'ERROR_ACCESS_DENIED'], [50, 'ERROR_NOT_SUPPORTED'],
    [80, 'ERROR_FILE_EXISTS'], [87, 'ERROR_INVALID_PARAMETER'], [112, 'ERROR_DISK_FULL'], [122, 'ERROR_INSUFFICIENT_BUFFER'],
    [183, 'ERROR_ALREADY_EXISTS'], [234, 'ERROR_MORE_DATA'], [347, 'ERROR_BLOCK_TOO_MANY_REFERENCES'],
  ];
  for (const [code, name] of want) {
    assert.equal(win32ErrorName(code), name);
    assert.equal(win32ErrorCode(name), code);
    assert.ok(WIN32_ERRORS[code].sentence!.length > 10, `${name} has a sentence`);
  }
  assert.equal(win32ErrorName(99999), 'ERROR_99999');
  assert.match(win32ErrorSentence(347), /8175/);
  assert.equal(win32OutcomeKind(0), 'ok');
  assert.equal(win32OutcomeKind(234), 'more-data');
  assert.equal(win32OutcomeKind(122), 'buffer-too-small');
  assert.equal(win32OutcomeKind(87), 'invalid-parameter');
  assert.equal(win32OutcomeKind(50), 'not-supported');
  assert.equal(win32OutcomeKind(1), 'not-supported');
  assert.equal(win32OutcomeKind(5), 'error');
  // ERROR_INVALID_FUNCTION from a call that sends no control code (a trial: GetVolumeInformationByHandleW
  // on a Linux mount under Wine said "does not implement this control code")
  const vol = win32Error('volume', 1, 'GetVolumeInformationByHandleW', ['Z:\\mnt\\f']).message;
  assert.doesNotMatch(vol, /control code/);
  assert.match(vol, /ERROR_INVALID_FUNCTION: the file system \(or its driver\) does not answer this request; .*NTFS or ReFS volume\.$/);
  assert.match(win32Error('clone', 1, 'DeviceIoControl(FSCTL_DUPLICATE_EXTENTS_TO_FILE)', ['C:\\a']).message, /control code/);
});

test('NTSTATUS table: names, Win32 equivalents, outcome kinds', () => {
  const want: [number, string, number | undefined][] = [
    [0x80000005, 'STATUS_BUFFER_OVERFLOW', 234], [0xc0000023, 'STATUS_BUFFER_TOO_SMALL', 122],
    [0xc000000d, 'STATUS_INVALID_PARAMETER', 87], [0xc00000bb, 'STATUS_NOT_SUPPORTED', 50],
    [0xc0000010, 'STATUS_INVALID_DEVICE_REQUEST', 1], [0xc0000022, 'STATUS_ACCESS_DENIED', 5],
    [0xc0000034, 'STATUS_OBJECT_NAME_NOT_FOUND', 2], [0xc0000035, 'STATUS_OBJECT_NAME_COLLISION', 183],
    [0xc000007f, 'STATUS_DISK_FULL', 112], [0xc000048c, 'STATUS_BLOCK_TOO_MANY_REFERENCES', 347],
    [0xc000001f, 'STATUS_INVALID_VIEW_SIZE', undefined], [0xc000006d, 'STATUS_LOGON_FAILURE', 1326],
  ];
  for (const [code, name, w32] of want) {
    assert.equal(ntStatusName(code), name);
    assert.equal(ntStatusName(code | 0), name, 'signed int32 form is accepted too');
    assert.equal(ntStatusCode(name), code);
    assert.equal(ntStatusToWin32(code), w32);
    assert.ok(ntStatusSentence(code).length > 10);
  }
  assert.equal(ntStatusName(0xc0001234), 'STATUS_0xC0001234');
  assert.equal(ntStatusOutcomeKind(0x80000005), 'more-data');
  assert.equal(ntStatusOutcomeKind(0xc0000023), 'buffer-too-small');
  assert.equal(ntStatusOutcomeKind(0xc000000d), 'invalid-parameter');
  assert.equal(ntStatusOutcomeKind(0xc00000bb), 'not-supported');
  assert.equal(ntStatusOutcomeKind(0xc0000010), 'not-supported');
  assert.equal(ntStatusOutcomeKind(0xc0000022), 'error');
  assert.equal(ntStatusIsError(0x80000005), false);
  assert.equal(ntStatusIsError(0xc0000022), true);
  assert.match(ntStatusSentence(0xc000048c), /8175/);
});
