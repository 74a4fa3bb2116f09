// The extension's decision logic, without VS Code: input validation (alignment, overlap,
// 64-bit exactness), the existing-destination policy, error classification, selection
// handling, progress, clone-results numbers and the manifest's trust declarations.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { alignmentRule, checkLength, checkOffset, lengthToEof, maxLength, rangesOverlap } from '../../src/commands/logic/clone-range-input';
import {
  bytesText,
  callsText,
  formatBytes,
  formatDuration,
  groupNumber,
  parseByteInput,
  setNumberLocale,
} from '../../src/host/logic/bytes';
import { sparseFlagMessage } from '../../src/commands/logic/sparse-text';
import { digHolesMessage, scannedFromNotes, unwrittenRanges } from '../../src/commands/logic/dig-holes-text';
import { EXTENT_FLAG } from '../../src/engine/map-format';
import { errorFacts } from '../../src/host/logic/errors';
import { policyFor, readOnExistingSetting } from '../../src/host/logic/existing-policy';
import { CloneSelection, pathsFromArgs } from '../../src/host/logic/clone-selection';
import { MAX_EXTENTS_DEFAULT, readMapDetail, readMaxExtents, windowBudget } from '../../src/host/logic/map-detail';
import { debounce } from '../../src/host/logic/debounce';
import { ProgressTracker } from '../../src/host/logic/progress';
import { buildCloneResults, refusalDetail, sharedBytes, spaceSaved } from '../../src/commands/logic/clone-results';
import { reportLogLine } from '../../src/host/logic/report-log';
import { cloneName, comparisonCopyPath, destinationInFolder, mustRename } from '../../src/host/logic/destination';
import { checkPunchRange } from '../../src/commands/logic/punch-input';
import { COMMANDS, MUTATING_COMMANDS, HAS_CLONE_SELECTION, INSPECTOR_VIEW_TYPE } from '../../src/host/logic/contributions';
import { describeVolume } from '../../src/commands/logic/volume-text';
import { plainT } from '../../src/host/logic/translate';
import type { ExtentMap, OperationReport } from '../../src/engine/types';

const TWO_53 = 1n << 53n;

test('byte inputs: suffixes, hex, exact above 2^53, refusals', () => {
  assert.deepEqual(parseByteInput('4k'), { value: 4096n });
  assert.deepEqual(parseByteInput('1MiB'), { value: 1048576n });
  assert.deepEqual(parseByteInput('1MB'), { value: 1000000n });
  assert.deepEqual(parseByteInput('0x1000'), { value: 4096n });
  assert.deepEqual(parseByteInput('9007199254740993'), { value: TWO_53 + 1n });
  assert.ok('error' in parseByteInput(''));
  assert.ok('error' in parseByteInput('12 apples'));
  assert.ok('error' in parseByteInput('-4096'));
  assert.ok('error' in parseByteInput('9223372036854775808')); // 2^63
});

test('byte inputs say why (issue 12): too large as the CLI says it, negative, "4 KiB" with a space', () => {
  const huge = parseByteInput('99999999999999999999999');
  assert.ok('error' in huge);
  assert.equal(huge.error, '99999999999999999999999 is larger than the largest file offset, 2^63 − 1 (9,223,372,036,854,775,807).');
  const neg = parseByteInput('-4096');
  assert.ok('error' in neg);
  assert.equal(neg.error, '-4096 is negative; byte counts and offsets start at 0.');
  assert.deepEqual(parseByteInput('4 KiB'), { value: 4096n });
  assert.deepEqual(parseByteInput('1 MiB'), { value: 1n << 20n });
  assert.match((parseByteInput('4 apples') as { error: string }).error, /is not a byte count/);
});

test('numbers for people: grouped by the display language, units on byte figures, plural forms', () => {
  assert.equal(groupNumber(12582912n), '12,582,912');
  assert.equal(groupNumber((1n << 63n) - 1n), '9,223,372,036,854,775,807', 'exact above 2^53');
  assert.equal(bytesText(32505856n), '32,505,856 bytes (31 MiB)');
  assert.equal(bytesText(512n), '512 bytes');
  assert.equal(bytesText(1n), '1 byte');
  assert.equal(callsText(1), '1 call');
  assert.equal(callsText(1200), '1,200 calls');
  setNumberLocale('de');
  try {
    assert.equal(groupNumber(12582912n), '12.582.912');
  } finally {
    setNumberLocale('en');
  }
});

