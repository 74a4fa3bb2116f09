// The extension's decision logic, without VS Code: numbers for people, sparse-flag and dig-holes
// messages, selection handling, the map detail setting, debounce, progress, clone-results numbers
// and refusal details, the volume description. Inputs: commands-inputs.test.ts; the manifest and
// translations: manifest.test.ts.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bytesText, callsText, groupNumber, setNumberLocale } from '../../src/host/logic/bytes';
import { humanBytes } from '../../src/protocol/format';
import { sparseFlagMessage } from '../../src/commands/logic/sparse-text';
import { BTRFS_REWRITE_REMEDY } from '../../src/engine/fs-freed';
import { digHolesMessage, lengthPastEof, scannedFromNotes, unwrittenRanges } from '../../src/commands/logic/dig-holes-text';
import { EXTENT_FLAG } from '../../src/engine/map-format';
import { CloneSelection, pathsFromArgs } from '../../src/host/logic/clone-selection';
import { MAX_EXTENTS_DEFAULT, readMapDetail, readMaxExtents, windowBudget } from '../../src/host/logic/map-detail';
import { debounce } from '../../src/host/logic/debounce';
import { ProgressTracker } from '../../src/host/logic/progress';
import { buildCloneResults, refusalDetail, sharedBytes, spaceSaved } from '../../src/commands/logic/clone-results';
import { reportLogLine } from '../../src/host/logic/report-log';
import { HAS_CLONE_SELECTION } from '../../src/host/logic/contributions';
import { describeVolume } from '../../src/commands/logic/volume-text';
import { plainT } from '../../src/host/logic/translate';
import type { ExtentMap, OperationReport } from '../../src/engine/types';

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
    'scanned 1048576 bytes in 1 data range at 4096-byte blocks; found 0 bytes of zeros; punched 0 runs; 0 bytes deallocated (measured)';
  assert.deepEqual(scannedFromNotes([note]), { bytes: 1048576n, ranges: 1 });
  assert.equal(
    digHolesMessage({ bytes: 0n, notes: [note] }, 'zeros.img', 32505856n),
    'Nothing was freed in zeros.img: its 1,048,576 bytes (1 MiB) of data (1 data range) hold no whole blocks of zeros. ' +
      'Another 32,505,856 bytes (31 MiB) is preallocated but unwritten: it reads as zeros but is not data, so Dig Holes does not scan it.',
  );
  // preallocated past the end of the file (fallocate -n, XFS's speculative preallocation) is read not even as zeros (a trial)
  assert.equal(
    lengthPastEof(
      [
        { offset: 0n, length: 4096n },
        { offset: 8192n, length: 8192n },
        { offset: 20480n, length: 4096n },
      ],
      12288n,
    ),
    8192n,
  );
  assert.match(
    digHolesMessage({ bytes: 0n, notes: [note] }, 'zeros.img', 1048576n, undefined, 1048576n),
    / Another 1,048,576 bytes \(1 MiB\) is preallocated past the end of the file: it holds no data, so Dig Holes does not scan it\.$/,
  );
  assert.match(
    digHolesMessage({ bytes: 0n, notes: [note] }, 'zeros.img', 3145728n, undefined, 1048576n),
    / Another 3,145,728 bytes \(3 MiB\) is preallocated but unwritten \(1,048,576 bytes \(1 MiB\) of it past the end of the file\): it is not data, so Dig Holes does not scan it\.$/,
  );
  assert.equal(
    digHolesMessage({ bytes: 4096n * 1024n, notes: [note.replace('1 data range', '3 data ranges')] }, 'a.img', 0n),
    'Freed 4,194,304 bytes (4 MiB) of zero blocks in a.img. Scanned 1,048,576 bytes (1 MiB) of data in 3 data ranges.',
  );
  assert.equal(
    digHolesMessage({ bytes: 0n, notes: [] }, 'b.img', 0n),
    'Nothing was freed in b.img: its data holds no whole blocks of zeros.',
  );
  // the file system got less back than the file gave up (shared blocks, a btrfs extent in part)
  assert.equal(
    digHolesMessage({ bytes: 2n * 1048576n, notes: [], fsFreed: 0n }, 'c.img', 0n),
    'Deallocated 2,097,152 bytes (2 MiB) from c.img, but the file system gained only 0 bytes of free space (measured): the rest is still used by files sharing those blocks (clones, snapshots), or, on btrfs, by the rest of their extents, which btrfs frees only whole.',
  );
  // nothing of it was shared (the engine's FIEMAP said so): the file system's own records, not other files
  assert.equal(
    digHolesMessage({ bytes: 1048576n, notes: [], fsFreed: 1048576n - 24576n, sharedBytes: 0n }, 'e.img', 0n),
    "Deallocated 1,048,576 bytes (1 MiB) from e.img, but the file system gained only 1,024,000 bytes (1000 KiB) of free space (measured). None of those blocks were shared with other files: the rest is the file system's own bookkeeping (holes split the file's extents, and the records of the pieces take blocks too), or, on btrfs, the rest of their extents, which btrfs frees only whole.",
  );
  assert.match(digHolesMessage({ bytes: 4096n, notes: [], fsFreed: 4096n }, 'd.img', 0n), /^Freed 4,096 bytes/);
  // btrfs, none shared: the engine's remedy (rewrite the file) ends the message, as it ends the CLI's note
  assert.equal(
    digHolesMessage({ bytes: 1048576n, notes: [], fsFreed: 0n, sharedBytes: 0n, fsFreedRemedy: BTRFS_REWRITE_REMEDY }, 'g.img', 0n),
    "Deallocated 1,048,576 bytes (1 MiB) from g.img, but the file system gained only 0 bytes of free space (measured). None of those blocks were shared with other files: the rest is the file system's own bookkeeping (holes split the file's extents, and the records of the pieces take blocks too), or, on btrfs, the rest of their extents, which btrfs frees only whole. " +
      BTRFS_REWRITE_REMEDY,
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

test('humanBytes in command messages', () => {
  assert.equal(humanBytes(0n), '0 B');
  assert.equal(humanBytes(4096n), '4 KiB');
  assert.equal(humanBytes(1536n * 1024n * 1024n), '1.5 GiB');
  assert.equal(humanBytes((1n << 60n) + 4096n), '1 EiB');
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
  // the engine's counts with digit groups, as every other figure in the notifications
  assert.equal(
    new ProgressTracker().next({ done: 1n << 20n, total: 1n << 30n, message: '350224384 bytes deallocated' }).message,
    '350,224,384 bytes deallocated (1 MiB / 1 GiB)',
  );
  assert.equal(
    new ProgressTracker().next({ done: 0n, total: 0n, message: '651264 extents in 2024' }).message,
    '651,264 extents in 2024 (0 B)',
  );
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
  // no FIEMAP (SMB: allocated ranges): a whole-file clone shares the data it cloned, not its
  // holes (a trial: "Shared, not copied 1 TiB" for a 1 TiB sparse file holding 3 MiB)
  const data = dest.extents.reduce((a, e) => a + e.length, 0n);
  assert.equal(spaceSaved(report, { ...dest, source: 'seek' }), data, 'no FIEMAP: the data a whole-file clone holds');
  assert.equal(spaceSaved({ ...report, operation: 'clone-range', method: 'FICLONERANGE' }, { ...dest, source: 'seek' }), big + 8192n);
  const w = { offset: '0', length: '1', extentCount: 0, extents: [] };
  const built = buildCloneResults(report, { path: '/s', after: dest, afterWindow: w }, { path: '/d', after: dest, afterWindow: w });
  assert.equal(built.bytes, (big + 8192n).toString());
  assert.equal(built.destination.size, (big + 8192n).toString());
  assert.equal(built.spaceSaved, '12288');
  assert.equal(built.method, 'FICLONE');
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
