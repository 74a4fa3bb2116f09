// withFsFreed measures the file system's free space around a punch or dig-holes. Its first
// measurement opens the file to sync its file system; when that open fails (a file this user
// may not read), the error must be the operation's own, not the measurement's: a trial's
// `dig-holes` on a mode-000 file said "dedupe: open failed …; you need read access to the
// source and write access to the destination and its folder".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ExtendedBackend } from '../../src/engine/backend-ext';
import { FsctlError } from '../../src/engine/errors';
import { BTRFS_REWRITE_REMEDY, withFsFreed } from '../../src/engine/fs-freed';
import type { OperationReport } from '../../src/engine/types';

const measureFails = {
  name: 'linux',
  freeBytesSynced: () => {
    throw new FsctlError({
      operation: 'dedupe',
      code: 'EACCES',
      paths: ['/f'],
      message: 'dedupe: open failed on /f: permission denied (EACCES).',
    });
  },
} as unknown as ExtendedBackend;

test('a failed measurement before the work leaves the operation to name the error', async () => {
  const own = new FsctlError({
    operation: 'dig-holes',
    code: 'EACCES',
    paths: ['/f'],
    message: 'dig-holes: open failed on /f: permission denied; you need write access to the file (EACCES).',
  });
  await assert.rejects(
    withFsFreed(measureFails, '/f', () => Promise.reject(own)),
    (e: FsctlError) => e === own,
  );
});

test('a failed measurement before the work: the work is done, its report has no fsFreed', async () => {
  const rep: OperationReport = { operation: 'punch', method: 'FALLOC_FL_PUNCH_HOLE', bytes: 4096n, calls: 1, durationMs: 0 };
  const got = await withFsFreed(measureFails, '/f', () => Promise.resolve(rep));
  assert.equal(got.fsFreed, undefined);
  assert.equal(got.bytes, 4096n);
});

test('a measurement that fails otherwise (not the user’s access) is not hidden', async () => {
  const broken = {
    name: 'linux',
    freeBytesSynced: () => {
      throw new FsctlError({ operation: 'dedupe', code: 'EIO', paths: ['/f'], message: 'dedupe: syncfs failed on /f (EIO).' });
    },
  } as unknown as ExtendedBackend;
  await assert.rejects(
    withFsFreed(broken, '/f', () => Promise.reject(new Error('not reached'))),
    (e: FsctlError) => e.code === 'EIO',
  );
});

// btrfs frees an extent only whole: holes dug in part of one free nothing until the file is
// rewritten (measured on a loop mount: test/linux/dig-holes-btrfs-remedy.test.ts). The note and
// the report say that remedy where none of the blocks were shared; elsewhere it would not help.
function measuredOn(filesystem: string): ExtendedBackend {
  return {
    name: 'linux',
    freeBytesSynced: () => Promise.resolve(1000000n), // the same before and after: nothing gained
    fsInfo: () => Promise.resolve({ filesystem }),
  } as unknown as ExtendedBackend;
}
const dug = (sharedBytes: bigint): OperationReport => ({
  operation: 'dig-holes',
  method: 'dig-holes',
  bytes: 1048576n,
  calls: 1,
  durationMs: 0,
  sharedBytes,
});

test('btrfs, none shared: the report and its note say that rewriting the file frees the rest', async () => {
  const got = await withFsFreed(measuredOn('btrfs'), '/f', () => Promise.resolve(dug(0n)));
  assert.equal(got.fsFreed, 0n);
  assert.equal(got.fsFreedRemedy, BTRFS_REWRITE_REMEDY);
  assert.match(got.fsFreedRemedy!, /rewrite the file: copy it with blocks of its own \(extent-lens copy --reflink never/);
  assert.match(got.fsFreedRemedy!, /btrfs filesystem defragment is no remedy here/);
  const note = got.notes!.at(-1)!;
  assert.match(note, /^the file system's free space grew by 0 bytes/);
  assert.ok(note.endsWith(`. ${BTRFS_REWRITE_REMEDY}`), note);
});

test('no rewrite advice where it would not free the rest: shared blocks, or not btrfs', async () => {
  const shared = await withFsFreed(measuredOn('btrfs'), '/f', () => Promise.resolve(dug(4096n)));
  assert.equal(shared.fsFreedRemedy, undefined);
  assert.doesNotMatch(shared.notes!.join(' '), /rewrite the file/);
  const xfs = await withFsFreed(measuredOn('xfs'), '/f', () => Promise.resolve(dug(0n)));
  assert.equal(xfs.fsFreedRemedy, undefined);
  assert.doesNotMatch(xfs.notes!.join(' '), /rewrite the file/);
});