test('clone range suggestions are valid answers: never past the source end, never the source offset itself', () => {
  const MiB16 = 16n * 1024n * 1024n;
  // the issue's case: 20,000,000 in a 16 MiB file; "try 19996672 or 20000768" were both past EOF
  const past = checkOffset('20000000', 4096, { what: 'source', limit: MiB16 });
  assert.equal(
    past.error,
    'The source file is 16,777,216 bytes (16 MiB) long; the source offset must be below that (the last block starts at 16,773,120).',
  );
  // just below EOF, misaligned: only the block below is offered (the one above is EOF itself)
  assert.equal(
    checkOffset('16775000', 4096, { what: 'source', limit: MiB16 }).error,
    '16,775,000 is not a multiple of the block size 4,096; try 16,773,120.',
  );
  for (const text of ['5000', '16775000', '20000000']) {
    const e = checkOffset(text, 4096, { what: 'source', limit: MiB16 }).error!;
    for (const m of e.matchAll(/try ([\d,]+)(?: or ([\d,]+))?/g)) {
      for (const n of [m[1], m[2]].filter(Boolean)) {
        assert.equal(
          checkOffset(n!.replace(/,/g, ''), 4096, { what: 'source', limit: MiB16 }).error,
          undefined,
          `${text}: suggestion ${n}`,
        );
      }
    }
  }
  // within one file the destination offset may not equal the source's, and no suggestion is it
  assert.match(
    checkOffset('8k', 4096, { what: 'destination', sourceOffset: 8192n }).error!,
    /must differ from the source offset \(8,192\)/,
  );
  assert.equal(
    checkOffset('9000', 4096, { what: 'destination', sourceOffset: 8192n }).error,
    '9,000 is not a multiple of the block size 4,096; try 12,288.',
  );
  // the length box's default: the longest valid length for the chosen offsets
  const same = {
    blockSize: 4096,
    sourceSize: 1n << 20n,
    sourceOffset: 0n,
    sameFile: true,
    destinationOffset: 65536n,
    destinationSize: 1n << 20n,
  };
  assert.equal(maxLength(same), 65536n);
  assert.equal(checkLength(String(maxLength(same)), { ...same, blockSize: 4096 }).error, undefined);
  assert.equal(maxLength({ ...same, sourceOffset: 131072n }), 65536n, 'destination before the source');
  assert.equal(maxLength({ ...same, sameFile: false }), 1n << 20n);
  assert.equal(maxLength({ ...same, destinationOffset: 4n << 20n }), 1n << 20n, 'far apart: to the source EOF');
  assert.match(checkLength('128k', { ...same, blockSize: 4096 }).error!, /must not overlap: at most 65,536 bytes \(64 KiB\) fit/);
});

test('set/clear sparse where there is no sparse attribute: said once, no change claimed', () => {
  const set = sparseFlagMessage({ method: 'none' }, 'zeros.img', true);
  assert.equal(
    set,
    'zeros.img was not changed: this system has no sparse attribute. Every file here can hold holes already (see Dig Holes, Punch Hole).',
  );
  assert.doesNotMatch(set + sparseFlagMessage({ method: 'none' }, 'zeros.img', false), /\(none\)|marked sparse/);
  assert.equal(sparseFlagMessage({ method: 'FSCTL_SET_SPARSE' }, 'a.img', true), 'a.img is now marked sparse (FSCTL_SET_SPARSE).');
});

