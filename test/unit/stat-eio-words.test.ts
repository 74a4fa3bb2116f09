// punch, zero, dig-holes and set-sparse (clone-range's first stat is the same function) on an XFS shut down (xfs_io -x -c shutdown)
// said "cannot read /mnt/x/a1: stat /mnt/x/a1: EIO.": the raw error, without what happened or what
// to do, where map, copy and the rest said "stat failed on …: an I/O error occurred on the device;
// check the device and its kernel log (EIO)". Their first stat now says it in those words.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runRequest, type Request } from '../../src/engine/operations';
import { SignalContext } from '../../src/engine/context';
import type { ExtendedBackend } from '../../src/engine/backend-ext';
import type { FsctlError } from '../../src/engine/errors';

// the Linux backend's stat fails as io.ts throws it: a Node-style errno error
const shutDown = {
  name: 'stand-in',
  stat: async (p: string) => {
    throw Object.assign(new Error(`stat ${p}: EIO`), { code: 'EIO', errno: -5, syscall: 'stat' });
  },
  rename: async () => undefined,
  remove: async () => undefined,
} as unknown as ExtendedBackend;

const requests: Extract<Request, { op: 'punch' | 'zero' | 'dig-holes' | 'set-sparse' }>[] = [
  { op: 'punch', path: '/mnt/x/a1', range: { offset: 0n, length: 4096n } },
  { op: 'zero', path: '/mnt/x/a1', range: { offset: 0n, length: 4096n } },
  { op: 'dig-holes', path: '/mnt/x/a1' },
  { op: 'set-sparse', path: '/mnt/x/a1', sparse: true },
];

for (const r of requests)
  test(`${r.op}: an EIO from the first stat says what happened and what to do`, async () => {
    await assert.rejects(
      runRequest(async () => shutDown, r, new SignalContext(r.op, [])),
      (e: FsctlError) => {
        assert.equal(e.code, 'EIO');
        assert.equal(
          e.message,
          `${r.op}: stat failed on /mnt/x/a1: an I/O error occurred on the device; check the device and its kernel log (EIO).`,
        );
        return true;
      },
    );
  });
