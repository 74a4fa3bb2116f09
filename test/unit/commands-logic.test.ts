// The extension's decision logic, without VS Code: input validation (alignment, overlap,
// 64-bit exactness), the existing-destination policy, error classification, selection
// handling, progress, clone-results numbers and the manifest's trust declarations.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { alignmentRule, checkLength, checkOffset, lengthToEof, rangesOverlap } from '../../src/commands/logic/clone-range-input';
import { formatBytes, formatDuration, parseByteInput } from '../../src/host/logic/bytes';
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

test('formatBytes / formatDuration', () => {
  assert.equal(formatBytes(0n), '0 B');
  assert.equal(formatBytes(4096n), '4 KiB');
  assert.equal(formatBytes(1536n * 1024n * 1024n), '1.5 GiB');
  assert.equal(formatBytes((1n << 60n) + 4096n), '1 EiB');
  assert.equal(formatDuration(12.4), '12 ms');
  assert.equal(formatDuration(2500), '2.50 s');
});

test('clone range offsets: the block size rule, with suggestions, shown in the prompt', () => {
  assert.match(alignmentRule(4096), /multiples of 4 KiB \(4096 bytes/);
  assert.deepEqual(checkOffset('8k', 4096, { what: 'destination' }), { value: 8192n });
  const bad = checkOffset('5000', 4096, { what: 'source', limit: 1n << 20n });
  assert.match(bad.error!, /not a multiple of the block size 4096; try 4096 or 8192/);
  assert.match(checkOffset('1MiB', 4096, { what: 'source', limit: 1n << 20n }).error!, /below that/);
  // 64 KiB ReFS clusters
  assert.ok(checkOffset('4k', 65536, { what: 'source' }).error);
  assert.equal(checkOffset('64k', 65536, { what: 'source' }).value, 65536n);
  // exact above 2^53: 2^60 is a multiple of 4096 and must survive unrounded
  assert.equal(checkOffset(String(1n << 60n), 4096, { what: 'destination' }).value, 1n << 60n);
  assert.ok(checkOffset(String((1n << 60n) + 1n), 4096, { what: 'destination' }).error);
});

test('clone range length: aligned unless it ends at the source EOF; same file may not overlap', () => {
  const base = { blockSize: 4096, sourceSize: 10_000n, sourceOffset: 0n, sameFile: false, destinationOffset: 0n };
  assert.equal(checkLength('8192', base).value, 8192n);
  assert.equal(checkLength('10000', base).value, 10000n, 'a tail ending at EOF may be unaligned');
  assert.match(checkLength('5000', base).error!, /not a multiple/);
  assert.match(checkLength('12288', base).error!, /past the source's end of file; at most 10000/);
  assert.match(checkLength('0', base).error!, /more than 0/);
  const same = { ...base, sourceSize: 1n << 20n, sameFile: true, destinationOffset: 4096n };
  assert.match(checkLength('8192', same).error!, /must not overlap/);
  assert.equal(checkLength('4096', same).value, 4096n);
  assert.equal(lengthToEof(10_000n, 4096n), 5904n);
  assert.equal(rangesOverlap(0n, 4096n, 4096n), false);
  assert.equal(rangesOverlap(0n, 4095n, 4096n), true);
  // huge offsets
  const huge = { blockSize: 4096, sourceSize: (1n << 60n) + 8192n, sourceOffset: 1n << 60n, sameFile: false, destinationOffset: 0n };
  assert.equal(checkLength('8192', huge).value, 8192n);
});

test('punch hole inputs', () => {
  assert.deepEqual(checkPunchRange('4k', '4k', 16384n), { offset: 4096n, length: 4096n });
  assert.match(checkPunchRange('16k', '1', 16384n).offsetError!, /below that/);
  assert.match(checkPunchRange('8k', '12k', 16384n).lengthError!, /at most 8192/);
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
  assert.match(lines[0], /xfs, 4096-byte blocks, block cloning: yes/);
  assert.ok(lines.some((l) => /1 GiB \(1073741824 bytes\)/.test(l)));
  // A probe that could not run: unknown, never "no".
  const v = { path: '/m', filesystem: 'xfs', blockSize: 4096, supportsSparse: true, volumeId: '7:0' };
  const unknown = describeVolume({ ...v, supportsClone: undefined, cloneEvidence: 'could not probe (EACCES)' }, plainT);
  assert.match(unknown[0], /block cloning: unknown,/);
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
  assert.deepEqual(pkg.activationEvents, [], 'activation is implicit (commands, custom editor)');
  assert.deepEqual(pkg.extensionKind, ['workspace']);
  assert.equal(pkg.capabilities.virtualWorkspaces.supported, false);
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
