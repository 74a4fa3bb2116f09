// carryXattrs (src/engine/backends/linux/replaced-file.ts), what an overwrite gives the new file of the
// replaced one's extended attributes, over a stand-in libc: user.* and the ACL must come along
// (else the overwrite is refused), while security.* and trusted.* that the kernel will not let
// this user read or write are named, not fatal. The real thing on XFS and ext4:
// test/linux/overwrite-attributes.test.ts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { carryXattrs } from '../../src/engine/backends/linux/replaced-file';
import type { Libc } from '../../src/engine/backends/linux/libc';
import { FsctlError } from '../../src/engine/errors';

const EACCES = 13;
const EPERM = 1;
const ENODATA = 61;

function standIn(values: Record<string, string | number>, setRefused: Record<string, number> = {}) {
  let errno = 0;
  const set: string[] = [];
  const name = (b: Uint8Array) => Buffer.from(b).toString('latin1').replace(/\0$/, '');
  const copyOut = (text: Buffer, buf: Uint8Array, size: number): number => {
    if (size === 0) return text.length;
    buf.set(text.subarray(0, size));
    return text.length;
  };
  const libc = {
    errno: () => errno,
    listxattr: (_p: string, buf: Uint8Array, size: number) =>
      copyOut(
        Buffer.from(
          Object.keys(values)
            .map((k) => `${k}\0`)
            .join(''),
          'latin1',
        ),
        buf,
        size,
      ),
    getxattr: (_p: string, n: Uint8Array, buf: Uint8Array, size: number) => {
      const v = values[name(n)];
      if (typeof v === 'number') return ((errno = v), -1);
      return copyOut(Buffer.from(v), buf, size);
    },
    fsetxattr: (_fd: number, n: Uint8Array) => {
      const refused = setRefused[name(n)];
      if (refused) return ((errno = refused), -1);
      set.push(name(n));
      return 0;
    },
    fremovexattr: () => ((errno = ENODATA), -1),
  } as unknown as Libc;
  return { libc, set };
}

test('user.* and the ACL come along; security.* and trusted.* the kernel refuses (to read or to write) are named', () => {
  const { libc, set } = standIn(
    { 'user.a': 'x', 'system.posix_acl_access': 'acl', 'security.unreadable': EACCES, 'trusted.t': 'v' },
    { 'trusted.t': EPERM },
  );
  assert.deepEqual(carryXattrs(libc, 'copy', '/d/old', 3, '/d/old'), {
    refused: ['security.unreadable', 'trusted.t'],
    capabilities: false,
  });
  assert.deepEqual(set, ['user.a', 'system.posix_acl_access']);
});

test('file capabilities never come along: new data must not run with the old file’s privileges (the kernel drops them on a write)', () => {
  const { libc, set } = standIn({ 'security.capability': 'cap_net_admin', 'user.a': 'x' });
  assert.deepEqual(carryXattrs(libc, 'copy', '/d/old', 3, '/d/old'), { refused: [], capabilities: true });
  assert.deepEqual(set, ['user.a']);
});

test('a user.* attribute that cannot be read or set refuses the overwrite, naming the call and the OS error', () => {
  assert.throws(
    () => carryXattrs(standIn({ 'user.a': EACCES }).libc, 'copy', '/d/old', 3, '/d/old'),
    (e: FsctlError) => e.code === 'EACCES' && /getxattr\(user\.a\) failed on \/d\/old/.test(e.message),
  );
  assert.throws(
    () => carryXattrs(standIn({ 'user.big': 'v' }, { 'user.big': 28 /* ENOSPC */ }).libc, 'clone', '/d/old', 3, '/d/old'),
    (e: FsctlError) => e.code === 'ENOSPC' && /fsetxattr\(user\.big\)/.test(e.message),
  );
});
