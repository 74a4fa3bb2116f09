// The CLI's own words for every mistake (issue 12, "CLI"): usage errors never show Node's
// parseArgs text, point at the subcommand's --help, and refusals name the flag that gets past
// them (--on-existing, --fallback copy). Runs the built dist/cli.js on files in a temporary
// folder of the local file system (ext4 or tmpfs here: block cloning is refused, as wanted).

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { cli, ensureBuilt } from './run-cli';
import { tempDir } from './temp-dir';
import { hintFor } from '../../src/cli/errors';

let dir: string;
let file: string;

before(() => {
  ensureBuilt();
  dir = tempDir();
  file = path.join(dir, 'f.bin');
  fs.writeFileSync(file, Buffer.alloc(64 * 1024, 1));
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

/** stderr of a usage error (exit 2, nothing on stdout), with Node's parseArgs wording ruled out. */
function usageError(args: string[]): string {
  const r = cli(args);
  assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
  assert.equal(r.stdout, '');
  assert.doesNotMatch(r.stderr, /ambiguous|To specify|argument missing|does not take an argument|Unknown option/, r.stderr);
  const quotes = (r.stderr.match(/"/g) ?? []).length;
  assert.equal(quotes % 2, 0, `balanced quotes: ${r.stderr}`);
  return r.stderr;
}

describe("usage errors in the tool's own words", () => {
  test('a negative offset is "negative", however it is written', () => {
    for (const args of [
      ['map', file, '--offset', '-1'],
      ['map', file, '--offset=-1'],
      ['ranges', file, '--length', '-4k'],
    ]) {
      const err = usageError(args);
      assert.match(err, /^extent-lens (map|ranges): --(offset|length): -(1|4k) is negative; offsets and sizes start at 0\.$/m, err);
    }
    const pos = usageError(['clone-range', file, '0', file, '-4k', '4k']);
    assert.match(pos, /DEST_OFFSET: -4k is negative/);
    // "-0" is zero with a minus sign: not "negative", and still no offset a person means
    assert.match(usageError(['map', file, '--offset', '-0']), /--offset: -0 has a minus sign; offsets and sizes take none \(write 0\)\./);
    assert.match(
      usageError(['clone-range', file, '0', file, '-0x0', '4k']),
      /DEST_OFFSET: -0x0 has a minus sign; offsets and lengths take none \(write 0\)\./,
    );
  });

  test('unknown options, missing and unwanted values', () => {
    const bogus = usageError(['map', file, '--bogus']);
    assert.match(bogus, /^extent-lens map: unknown option --bogus; map takes --offset N, --length N, --json, -h\/--help/m);
    assert.match(usageError(['map', '-x', file]), /unknown option -x;/);
    assert.match(usageError(['map', file, '--offset']), /^extent-lens map: --offset needs a value \(N\)$/m);
    assert.match(usageError(['map', file, '--offset', '--length', '4k']), /--offset needs a value \(N\), but got the option --length/);
    assert.match(usageError(['map', file, '--json=yes']), /--json takes no value \(got "yes"\)/);
  });

  test("every usage error ends with the usage line and the subcommand's --help", () => {
    for (const [cmd, args] of [
      ['map', ['map', file, '--bogus']],
      ['clone', ['clone', 'a']],
      ['clone-range', ['clone-range', file, '0', file, '-4k', '4k']],
      ['punch', ['punch', file, '0', '99999999999999999999999']],
    ] as const) {
      const err = usageError([...args]);
      assert.match(err, new RegExp(`\\nusage: extent-lens ${cmd} .*\\nRun 'extent-lens ${cmd} --help' for its options\\.\\n$`), err);
    }
  });

  test('a wrong option value is a usage error (exit 2) before any work, or once the file system says so', () => {
    for (const [v, why] of [
      ['1000', '1000 bytes, less than 4K'],
      ['0', '0 bytes, less than 4K'],
      ['2G', '2147483648 bytes, more than 1 GiB'],
      ['2K', '2048 bytes, less than 4K'],
      ['1MB', '1000000 bytes, not a multiple of 512, the smallest block'],
    ])
      assert.match(
        usageError(['dedupe', dir, '--chunk', v]),
        new RegExp(`^extent-lens dedupe: --chunk: ${v} is ${why}; .*1MB in 1000s\\)\\.$`, 'm'),
      );
    // past 2^63 - 1: a chunk's limit, not the largest file offset
    assert.match(
      usageError(['dedupe', dir, '--chunk', '9999999999999999999999']),
      /^extent-lens dedupe: --chunk: 9999999999999999999999 is more than 1 GiB; /m,
    );
    // the block size of the file system under dir (4096 on ext4 and tmpfs) is known only once it is open
    assert.match(
      usageError(['dedupe', dir, '--chunk', '4608']),
      /^extent-lens dedupe: --chunk: the chunk size 4608 is not a multiple of the block size/m,
    );
    assert.match(
      usageError(['dig-holes', file, '--block-size', '1k']),
      /^extent-lens dig-holes: --block-size: block size 1024 is smaller than the file system's block size/m,
    );
    assert.equal(fs.statSync(file).blocks * 512, 64 * 1024, 'nothing punched');
    // cp's --reflink=always: the word is refused, with the subcommand that does it
    assert.match(
      usageError(['copy', file, path.join(dir, 'never-made.bin'), '--reflink', 'always']),
      /^extent-lens copy: --reflink must be one of auto, never \(got "always"\); for a copy that must share blocks, as cp --reflink=always, run extent-lens clone SRC DEST$/m,
    );
    assert.equal(fs.existsSync(path.join(dir, 'never-made.bin')), false);
  });

  test('sizes: "4 KiB" with a space is accepted; 2^63 and beyond is "larger than the largest file offset"', () => {
    const r = cli(['map', file, '--offset', '4 KiB', '--length', '4 KiB', '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).window.offset, '4096');
    assert.match(
      usageError(['punch', file, '0', '99999999999999999999999']),
      /LENGTH: 99999999999999999999999 is larger than the largest file offset, 2\^63 - 1/,
    );
  });
});

describe('a folder given to map or ranges', () => {
  test('is refused with EISDIR and pointed at space, which reads folders', () => {
    for (const command of ['map', 'ranges']) {
      const r = cli([command, dir]);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /is a directory, not a regular file \(EISDIR\)/, command);
      assert.match(
        r.stderr,
        /^extent-lens \S+: hint: for a folder, extent-lens space FOLDER accounts its files' allocated, shared and exclusive bytes\.$/m,
        command,
      );
    }
  });
});

describe('the top-level help', () => {
  test('names --version and -V, which print the version (as docs/CLI.md says)', () => {
    const help = cli(['--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /--version\b/);
    assert.match(help.stdout, /(^|[\s(])-V\b/m);
    const { version } = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string };
    for (const flag of ['--version', '-V']) {
      const r = cli([flag]);
      assert.equal(r.code, 0, flag);
      assert.equal(r.stdout, `${version}\n`, flag);
      assert.equal(r.stderr, '', flag);
    }
  });
});

describe('refusals name the flag that gets past them', () => {
  test('an existing destination: --on-existing rename|overwrite', () => {
    const a = path.join(dir, 'a.bin');
    const b = path.join(dir, 'b.bin');
    fs.writeFileSync(a, 'a');
    fs.writeFileSync(b, 'b');
    for (const cmd of ['clone', 'copy']) {
      const r = cli([cmd, a, b]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /already exists \(E_EXISTS\)/);
      assert.match(
        r.stderr,
        new RegExp(`^extent-lens ${cmd}: hint: add --on-existing rename .*, or --on-existing overwrite to replace it\\.$`, 'm'),
      );
      assert.equal(fs.readFileSync(b, 'utf8'), 'b', 'nothing overwritten');
    }
    // the source itself, or a folder of that name: overwrite cannot help, so only rename is offered
    const folder = path.join(dir, 'into');
    fs.mkdirSync(path.join(folder, 'a.bin'), { recursive: true });
    for (const [dest, said] of [
      [a, /a\.bin is the source itself \(E_EXISTS\)/],
      [folder, /a\.bin is an existing folder \(E_EXISTS\)/],
    ] as const) {
      const r = cli(['clone', a, dest]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, said);
      assert.match(
        r.stderr,
        /^extent-lens clone: hint: add --on-existing rename to keep both \(the new file gets "name \(clone\)\.ext"\)\.$/m,
      );
    }
  });

  test('cloning impossible here (EOPNOTSUPP on ext4/tmpfs, no reflink): --fallback copy', (t) => {
    const a = path.join(dir, 'src.bin');
    fs.writeFileSync(a, Buffer.alloc(8192, 2));
    const r = cli(['clone', a, path.join(dir, 'new.bin')]);
    if (r.code === 0) return t.skip('this file system clones (reflink): no refusal to word');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /\((EOPNOTSUPP|EXDEV|ENOTTY|E_UNSUPPORTED)\)/);
    assert.match(r.stderr, /^extent-lens clone: hint: add --fallback copy to copy the data instead/m);
    // and --json keeps stdout a single error object (the hint is for people, on stderr)
    const j = cli(['clone', a, path.join(dir, 'new2.bin'), '--json']);
    assert.match(JSON.parse(j.stdout).error.code, /^(EOPNOTSUPP|EXDEV|ENOTTY|E_UNSUPPORTED)$/);
    assert.match(j.stderr, /hint: add --fallback copy/);
  });

  test('between an SMB share and a local path: no clone, no hint to add --fallback copy, which is refused as such', () => {
    // Refused before any connection: no server needed.
    const share = 'smb://someone@127.0.0.1:1/share/a.bin';
    const plain = cli(['clone', share, path.join(dir, 'x.bin')]);
    assert.equal(plain.code, 1);
    assert.match(
      plain.stderr,
      /^extent-lens clone: source and destination are on different machines or volumes \(E_CROSS_VOLUME\); block cloning needs one volume: clone within the share, or bring the data across with smbclient's get or put \(or a mount of the share\)\.$/m,
    );
    // no hint to add --fallback copy: the engine refuses that copy too (below)
    assert.doesNotMatch(plain.stderr, /hint/);
    for (const args of [
      ['clone', share, path.join(dir, 'x.bin'), '--fallback', 'copy'],
      ['clone-range', file, '0', share, '0', '4096', '--fallback', 'copy'],
    ]) {
      const r = cli(args);
      assert.equal(r.code, 1, r.stderr);
      assert.match(
        r.stderr,
        new RegExp(
          `^extent-lens ${args[0]}: nothing can be cloned between an SMB share and a local path, and copying between them is not supported either \\(E_UNSUPPORTED\\); to bring the data across, use smbclient's get or put \\(or a mount of the share\\)\\.$`,
          'm',
        ),
      );
      assert.doesNotMatch(r.stderr, /hint/, 'the flag given is not suggested again');
    }
    assert.equal(fs.existsSync(path.join(dir, 'x.bin')), false);
  });
});

test('hints: the same flag whoever refused the name or the clone (engine check, OS, Windows, SMB)', () => {
  for (const code of ['E_EXISTS', 'EEXIST', 'ERROR_FILE_EXISTS', 'STATUS_OBJECT_NAME_COLLISION']) {
    assert.match(hintFor('clone', { code, message: 'x already exists' })!, /--on-existing rename .* --on-existing overwrite/, code);
  }
  assert.doesNotMatch(hintFor('clone', { code: 'E_EXISTS', message: 'taken by a dangling symbolic link' })!, /overwrite/);
  for (const code of ['EOPNOTSUPP', 'EXDEV', 'ERROR_NOT_SUPPORTED', 'STATUS_NOT_SUPPORTED']) {
    assert.match(hintFor('clone-range', { code, message: 'm' })!, /--fallback copy/, code);
  }
  assert.equal(hintFor('clone', { code: 'EOPNOTSUPP', message: 'm' }, { fallback: 'copy' }), undefined, 'not when given');
  // misaligned: the copy takes the range as it is (not over SMB, where no range copy runs)
  assert.match(hintFor('clone-range', { code: 'E_MISALIGNED', message: 'm', paths: ['/a', '/b'] })!, /--fallback copy to copy the range/);
  assert.equal(hintFor('clone-range', { code: 'E_MISALIGNED', message: 'm', paths: ['smb://u@h/s/a', 'smb://u@h/s/b'] }), undefined);
  assert.equal(hintFor('clone-range', { code: 'E_MISALIGNED', message: 'm' }, { fallback: 'copy' }), undefined);
  // not when the file could not even be opened: the copy would open it the same way
  assert.equal(hintFor('clone-range', { code: 'ETXTBSY', message: 'open failed on b', syscall: 'open' }), undefined);
  assert.match(hintFor('clone', { code: 'ETXTBSY', message: 'm', syscall: 'ioctl(FICLONE)' })!, /--fallback copy/, 'a swap file as SRC');
  // not where the engine would refuse the copy too: a range on a share, a share and a local path
  const share = 'smb://u@h/s/a.bin';
  assert.match(hintFor('clone', { code: 'STATUS_NOT_SUPPORTED', message: 'm', paths: [share, 'smb://u@h/s/b.bin'] })!, /--fallback copy/);
  assert.equal(hintFor('clone-range', { code: 'STATUS_NOT_SUPPORTED', message: 'm', paths: [share, share] }), undefined);
  assert.equal(hintFor('clone', { code: 'E_CROSS_VOLUME', message: 'm', paths: [share, '/tmp/b.bin'] }), undefined);
  assert.equal(hintFor('clone-range', { code: 'E_CROSS_VOLUME', message: 'm', paths: ['/tmp/a', share] }), undefined);
  assert.equal(hintFor('copy', { code: 'EOPNOTSUPP', message: 'm' }), undefined, 'copy has no --fallback');
  assert.equal(hintFor('punch', { code: 'E_EXISTS', message: 'm' }), undefined);
});
