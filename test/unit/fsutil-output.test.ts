// The fsutil parsing of test/windows/fsutil.ts, run here because fsutil itself runs only on the
// Windows CI runner: if these parsers silently found nothing, the Windows checks built on them
// would fail for the wrong reason (or, worse, pass for one). The samples follow fsutil's English
// output (docs/facts/windows-fsctl.md#reference-counts); they are written for this test, not
// captured on this machine.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normaliseRuns, parseExtentsAndRefCounts, parseVolumeInfo } from '../windows/fsutil';

const REFS_VOLUMEINFO = [
  'Volume Name : ExtentLens',
  'Volume Serial Number : 0x5a2e1c3b9f04d7a2',
  'Max Component Length : 255',
  'File System Name : ReFS',
  'Is ReadWrite',
  'Not Thinly-Provisioned',
  'Supports Case-sensitive filenames',
  'Preserves Case of filenames',
  'Supports Unicode in filenames',
  "Preserves & Enforces ACL's",
  'Supports Sparse files',
  'Supports Reparse Points',
  'Returns Handle Close Result Information',
  'Supports Named Streams',
  'Supports Open By FileID',
  'Supports Integrity Streams',
  'Supports Block Cloning',
  'Supports Sparse VDL',
  '',
].join('\r\n');

test('volumeinfo: file system name and the two capabilities the Windows tests compare', () => {
  assert.deepEqual(parseVolumeInfo(REFS_VOLUMEINFO), { recognised: true, fileSystemName: 'ReFS', supportsSparseFiles: true, supportsBlockCloning: true });
  const ntfs = REFS_VOLUMEINFO.replace('File System Name : ReFS', 'File System Name : NTFS').replace(/Supports Block Cloning\r\n/, '');
  assert.deepEqual(parseVolumeInfo(ntfs), { recognised: true, fileSystemName: 'NTFS', supportsSparseFiles: true, supportsBlockCloning: false });
  // Capabilities are whole lines: "Supports Sparse VDL" is not "Supports Sparse files".
  assert.equal(parseVolumeInfo('File System Name : ReFS\nSupports Sparse VDL\n').supportsSparseFiles, false);
  // Something else entirely (another language, an error message) is not recognised.
  assert.equal(parseVolumeInfo('Nom du système de fichiers : ReFS\n').recognised, false);
  assert.equal(parseVolumeInfo('').recognised, false);
});

test('queryExtentsAndRefCounts: runs in hex, holes as LCN -1 in either spelling, other lines ignored', () => {
  const out = [
    'VCN: 0x0        Clusters: 0x400      LCN: 0x2c40      Ref: 0x2',
    'VCN: 0x400      Clusters: 0x1        LCN: 0x9f00      Ref: 0x1',
    'VCN: 0x401      Clusters: 0x10       LCN: 0xffffffffffffffff Ref: 0x0',
    'VCN: 0x411      Clusters: 0x10       LCN: -1          Ref: 0x0',
    '',
    'some trailing message',
  ].join('\r\n');
  assert.deepEqual(parseExtentsAndRefCounts(out), [
    { vcn: 0n, clusters: 0x400n, lcn: 0x2c40n, ref: 2 },
    { vcn: 0x400n, clusters: 1n, lcn: 0x9f00n, ref: 1 },
    { vcn: 0x401n, clusters: 0x10n, lcn: -1n, ref: 0 },
    { vcn: 0x411n, clusters: 0x10n, lcn: -1n, ref: 0 },
  ]);
  assert.deepEqual(parseExtentsAndRefCounts('VCN: 12 Clusters: 3 LCN: 40 RefCount: 5'), [{ vcn: 12n, clusters: 3n, lcn: 40n, ref: 5 }]);
  assert.deepEqual(parseExtentsAndRefCounts('Error: Access is denied.'), []);
});

test('normaliseRuns: holes dropped, cut at the file end, continuing runs merged, different counts kept apart', () => {
  const runs = [
    { vcn: 4n, clusters: 4n, lcn: 104n, ref: 2 }, // out of order on purpose
    { vcn: 0n, clusters: 4n, lcn: 100n, ref: 2 }, // continues into the one above: merged
    { vcn: 8n, clusters: 2n, lcn: -1n, ref: 0 }, // hole
    { vcn: 10n, clusters: 2n, lcn: 110n, ref: 2 }, // after a hole: not merged
    { vcn: 12n, clusters: 4n, lcn: 112n, ref: 1 }, // same LCN continuation, other count: not merged
    { vcn: 16n, clusters: 8n, lcn: 200n, ref: 1 }, // crosses the file end (18 clusters): cut
    { vcn: 30n, clusters: 1n, lcn: 300n, ref: 1 }, // entirely past the end: dropped
  ];
  assert.deepEqual(normaliseRuns(runs, 18n), [
    { vcn: 0n, clusters: 8n, lcn: 100n, ref: 2 },
    { vcn: 10n, clusters: 2n, lcn: 110n, ref: 2 },
    { vcn: 12n, clusters: 4n, lcn: 112n, ref: 1 },
    { vcn: 16n, clusters: 2n, lcn: 200n, ref: 1 },
  ]);
  // The input is not modified (the merge works on copies).
  assert.equal(runs[1].clusters, 4n);
});