test('dig holes: what was scanned, what was freed, the unwritten space it does not scan', () => {
  const note =
    'scanned 1048576 bytes in 1 data ranges at 4096-byte blocks; found 0 bytes of zeros; punched 0 runs; 0 bytes deallocated (measured)';
  assert.deepEqual(scannedFromNotes([note]), { bytes: 1048576n, ranges: 1 });
  assert.equal(
    digHolesMessage({ bytes: 0n, notes: [note] }, 'zeros.img', 32505856n),
    'Nothing was freed in zeros.img: its 1,048,576 bytes (1 MiB) of data (1 data range) hold no whole blocks of zeros. ' +
      'Another 32,505,856 bytes (31 MiB) is preallocated but unwritten: it reads as zeros but is not data, so Dig Holes does not scan it.',
  );
  assert.equal(
    digHolesMessage({ bytes: 4096n * 1024n, notes: [note.replace('1 data ranges', '3 data ranges')] }, 'a.img', 0n),
    'Freed 4,194,304 bytes (4 MiB) of zero blocks in a.img. Scanned 1,048,576 bytes (1 MiB) of data in 3 data ranges.',
  );
  assert.equal(
    digHolesMessage({ bytes: 0n, notes: [] }, 'b.img', 0n),
    'Nothing was freed in b.img: its data holds no whole blocks of zeros.',
  );
  const U = EXTENT_FLAG.UNWRITTEN;
  const cols = {
    count: 4,
    offset: BigInt64Array.from([0n, 4096n, 8192n, 65536n]),
    length: BigInt64Array.from([4096n, 4096n, 8192n, 4096n]),
    flags: Uint32Array.from([0, U, U, U]),
  };
  assert.deepEqual(unwrittenRanges(cols, U), [
    { offset: 4096n, length: 12288n },
    { offset: 65536n, length: 4096n },
  ]);
});

test('formatBytes / formatDuration', () => {
  assert.equal(formatBytes(0n), '0 B');
  assert.equal(formatBytes(4096n), '4 KiB');
  assert.equal(formatBytes(1536n * 1024n * 1024n), '1.5 GiB');
  assert.equal(formatBytes((1n << 60n) + 4096n), '1 EiB');
  assert.equal(formatDuration(12.4), '12 ms');
  assert.equal(formatDuration(2500), '2.50 s');
});

