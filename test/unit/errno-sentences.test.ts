// The sentence each OS error gets (src/engine/errno.ts): it says what happened and what the
// person can do, for the errors a new-user trial met without advice (a name too long, a link
// loop, a file where a folder is needed, a file too large for ext4, a path removed mid-scan).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { errnoError, errnoSentence, nodeFsError } from '../../src/engine/errno';
import { pathError } from '../../src/engine/walk';
import { cancelledError, FsctlError } from '../../src/engine/errors';

test('every common OS error says what to do after what happened', () => {
  const advice: [code: string, what: RegExp, todo: RegExp][] = [
    ['ENAMETOOLONG', /name is too long \(at most 255 bytes per name/, /choose a shorter name$/],
    ['ELOOP', /too many symbolic links/, /check the links on it with readlink -f$/],
    ['ENOTDIR', /not a directory/, /check each folder on the path$/],
    ['EDQUOT', /quota is exhausted/, /ask for a larger one$/],
    ['EBUSY', /busy/, /try again when nothing else is using it$/],
    ['EFBIG', /larger than the file system allows/, /choose another destination$/],
    ['ENOSPC', /no space left/, /choose another destination$/],
    ['EROFS', /read-only/, /choose a destination on a writable file system, or remount it read-write if it is meant to be$/],
  ];
  for (const [code, what, todo] of advice) {
    const s = errnoSentence(code, 'copy');
    assert.match(s, what, code);
    assert.match(s, todo, code);
  }
  assert.equal(
    errnoSentence('EFBIG', 'copy', { filesystem: 'ext4' }),
    'the result would be larger than ext4 allows (at most (2^32 - 1) blocks per file: 16 TiB - 4 KiB with 4 KiB blocks); choose a destination on XFS or btrfs',
  );
});

test("EFBIG on ext4 names ext4's largest file for its block size; ext2 and ext3 get no ext4 figure", () => {
  // A trial: copying a 2^63 - 1 byte sparse file to an ext4 of 1 KiB blocks said "16 TiB per file
  // with 4 KiB blocks"; that ext4 holds 4398046510080 bytes per file ((2^32 - 1) x 1024, truncate -s agrees).
  assert.equal(
    errnoSentence('EFBIG', 'copy', { filesystem: 'ext4', blockSize: 1024 }),
    'the result would be larger than ext4 allows (at most (2^32 - 1) blocks per file: 4398046510080 bytes with its 1024-byte blocks); choose a destination on XFS or btrfs',
  );
  assert.equal(
    errnoSentence('EFBIG', 'punch', { filesystem: 'ext4', blockSize: 4096 }),
    'the offset lies beyond the largest file ext4 allows (at most (2^32 - 1) blocks per file: 17592186040320 bytes with its 4096-byte blocks), so nothing there can be changed; choose a range inside it',
  );
  // ext2 and ext3 map blocks indirectly: their limit is lower, and not ext4's
  for (const fs of ['ext2', 'ext3'])
    assert.equal(
      errnoSentence('EFBIG', 'copy', { filesystem: fs, blockSize: 4096 }),
      `the result would be larger than ${fs} allows for one file; choose a destination on XFS or btrfs`,
    );
});

test('in-place operations are not told to choose a destination, nor to make a read-only snapshot writable (send/receive relies on it)', () => {
  // (a trial: punch at 100 TiB on ext4 was told to "choose another destination", EFBIG; so was ENOSPC of zero)
  for (const op of ['punch', 'zero', 'dig-holes'] as const) {
    assert.doesNotMatch(errnoSentence('EFBIG', op, { filesystem: 'ext4' }), /destination/, op);
    assert.doesNotMatch(errnoSentence('ENOSPC', op), /destination/, op);
  }
  assert.equal(
    errnoSentence('EFBIG', 'punch', { filesystem: 'ext4' }),
    'the offset lies beyond the largest file ext4 allows (at most (2^32 - 1) blocks per file: 16 TiB - 4 KiB with 4 KiB blocks), so nothing there can be changed; choose a range inside it',
  );
  for (const op of ['punch', 'zero', 'dig-holes', 'clone-range'] as const) {
    const s = errnoSentence('EROFS', op);
    assert.match(s, /work on a copy on a writable file system, or remount it read-write if it is meant to be$/, op);
    assert.doesNotMatch(s, /destination|btrfs property/, op);
  }
  // dedupe changes files in place too, and has no destination to choose (a trial: "choose a destination on a writable file system")
  const dedupe = errnoSentence('EROFS', 'dedupe');
  assert.match(dedupe, /this file was left as it is; if it became read-only after the search, search again/);
  assert.doesNotMatch(dedupe, /destination|btrfs property/);
  assert.equal(
    errnoSentence('EACCES', 'clone-range'),
    'permission denied; you need read access to the source and write access to the destination',
    'it writes into the destination: its folder does not matter',
  );
});

test('EPERM gives the advice of the OS it happened on (Windows has no chattr)', () => {
  assert.match(
    errnoSentence('EPERM', 'punch', { platform: 'linux' }),
    /the file may be immutable or append-only \(see lsattr, chattr -i\)/,
  );
  // a whole-file clone or copy makes a new name: an immutable folder refuses that, and no file of that name may exist yet
  for (const op of ['clone', 'copy'] as const)
    assert.match(
      errnoSentence('EPERM', op, { platform: 'linux' }),
      /the destination folder, or a file of that name, may be immutable or append-only \(see lsattr -d FOLDER, chattr -i\)/,
      op,
    );
  const win = errnoSentence('EPERM', 'copy', { platform: 'win32' });
  assert.match(win, /read-only \(clear it with attrib -r\) or open in another program/);
  assert.doesNotMatch(win, /chattr|lsattr/);
});

test('a path the walk listed and then did not find was removed during the scan; a path named by the person does not exist', () => {
  const gone = Object.assign(new Error('ENOENT'), { code: 'ENOENT', errno: -2, syscall: 'lstat' });
  assert.deepEqual(pathError('space', '/d/x', gone, true), {
    path: '/d/x',
    code: 'ENOENT',
    message: 'space: /d/x was removed during the scan; it was skipped (ENOENT).',
  });
  assert.match(pathError('dedupe', '/d/x', gone).message, /no such file or directory; check the path \(ENOENT\)/);
});

test('a cancel says nothing was changed where the operation only reads, nothing was left behind where it makes files', () => {
  assert.equal(cancelledError('space', []).message, 'space was cancelled (E_CANCELLED); nothing was changed.');
  assert.equal(cancelledError('dedupe', []).message, 'dedupe was cancelled (E_CANCELLED); nothing was changed.');
  assert.equal(cancelledError('copy', []).message, 'copy was cancelled (E_CANCELLED); nothing was left behind.');
  // in place, cancelled before any change: the file is as it was (there was nothing to leave behind)
  assert.equal(cancelledError('clone-range', []).message, 'clone-range was cancelled (E_CANCELLED); nothing was changed.');
  assert.equal(cancelledError('punch', []).message, 'punch was cancelled (E_CANCELLED); nothing was changed.');
});

test('an exception that is no OS error is our fault (E_INTERNAL), never "an I/O error occurred on the device" (EIO)', () => {
  // a trial: a RangeError in a dedupe hashing thread was said as EIO, "check the device and its kernel log"
  const e = nodeFsError('dedupe', new RangeError('Invalid atomic access index'), ['/mnt/a/g1.bin']);
  assert.equal(e.code, 'E_INTERNAL');
  assert.equal(
    e.message,
    'dedupe: Invalid atomic access index, on /mnt/a/g1.bin (E_INTERNAL); this is a fault in Extent Lens, not in the file or the device: try again, and report it (Output › Extent Lens has the details) if it repeats.',
  );
  assert.doesNotMatch(e.message, /device and its kernel log|EIO/);
  // an OS error keeps its code and advice
  const io = nodeFsError('dedupe', Object.assign(new Error('EIO: i/o error, read'), { code: 'EIO', errno: -5, syscall: 'read' }), [
    '/mnt/a/g1.bin',
  ]);
  assert.equal(io.code, 'EIO');
  assert.match(io.message, /an I\/O error occurred on the device/);
});

test('an error names each path once: a clone within one file gave ["a.bin", "a.bin"]', () => {
  const e = new FsctlError({ operation: 'clone-range', code: 'EINVAL', paths: ['a.bin', 'a.bin'], message: 'x (EINVAL).' });
  assert.deepEqual(e.paths, ['a.bin']);
  assert.deepEqual(new FsctlError({ operation: 'clone', code: 'EXDEV', paths: ['a', 'b'], message: 'x (EXDEV).' }).paths, ['a', 'b']);
});

// A trial: map, space, dedupe, copy and clone of a file whose XFS extent btree block was damaged
// said "ioctl(FS_IOC_FIEMAP) failed on frag.bin: the operation failed with E117 (E117)".
test('damaged file system records (EUCLEAN, EBADMSG) are named and say to repair the file system', () => {
  for (const [errno, name, what] of [
    [117, 'EUCLEAN', /structure needs cleaning/],
    [74, 'EBADMSG', /checksum mismatch/],
  ] as const) {
    const f = errnoError('map', errno, 'ioctl(FS_IOC_FIEMAP)', ['frag.bin']);
    assert.equal(f.code, name);
    assert.match(f.message, what);
    assert.match(f.message, /unmount it and repair it \(xfs_repair, e2fsck, btrfs check\) \((EUCLEAN|EBADMSG)\)\.$/);
  }
});

test("dedupe's EPERM on overlayfs says why overlayfs refuses, not a permission", () => {
  const e = errnoError('dedupe', 1, 'ioctl(FIDEDUPERANGE)', ['/m/a', '/m/b'], { filesystem: 'overlayfs' });
  assert.match(e.message, /overlayfs refuses it if either file is only in a lower layer/);
  assert.doesNotMatch(e.message, /owner/);
});

// A trial under Wine: copy into a folder whose path is longer than 260 characters said
// "realpath failed on …: the operation failed with UNKNOWN (UNKNOWN)." — no cause, nothing to do.
test("libuv's UNKNOWN says the code was lost and what to check, not 'the operation failed with UNKNOWN'", () => {
  const e = nodeFsError(
    'copy',
    Object.assign(new Error('UNKNOWN: unknown error, realpath'), { code: 'UNKNOWN', errno: -4094, syscall: 'realpath' }),
    ['C:\\x'],
  );
  assert.equal(e.code, 'UNKNOWN');
  assert.doesNotMatch(e.message, /the operation failed with UNKNOWN/);
  const win = errnoSentence('UNKNOWN', 'copy', { platform: 'win32' });
  assert.match(
    win,
    /^an error Node\.js could not name \(libuv's UNKNOWN: the Windows error code is not passed on\); check that the path opens in Explorer or with dir, and try a shorter one if it is longer than 260 characters/,
  );
  assert.match(
    errnoSentence('UNKNOWN', 'map', { platform: 'linux' }),
    /the OS error code is not passed on\); check that the path opens \(ls -ld\) and try again$/,
  );
});
