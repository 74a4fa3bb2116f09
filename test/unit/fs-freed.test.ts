// withFsFreed measures the file system's free space around a punch or dig-holes. Its first
// measurement opens the file to sync its file system; when that open fails (a file this user
// may not read), the error must be the operation's own, not the measurement's: a trial's
// `dig-holes` on a mode-000 file said "dedupe: open failed …; you need read access to the
// source and write access to the destination and its folder".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ExtendedBackend } from '../../src/engine/backend-ext';
import { FsctlError } from '../../src/engine/errors';
import { withFsFreed } from '../../src/engine/fs-freed';
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