test('clone range offsets: the block size rule, with suggestions, shown in the prompt', () => {
  assert.match(alignmentRule(4096), /multiples of 4 KiB \(4,096 bytes/);
  assert.deepEqual(checkOffset('8k', 4096, { what: 'destination' }), { value: 8192n });
  const bad = checkOffset('5000', 4096, { what: 'source', limit: 1n << 20n });
  assert.match(bad.error!, /not a multiple of the block size 4,096; try 4,096 or 8,192/);
  assert.match(checkOffset('1MiB', 4096, { what: 'source', limit: 1n << 20n }).error!, /below that/);
  // 64 KiB ReFS clusters
  assert.ok(checkOffset('4k', 65536, { what: 'source' }).error);
  assert.equal(checkOffset('64k', 65536, { what: 'source' }).value, 65536n);
  // exact above 2^53: 2^60 is a multiple of 4096 and must survive unrounded
  assert.equal(checkOffset(String(1n << 60n), 4096, { what: 'destination' }).value, 1n << 60n);
  assert.ok(checkOffset(String((1n << 60n) + 1n), 4096, { what: 'destination' }).error);
});

test('clone range length: aligned unless it ends at the source EOF; same file may not overlap', () => {
  const base = { blockSize: 4096, sourceSize: 10_000n, sourceOffset: 0n, sameFile: false, destinationOffset: 0n, destinationSize: 0n };
  assert.equal(checkLength('8192', base).value, 8192n);
  assert.equal(checkLength('10000', base).value, 10000n, 'a tail ending at EOF may be unaligned');
  assert.match(checkLength('5000', base).error!, /not a multiple/);
  assert.match(checkLength('12288', base).error!, /past the source's end of file; at most 10,000 bytes \(9\.77 KiB\) fit/);
  assert.match(checkLength('0', base).error!, /more than 0/);
  const same = { ...base, sourceSize: 1n << 20n, sameFile: true, destinationOffset: 4096n };
  assert.match(checkLength('8192', same).error!, /must not overlap/);
  assert.equal(checkLength('4096', same).value, 4096n);
  assert.equal(lengthToEof(10_000n, 4096n), 5904n);
  assert.equal(rangesOverlap(0n, 4096n, 4096n), false);
  assert.equal(rangesOverlap(0n, 4095n, 4096n), true);
  // huge offsets
  const huge = {
    blockSize: 4096,
    sourceSize: (1n << 60n) + 8192n,
    sourceOffset: 1n << 60n,
    sameFile: false,
    destinationOffset: 0n,
    destinationSize: 0n,
  };
  assert.equal(checkLength('8192', huge).value, 8192n);
  // the trial's case: 10,000-byte source from 8192 (a 1,808-byte tail) into a 5 MiB file at 4096
  const inside = {
    blockSize: 4096,
    sourceSize: 10_000n,
    sourceOffset: 8192n,
    sameFile: false,
    destinationOffset: 4096n,
    destinationSize: 5n << 20n,
  };
  assert.equal(maxLength(inside), 0n, 'no whole block fits: no length is valid here');
  assert.match(
    checkLength('1808', inside).error!,
    /partial last block can only be cloned to the destination's end \(5,242,880\); this range would end at 5,904, inside it\. Go back/,
  );
  const longer = { ...inside, sourceOffset: 0n };
  assert.equal(maxLength(longer), 8192n, 'the tail would land inside: whole blocks only');
  assert.equal(checkLength(String(maxLength(longer)), longer).error, undefined);
  assert.match(checkLength('10000', longer).error!, /inside it\. Try 8,192 \(whole blocks\)\./);
  assert.equal(checkLength('8192', longer).value, 8192n);
  // ending at or past the destination's end, the tail is fine
  const atEnd = { ...longer, destinationOffset: (5n << 20n) - 8192n };
  assert.equal(maxLength(atEnd), 10_000n);
  assert.equal(checkLength('10000', atEnd).value, 10_000n);
});

test('punch hole inputs', () => {
  assert.deepEqual(checkPunchRange('4k', '4k', 16384n), { offset: 4096n, length: 4096n });
  assert.match(checkPunchRange('16k', '1', 16384n).offsetError!, /below that/);
  assert.match(checkPunchRange('8k', '12k', 16384n).lengthError!, /at most 8,192 bytes \(8 KiB\) fit/);
  assert.match(checkPunchRange('0', '0', 16384n).lengthError!, /more than 0/);
});

test('existing destination policy: never overwrite unless chosen', () => {
  assert.equal(readOnExistingSetting('rename'), 'rename');
  assert.equal(readOnExistingSetting('overwrite'), 'overwrite');
  assert.equal(readOnExistingSetting('bogus'), 'ask');
  assert.equal(readOnExistingSetting(undefined), 'ask');
  assert.equal(policyFor('ask', false), 'fail', 'a free name is still protected against a racing writer');
  assert.equal(policyFor('ask', true), 'ask');
  assert.equal(policyFor('rename', true), 'rename');
  assert.equal(policyFor('overwrite', true), 'overwrite');
  assert.equal(mustRename('/a/x.img', '/a/x.img'), true, 'cloning a file into its own folder must never overwrite it');
  assert.equal(mustRename('/a/x.img', '/b/x.img'), false);
  assert.equal(destinationInFolder('/src/disk.img', '/dst'), path.join('/dst', 'disk.img'));
  assert.equal(cloneName('/a/disk.img'), 'disk (clone).img');
  const tmp = comparisonCopyPath('/d/out.img', 42);
  assert.equal(path.dirname(tmp), '/d', 'the comparison copy lands in the destination folder');
  assert.equal(path.basename(tmp), '.el-compare-42.tmp');
  assert.equal(path.basename(comparisonCopyPath('/d/' + 'n'.repeat(254), 42)), '.el-compare-42.tmp', 'short whatever the name');
  assert.equal(destinationInFolder('/src/disk.img', '/d/link/..'), '/d/link/../disk.img', 'never simplified as text');
  assert.equal(destinationInFolder('/src/disk.img', '/dst/'), '/dst/disk.img');
});

test('error classification: clone impossible, exists, cancelled', () => {
  for (const code of [
    'E_CROSS_VOLUME',
    'EXDEV',
    'EOPNOTSUPP',
    'ERROR_NOT_SUPPORTED',
    'ERROR_INVALID_FUNCTION',
    'E_UNSUPPORTED',
    'ETXTBSY',
  ]) {
    assert.equal(errorFacts({ name: 'FsctlError', code, message: 'm' }).cloneImpossible, true, code);
  }
  for (const code of ['EINVAL', 'E_MISALIGNED', 'EACCES', 'ERROR_DISK_FULL']) {
    assert.equal(errorFacts({ code, message: 'm' }).cloneImpossible, false, code);
  }
  assert.equal(errorFacts({ code: 'E_EXISTS', message: 'x' }).exists, true);
  assert.equal(errorFacts({ code: 'EEXIST', message: 'x' }).exists, true, 'the OS refused the name (a race)');
  assert.equal(errorFacts({ code: 'STATUS_OBJECT_NAME_COLLISION', message: 'x' }).exists, true);
  assert.equal(errorFacts({ code: 'E_CANCELLED', message: 'x' }).cancelled, true);
  const f = errorFacts(new Error('plain'));
  assert.equal(f.code, 'UNKNOWN');
  assert.equal(f.message, 'plain');
});

test('paths from explorer arguments: multi-select wins, non-file schemes dropped, dedupe', () => {
  const u = (p: string, scheme = 'file') => ({ scheme, fsPath: p });
  assert.deepEqual(pathsFromArgs(u('/a'), [u('/a'), u('/b'), u('/c', 'untitled'), u('/b')]), ['/a', '/b']);
  assert.deepEqual(pathsFromArgs(u('/a'), undefined), ['/a']);
  assert.deepEqual(pathsFromArgs('/plain/path', undefined), ['/plain/path']);
  assert.deepEqual(pathsFromArgs(undefined, undefined), []);
  assert.deepEqual(pathsFromArgs(u('x', 'vscode-remote'), []), []);
});

test('clone selection mirrors into the context key', () => {
  const seen: number[] = [];
  const s = new CloneSelection((p) => seen.push(p.length));
  s.set(['/a', '/b', '/a']);
  assert.deepEqual(s.get(), ['/a', '/b']);
  s.remove('/a');
  s.remove('/zzz');
  s.clear();
  assert.deepEqual(seen, [2, 1, 0]);
  assert.equal(HAS_CLONE_SELECTION, 'extentLens.hasCloneSelection');
});

test('map detail setting', () => {
  assert.equal(readMapDetail('exact'), 'exact');
  assert.equal(readMapDetail(17), 'auto');
  assert.equal(windowBudget('auto', 500), 500);
  assert.equal(windowBudget('exact', 500), 1_000_000);
  // extentLens.inspector.maxExtents: within the range package.json declares, else the default
  assert.equal(readMaxExtents(250_000), 250_000);
  assert.equal(readMaxExtents(5), 10_000);
  assert.equal(readMaxExtents(1e12), 100_000_000);
  assert.equal(readMaxExtents('lots'), MAX_EXTENTS_DEFAULT);
  assert.equal(readMaxExtents(12.5), MAX_EXTENTS_DEFAULT);
});

test('debounce: many events, one refresh after the quiet period', async () => {
  let n = 0;
  const d = debounce(() => n++, 40);
  for (let i = 0; i < 10; i++) d();
  await new Promise((r) => setTimeout(r, 20));
  d();
  assert.equal(n, 0);
  await new Promise((r) => setTimeout(r, 80));
  assert.equal(n, 1);
  d();
  d.cancel();
  await new Promise((r) => setTimeout(r, 60));
  assert.equal(n, 1);
});

test('progress: bigint amounts to monotonic percentage increments', () => {
  const p = new ProgressTracker();
  const total = (1n << 60n) * 4n; // above 2^53
  assert.equal(p.next({ done: total / 4n, total }).increment, 25);
  assert.equal(p.next({ done: total / 4n, total }).increment, 0);
  assert.equal(p.next({ done: total / 2n, total }).increment, 25);
  assert.equal(p.next({ done: total * 2n, total }).increment, 50, 'clamped at 100%');
  assert.match(p.next({ done: 4096n, total: 0n }).message, /4 KiB/);
});

test('clone results: shared bytes, space saved, exact wire values', () => {
  const big = 1n << 60n;
  const dest: ExtentMap = {
    path: '/d',
    size: big + 8192n,
    blockSize: 4096,
    window: { offset: 0n, length: big + 8192n },
    extents: [
      { offset: 0n, length: 4096n, physical: 1n, flags: ['shared'] },
      { offset: 4096n, length: 4096n, physical: 2n, flags: [] },
      { offset: big, length: 8192n, physical: 3n, flags: ['shared', 'last'] },
    ],
    source: 'fiemap',
    calls: 1,
    durationMs: 1,
  };
  assert.equal(sharedBytes(dest.extents), 12288n);
  assert.equal(sharedBytes(dest.extents, 2048n, 4096n), 2048n);
  const report: OperationReport = {
    operation: 'clone',
    method: 'FICLONE',
    source: '/s',
    destination: '/d',
    bytes: big + 8192n,
    calls: 1,
    durationMs: 0.5,
  };
  assert.equal(spaceSaved(report, dest), 12288n);
  assert.equal(spaceSaved({ ...report, fellBack: true, method: 'sparse-copy' }, dest), 0n);
  assert.equal(spaceSaved(report, { ...dest, source: 'seek' }), big + 8192n, 'no FIEMAP: a clone method shares what it reports');
  const w = { offset: '0', length: '1', extentCount: 0, extents: [] };
  const data = buildCloneResults(report, { path: '/s', after: dest, afterWindow: w }, { path: '/d', after: dest, afterWindow: w });
  assert.equal(data.bytes, (big + 8192n).toString());
  assert.equal(data.destination.size, (big + 8192n).toString());
  assert.equal(data.spaceSaved, '12288');
  assert.equal(data.method, 'FICLONE');
  assert.match(
    reportLogLine({ ...report, fellBack: true, fallbackReason: 'EXDEV' }),
    /clone via FICLONE .*bytes=1152921504606855168 .*fellBack \(EXDEV\)/,
  );
});

test('after "Copy instead", the refusal is a detail that names no folder and no longer says "allow a copy"', () => {
  const sentence = 'ext4 cannot share blocks; use XFS (mkfs.xfs -m reflink=1) or btrfs';
  // Block Clone Here gives the engine the folder; Clone To a name that a rename replaced
  const folder = `clone: ioctl(FICLONE) failed on /m/src.img -> /m/out: ${sentence}, or allow a copy (EOPNOTSUPP).`;
  assert.equal(refusalDetail(folder, '/m/src.img', ['/m/out/src (clone).img', '/m/out']), `${sentence} (EOPNOTSUPP)`);
  const named = `clone: ioctl(FICLONE) failed on /m/a b.img -> /m/out/a b.img: ${sentence}, or allow a copy (EOPNOTSUPP).`;
  assert.equal(refusalDetail(named, '/m/a b.img', ['/m/out', '/m/out/a b.img']), `${sentence} (EOPNOTSUPP)`);
  const range =
    'clone-range: source offset 1 is not a multiple of the xfs block size 4096 bytes (E_MISALIGNED); block cloning shares whole blocks.';
  assert.equal(refusalDetail(range, '/m/a', ['/m/b']), range.slice('clone-range: '.length, -1));
  assert.equal(refusalDetail('STATUS_NOT_SUPPORTED', '/s', []), 'STATUS_NOT_SUPPORTED', 'another form: as is');
  const w = { offset: '0', length: '1', extentCount: 0, extents: [] };
  const map: ExtentMap = { path: '/m/out/src (clone).img', size: 0n, extents: [], source: 'fiemap' } as unknown as ExtentMap;
  const report: OperationReport = {
    operation: 'clone',
    method: 'copy_file_range',
    source: '/m/src.img',
    destination: '/m/out/src (clone).img',
    bytes: 0n,
    calls: 1,
    durationMs: 1,
    fellBack: true,
    fallbackReason: folder,
  };
  const src = { path: '/m/src.img', after: map, afterWindow: w };
  const d = buildCloneResults(report, src, { path: '/m/out/src (clone).img', after: map, afterWindow: w }, '/m/out/src.img');
  assert.equal(d.fallbackReason, `${sentence} (EOPNOTSUPP)`);
});

test('volume description', () => {
  const lines = describeVolume(
    {
      path: '/m',
      filesystem: 'xfs',
      blockSize: 4096,
      supportsSparse: true,
      supportsClone: true,
      cloneEvidence: 'reflink=1',
      volumeId: '7:0',
      totalBytes: 1n << 30n,
    },
    plainT,
  );
  assert.match(lines[0], /xfs, 4,096-byte blocks, block cloning: yes/);
  assert.ok(lines.some((l) => /1 GiB \(1,073,741,824 bytes\)/.test(l)));
  // A probe that could not run: unknown, never "no".
  const v = { path: '/m', filesystem: 'xfs', blockSize: 4096, supportsSparse: true, volumeId: '7:0' };
  const unknown = describeVolume({ ...v, supportsClone: undefined, cloneEvidence: 'could not probe (EACCES)' }, plainT);
  assert.match(unknown[0], /block cloning: unknown,/);
  // Over SMB the name is what the server reports (Samba says NTFS for any file system underneath).
  const smb = describeVolume(
    { ...v, path: 'smb://alice@127.0.0.1:4450/data', filesystem: 'NTFS', supportsClone: false, cloneEvidence: 'x' },
    plainT,
  );
  assert.match(smb[0], /: NTFS \(as the server reports it\), 4,096-byte blocks/);
});

test('every input box and quick pick of a command stays open when focus moves (ignoreFocusOut)', () => {
  // A flow of several inputs must not end, or lose its typed text, because a webview or another
  // part of the window took focus for a moment: each call sets ignoreFocusOut: true, and every
  // widget of a multi-step flow (src/host/multi-step-input.ts) sets it too.
  const dir = path.join(__dirname, '..', '..', 'src', 'commands');
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.ts'));
  let seen = 0;
  for (const f of files) {
    const text = fs.readFileSync(path.join(dir, f), 'utf8');
    const calls = [...text.matchAll(/window\.(showInputBox|showQuickPick)\(/g)];
    // Two questions in a row as separate calls close the quick input between them, and the focus
    // falls back to the editor (the inspector webview takes the keys typed then): a command that
    // asks more than once uses one InputFlow session instead.
    assert.ok(
      calls.length <= 1,
      `${f} asks ${calls.length} times with showInputBox/showQuickPick: use InputFlow (src/host/multi-step-input.ts)`,
    );
    for (const m of calls) {
      // the call's text: up to its closing parenthesis at the same depth
      let depth = 0;
      let end = m.index + m[0].length - 1;
      for (; end < text.length; end++) {
        if (text[end] === '(') depth++;
        else if (text[end] === ')' && --depth === 0) break;
      }
      assert.match(text.slice(m.index, end), /ignoreFocusOut: true/, `${f}: ${m[1]} at ${text.slice(0, m.index).split('\n').length}`);
      seen++;
    }
  }
  const flow = fs.readFileSync(path.join(__dirname, '..', '..', 'src', 'host', 'multi-step-input.ts'), 'utf8');
  for (const m of flow.matchAll(/const (\w+) = (?:this\.track\()?vscode\.window\.create(InputBox|QuickPick)/g)) {
    assert.match(
      flow.slice(m.index, m.index + 400),
      new RegExp(`${m[1]}\\.ignoreFocusOut = true;`),
      `multi-step-input.ts: ${m[2]} ${m[1]}`,
    );
    seen++;
  }
  assert.ok(seen >= 3, `found ${seen} inputs`);
  for (const f of ['clone-range.ts', 'punch-hole.ts'])
    assert.match(fs.readFileSync(path.join(dir, f), 'utf8'), /new InputFlow\(/, `${f} asks through one InputFlow`);
});

// ---- the manifest ------------------------------------------------------------------------

const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8'));
const nls = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.nls.json'), 'utf8'));

test('manifest: every command declared, categorised, localised', () => {
  const declared = pkg.contributes.commands.map((c: { command: string }) => c.command).sort();
  assert.deepEqual(declared, Object.values(COMMANDS).sort());
  for (const c of pkg.contributes.commands) {
    assert.equal(c.category, 'Extent Lens', 'the product name is the category, untranslated');
    const key = /^%(.+)%$/.exec(c.title)?.[1];
    assert.ok(key && typeof nls[key] === 'string', `${c.command} title is localisable`);
  }
  assert.deepEqual(pkg.activationEvents, ['onFileSystem:smb'], 'activation is implicit (commands, custom editor), and on an smb: resource');
  assert.deepEqual(pkg.extensionKind, ['workspace']);
  assert.equal(pkg.capabilities.virtualWorkspaces.supported, 'limited', 'a window whose only folder is an SMB share works');
  assert.equal(pkg.capabilities.untrustedWorkspaces.supported, 'limited');
});

test('manifest: mutating commands need a trusted workspace wherever they are shown', () => {
  const menus = pkg.contributes.menus as Record<string, Array<{ command?: string; when?: string }>>;
  for (const id of MUTATING_COMMANDS) {
    let shown = 0;
    for (const [menu, items] of Object.entries(menus)) {
      for (const item of items.filter((i) => i.command === id)) {
        shown++;
        assert.match(item.when ?? '', /\bisWorkspaceTrusted\b/, `${id} in ${menu}`);
      }
    }
    assert.ok(shown >= 1, `${id} appears in at least the command palette`);
  }
  const palette = menus.commandPalette.map((i) => i.command);
  for (const id of Object.values(COMMANDS)) assert.ok(palette.includes(id), `${id} has a palette entry`);
  const ex = menus['explorer/context'];
  assert.match(ex.find((i) => i.command === COMMANDS.selectForClone)!.when!, /!explorerResourceIsFolder/);
  assert.match(ex.find((i) => i.command === COMMANDS.cloneHere)!.when!, /(^|[^!])explorerResourceIsFolder/);
  const tab = menus['editor/title/context'].map((i) => i.command);
  assert.ok(tab.includes(COMMANDS.inspect) && tab.includes(COMMANDS.selectForClone));
  assert.match(menus.commandPalette.find((i) => i.command === COMMANDS.clearCloneSelection)!.when!, /extentLens\.hasCloneSelection/);
});

test('manifest: read-only custom editor offered for any file, never by default', () => {
  const ed = pkg.contributes.customEditors.find((e: { viewType: string }) => e.viewType === INSPECTOR_VIEW_TYPE);
  assert.ok(ed);
  assert.equal(ed.priority, 'option');
  assert.deepEqual(ed.selector, [{ filenamePattern: '*' }]);
  assert.equal(nls[/^%(.+)%$/.exec(ed.displayName)![1]], 'Extent Lens Inspector');
});

test('manifest: settings', () => {
  const p = pkg.contributes.configuration.properties;
  assert.deepEqual(p['extentLens.clone.onExisting'].enum, ['ask', 'rename', 'overwrite']);
  assert.equal(p['extentLens.clone.onExisting'].default, 'ask');
  assert.equal(p['extentLens.inspector.autoRefresh'].default, true);
  assert.deepEqual(p['extentLens.inspector.mapDetail'].enum, ['auto', 'exact', 'ranges']);
  for (const v of Object.values(p) as Array<Record<string, unknown>>) {
    const d = String(v.markdownDescription ?? v.description);
    assert.ok(nls[/^%(.+)%$/.exec(d)![1]], `setting description ${d} is localised`);
  }
});

test('translation placeholders', () => {
  assert.equal(plainT('{0} of {1}, {0}', 'a', 2), 'a of 2, a');
  assert.equal(plainT('{3}', 'a'), '{3}');
});

test('l10n/bundle.l10n.json lists every string the extension passes to l10n.t', async () => {
  const { extractL10nStrings } = await import('../../scripts/package.mjs');
  const current = extractL10nStrings();
  const bundle = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'l10n', 'bundle.l10n.json'), 'utf8'));
  assert.ok(Object.keys(current).length > 50);
  assert.deepEqual(bundle, current, 'run `node scripts/package.mjs --l10n-only` to regenerate l10n/bundle.l10n.json');
  assert.equal(pkg.l10n, './l10n');
});

test('every package.nls.<lang>.json translates exactly the keys of package.nls.json', () => {
  const root = path.join(__dirname, '..', '..');
  const keys = Object.keys(nls).sort();
  const langs = fs.readdirSync(root).filter((f) => /^package\.nls\.[a-z-]+\.json$/i.test(f));
  assert.ok(langs.length >= 1);
  for (const f of langs) {
    const tr = JSON.parse(fs.readFileSync(path.join(root, f), 'utf8'));
    assert.deepEqual(Object.keys(tr).sort(), keys, f);
    for (const k of keys) assert.ok(typeof tr[k] === 'string' && tr[k].length > 0, `${f}: ${k}`);
  }
  // every %key% used in package.json exists
  const used = [...JSON.stringify(pkg).matchAll(/"%([^%"]+)%"/g)].map((m) => m[1]);
  for (const k of used) assert.ok(k in nls, `package.json uses %${k}%`);
});
