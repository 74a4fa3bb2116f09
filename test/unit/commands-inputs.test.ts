// What the extension's commands accept, without VS Code: byte inputs (suffixes, hex, exact above
// 2^53, and why a refusal), clone range offsets and lengths (the block size rule, suggestions that
// are valid answers, overlap in one file), punch hole inputs, the existing-destination policy and
// error classification.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import {
  alignmentRule,
  checkLength,
  checkOffset,
  growthNote,
  rangeConfirmation,
  lengthToEof,
  maxLength,
  sameFileDestinationDefault,
  lengthPrompt,
  rangesOverlap,
} from '../../src/commands/logic/clone-range-input';
import { parseByteInput } from '../../src/host/logic/bytes';
import { errorFacts, inVsCodeWords } from '../../src/host/logic/errors';
import { existingDetail, ExistingAnswers, policyFor, readOnExistingSetting } from '../../src/host/logic/existing-policy';
import { comparisonCopyPath, destinationInFolder, laterTaken, mustRename, samePath } from '../../src/host/logic/destination';
import { checkPunchRange } from '../../src/commands/logic/punch-input';

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
  assert.deepEqual(parseByteInput(' -0 '), { error: '-0 has a minus sign; byte counts and offsets take none (write 0).' });
  assert.deepEqual(parseByteInput('4 KiB'), { value: 4096n });
  assert.deepEqual(parseByteInput('1 MiB'), { value: 1n << 20n });
  assert.match((parseByteInput('4 apples') as { error: string }).error, /is not a byte count/);
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
  // the length box says what sets its limit (a trial read "at most 65,536" without knowing why)
  assert.equal(lengthPrompt(same, 'R'), 'Length in bytes (at most 65,536: within one file the two ranges may not overlap). R');
  assert.equal(lengthPrompt({ ...same, sameFile: false }, 'R'), "Length in bytes (at most 1,048,576: to the source's end). R");
  const partial = { ...same, sameFile: false, sourceSize: 10000n, destinationSize: 1n << 20n, destinationOffset: 0n };
  assert.match(lengthPrompt(partial, 'R'), /at most 8,192: whole blocks to the source's end/);
  assert.equal(lengthPrompt({ ...partial, destinationOffset: 1n << 20n }, 'R'), "Length in bytes (at most 10,000: to the source's end). R");
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

test('clone range past the destination end: the confirmation says how the file grows, exact above 2^53', () => {
  assert.equal(growthNote('d.img', 1000n, 0n, 1000n), undefined, 'within the file: no growth');
  assert.equal(growthNote('d.img', 8192n, 4096n, 8192n), 'd.img grows from 8,192 to 12,288 bytes.');
  assert.equal(
    growthNote('d.img', 4096n, 1n << 60n, 4096n),
    'd.img grows from 4,096 to 1,152,921,504,606,851,072 bytes; bytes 4,096–1,152,921,504,606,846,976, past its old end, become a hole.',
  );
});

test('clone range confirmation: a replacement inside the file, not past its end; copy or clone said', () => {
  const r = { source: '/m/s.img', target: '/m/d.img', sourceOffset: 0n, length: 8192n, destinationSize: 8192n, copy: false };
  assert.deepEqual(rangeConfirmation({ ...r, targetOffset: 0n }), {
    question: 'Replace bytes 0–8,192 of /m/d.img with bytes 0–8,192 of /m/s.img?',
    detail:
      '8,192 bytes (8 KiB). The destination range is overwritten in place by shared (cloned) blocks. Each range runs from its first byte up to, not including, its end.',
  });
  // the source range is a hole (or part of it): the destination's bytes there become holes, said
  assert.equal(
    rangeConfirmation({ ...r, targetOffset: 0n, sourceData: 0n }).detail,
    '8,192 bytes (8 KiB). That range of the source is a hole: the destination range becomes a hole, its data there deallocated. Each range runs from its first byte up to, not including, its end.',
  );
  assert.match(
    rangeConfirmation({ ...r, targetOffset: 0n, sourceData: 4096n }).detail,
    /4,096 bytes \(4 KiB\) of it are holes in the source/,
  );
  assert.equal(
    rangeConfirmation({ ...r, targetOffset: 0n, sourceData: 8192n }).detail,
    rangeConfirmation({ ...r, targetOffset: 0n }).detail,
  );
  // partly past the end: some bytes are replaced, and the file grows
  assert.equal(
    rangeConfirmation({ ...r, targetOffset: 4096n }).question,
    'Replace bytes 4,096–12,288 of /m/d.img with bytes 0–8,192 of /m/s.img? d.img grows from 8,192 to 12,288 bytes.',
  );
  // wholly past the end (at it, or beyond with a hole between): nothing is replaced
  assert.deepEqual(rangeConfirmation({ ...r, targetOffset: 8192n }), {
    question: 'Clone bytes 0–8,192 of /m/s.img to bytes 8,192–16,384 of /m/d.img, past its end? d.img grows from 8,192 to 16,384 bytes.',
    detail:
      '8,192 bytes (8 KiB). Nothing in the destination is overwritten: it gets shared (cloned) blocks past its old end. Each range runs from its first byte up to, not including, its end.',
  });
  assert.deepEqual(rangeConfirmation({ ...r, targetOffset: 1n << 60n, copy: true }), {
    question:
      'Copy bytes 0–8,192 of /m/s.img to bytes 1,152,921,504,606,846,976–1,152,921,504,606,855,168 of /m/d.img, past its end? ' +
      'd.img grows from 8,192 to 1,152,921,504,606,855,168 bytes; bytes 8,192–1,152,921,504,606,846,976, past its old end, become a hole.',
    detail:
      '8,192 bytes (8 KiB). Nothing in the destination is overwritten: it gets a copy (its own blocks, nothing shared) past its old end. Each range runs from its first byte up to, not including, its end.',
  });
});

test('punch hole inputs', () => {
  assert.deepEqual(checkPunchRange('4k', '4k', 16384n), { offset: 4096n, length: 4096n });
  assert.match(checkPunchRange('16k', '1', 16384n).offsetError!, /below that/);
  assert.match(checkPunchRange('8k', '12k', 16384n).lengthError!, /at most 8,192 bytes \(8 KiB\) fit/);
  assert.match(checkPunchRange('0', '0', 16384n).lengthError!, /more than 0/);
});

test('"… All" answers about taken names: Rename All for the rest, Overwrite All only for the names it was asked with', () => {
  const renameAll = new ExistingAnswers(samePath);
  assert.equal(renameAll.given('/d/a.bin'), undefined, 'nothing answered yet: ask');
  assert.equal(renameAll.take('rename-all', '/d/a.bin', ['/d/b.bin']), 'rename');
  assert.equal(renameAll.given('/d/b.bin'), 'rename');
  assert.equal(renameAll.given('/d/late.bin'), 'rename', 'renaming loses nothing: a name taken later is renamed too');
  const overwriteAll = new ExistingAnswers(samePath);
  assert.equal(overwriteAll.take('overwrite-all', '/d/a.bin', ['/d/b.bin', '/d/c.bin']), 'overwrite');
  assert.equal(overwriteAll.given('/d/c.bin'), 'overwrite');
  assert.equal(overwriteAll.given('/d/late.bin'), undefined, 'a name not listed when asked is asked about, never overwritten unasked');
  const single = new ExistingAnswers(samePath);
  assert.equal(single.take('overwrite', '/d/a.bin', ['/d/b.bin']), 'overwrite');
  assert.equal(single.given('/d/b.bin'), undefined, 'Overwrite answers for its own file only');
  assert.equal(single.take(undefined, '/d/b.bin', []), undefined, 'Cancel stops');
  assert.match(existingDetail(['1', '2', '3', '4', '5', '6', '7']), /taken here too: 1, 2, 3, 4, 5 and 2 more\./);
});

test('existingDetail: the renamed name carries the word of what is made (a copy after Copy instead)', () => {
  assert.match(existingDetail([]), /gets a "\(clone\)" name/);
  assert.match(existingDetail([], undefined, 'copy'), /gets a "\(copy\)" name/);
});

test('laterTaken: the later files whose names are taken, not those renamed without asking', async () => {
  const taken = new Set(['/into/b.bin', '/into/c.bin', '/into/d.bin', '/into/a.bin']);
  const exists = async (p: string) => taken.has(p);
  const later = ['/s/b.bin', '/t/b.bin', '/into/d.bin', '/s/a.bin', '/s/free.bin', '/s/c.bin'];
  // /t/b.bin: a second b.bin lands on the clone of the first (renamed); /into/d.bin: cloned into
  // its own folder (renamed); /s/a.bin: the name of the file asked about now (made by this command)
  assert.deepEqual(await laterTaken(later, '/into', ['/into/a.bin'], exists), ['/into/b.bin', '/into/c.bin']);
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

test("the engine's CLI password advice reads as VS Code's own way in the extension (a changed password)", () => {
  const engineSays =
    'smb: the server rejected the user name or password for u@h/s (STATUS_LOGON_FAILURE); check the user in the smb:// URI and the password (EXTENT_LENS_SMB_PASSWORD).';
  const shown = errorFacts({ name: 'FsctlError', code: 'STATUS_LOGON_FAILURE', message: engineSays }).message;
  assert.doesNotMatch(shown, /EXTENT_LENS_SMB_PASSWORD/);
  assert.match(
    shown,
    /\(STATUS_LOGON_FAILURE\); check the user in the smb:\/\/ address; if the password changed, run "Extent Lens: Enter SMB Password\.\.\." from the Command Palette to enter the new one\.$/,
  );
  // the command that asks for the password now (a trial: the hint still named Open SMB Share…)
  assert.doesNotMatch(shown, /Open SMB Share/);
  assert.equal(
    inVsCodeWords(
      'the user name or password is wrong; check EXTENT_LENS_SMB_PASSWORD and the user in the smb:// URI (STATUS_LOGON_FAILURE).',
    ),
    'the user name or password is wrong; check the user in the smb:// address; if the password changed, run "Extent Lens: Enter SMB Password..." from the Command Palette to enter the new one (STATUS_LOGON_FAILURE).',
  );
  // the CLI's "allow a copy" is the offer's button in VS Code (a trial: the two did not match)
  assert.equal(
    inVsCodeWords('ext4 cannot share blocks; use XFS (mkfs.xfs -m reflink=1) or btrfs, or allow a copy (EOPNOTSUPP).'),
    'ext4 cannot share blocks; use XFS (mkfs.xfs -m reflink=1) or btrfs, or copy the data instead (Copy instead) (EOPNOTSUPP).',
  );
});

test('clone range near 2^63: the longest length offered stops at 2^63 − 1 on the destination side, in whole blocks', () => {
  const INT64_MAX = (1n << 63n) - 1n;
  // an 8 EiB sparse image, cloned from 2^60 to 2^60 + 16 KiB of another 8 EiB image
  const c = {
    blockSize: 4096,
    sourceSize: INT64_MAX,
    sourceOffset: 1n << 60n,
    sameFile: false,
    destinationOffset: (1n << 60n) + 16384n,
    destinationSize: INT64_MAX,
  };
  const longest = maxLength(c);
  assert.equal(longest, INT64_MAX + 1n - (1n << 60n) - 16384n - 4096n);
  assert.equal(checkLength(String(longest), c).value, longest, 'the length box default is a valid answer');
  assert.equal(checkLength(String(longest + 4096n), c).error, 'The destination range would end above 2^63 − 1.');
  assert.equal(
    lengthPrompt(c, 'R'),
    'Length in bytes (at most 8,070,450,532,247,908,352: whole blocks up to the largest file end, 2^63 − 1, from the destination offset). R',
  );
  // the last (partial) block to the same place in another file ends exactly at 2^63 − 1: offered whole
  const last = { ...c, sourceOffset: INT64_MAX + 1n - 4096n, destinationOffset: INT64_MAX + 1n - 4096n };
  assert.equal(maxLength(last), 4095n);
  assert.equal(checkLength('4095', last).value, 4095n);
});

test('clone range within one 8 EiB file: the destination offset offered is a valid one, with a valid length', () => {
  const INT64_MAX = (1n << 63n) - 1n;
  // a small file: the first block past its end
  assert.equal(sameFileDestinationDefault(10_000n, 0n, 4096), 12288n);
  for (const [size, srcOff, bs] of [
    [INT64_MAX, 1n << 60n, 4096],
    [INT64_MAX, 0n, 4096],
    [INT64_MAX - 4095n, 1n << 53n, 4096],
    [INT64_MAX, 1n << 60n, 1], // a copy (no block rule): any offset
    [INT64_MAX, 0n, 1],
  ] as const) {
    const dst = sameFileDestinationDefault(size, srcOff, bs);
    const checked = checkOffset(dst.toString(), bs, { what: 'destination', sourceOffset: srcOff });
    assert.equal(checked.error, undefined, `size ${size}, source offset ${srcOff}, block ${bs}: ${dst}`);
    const ctx = { blockSize: bs, sourceSize: size, sourceOffset: srcOff, sameFile: true, destinationOffset: dst, destinationSize: size };
    const longest = maxLength(ctx);
    assert.ok(longest > 0n, `a length fits at ${dst}`);
    assert.equal(checkLength(longest.toString(), ctx).error, undefined);
  }
  assert.equal(sameFileDestinationDefault(INT64_MAX, 1n << 60n, 4096), 0n);
  assert.equal(sameFileDestinationDefault(INT64_MAX, 0n, 4096), 4096n);
});
