// What an overwrite gives the new file it puts in the place of the old one (clone.ts place()).
// cp writes into the old file, so the old file's owner, permission bits and extended attributes
// stay; the new file takes them on before it is named. Above all the POSIX ACL
// (system.posix_acl_access): without it the new file had the old mode, whose group bits are the
// ACL's mask, so a group the ACL denied could read and write it. A user.* or ACL attribute that
// cannot be set refuses the overwrite (the old file stays); security.* and trusted.* are tried
// and, where the kernel refuses them to this user, named in the report, as a file cp makes gets
// its label from the policy. File capabilities (security.capability) are not carried: the
// kernel removes them whenever a file's data is written, so new data never runs with the old
// file's privileges (cp's write loses them too). Inode flags (chattr) that a file with data may
// take are carried (+S, +d, +A, +c, +m); +C (btrfs nodatacow) only an empty file takes, so it is
// named in the report when it is lost.

import * as fs from 'node:fs';
import type { Operation } from '../../types';
import { osPath } from '../../os-path';
import { errnoError } from '../../errno';
import { FS_IOC_GETFLAGS, FS_IOC_SETFLAGS, FS_NOCOW_FL, O_CLOEXEC, type Libc } from './libc';

const ACL_ACCESS = Buffer.from('system.posix_acl_access\0', 'latin1');
const CAPABILITY = 'security.capability';
const ENODATA = 61;
const ERANGE = 34;
const EOPNOTSUPP = 95;

/** A NUL-terminated list from a size query and a read, grown while it grows (ERANGE); undefined where nothing. */
function sized(read: (buf: Uint8Array, size: number) => number, libc: Libc, fail: (e: number) => never): Uint8Array | undefined {
  for (let attempt = 0; ; attempt++) {
    const n = read(new Uint8Array(0), 0);
    if (n < 0) {
      const e = libc.errno();
      if (e === ENODATA || e === EOPNOTSUPP) return undefined;
      fail(e);
    }
    const buf = new Uint8Array(n);
    const got = n === 0 ? 0 : read(buf, n);
    if (got >= 0) return buf.subarray(0, got);
    const e = libc.errno();
    if (e === ENODATA) return undefined;
    if (e !== ERANGE || attempt > 4) fail(e);
  }
}

/**
 * Give the descriptor `fd` the extended attributes of the file at `from` (which it replaces, named
 * `to` in errors). Returns the security.* and trusted.* names the kernel refused (said in the
 * report), and whether `from` had file capabilities, which are never carried.
 */
export function carryXattrs(
  libc: Libc,
  operation: Operation,
  from: string,
  fd: number,
  to: string,
): { refused: string[]; capabilities: boolean } {
  const refused: string[] = [];
  let capabilities = false;
  if (!libc.listxattr || !libc.getxattr || !libc.fsetxattr || !libc.fremovexattr) return { refused, capabilities };
  const fail = (e: number, syscall: string): never => {
    throw errnoError(operation, e, syscall, [to], {});
  };
  const list = sized(
    (b, n) => libc.listxattr!(from, b, n),
    libc,
    (e) => fail(e, 'listxattr'),
  );
  const names: Buffer[] = [];
  for (let i = 0; list && i < list.length;) {
    const end = list.indexOf(0, i);
    if (end < 0) break;
    if (end > i) names.push(Buffer.from(list.subarray(i, end + 1)));
    i = end + 1;
  }
  // A folder's default ACL gave the new file an access ACL the old one did not have.
  if (!names.some((n) => n.equals(ACL_ACCESS)) && libc.fremovexattr(fd, ACL_ACCESS) !== 0) {
    const e = libc.errno();
    if (e !== ENODATA && e !== EOPNOTSUPP) fail(e, 'fremovexattr(system.posix_acl_access)');
  }
  for (const name of names) {
    const label = name.toString('latin1', 0, name.length - 1);
    if (label === CAPABILITY) {
      capabilities = true;
      continue;
    }
    // the kernel's policy decides these, for reading as for writing: refused, said, not fatal
    const policy = label.startsWith('security.') || label.startsWith('trusted.');
    let value: Uint8Array | undefined;
    try {
      value = sized(
        (b, n) => libc.getxattr!(from, name, b, n),
        libc,
        (e) => fail(e, `getxattr(${label})`),
      );
    } catch (e) {
      if (!policy) throw e;
      refused.push(label);
      continue;
    }
    if (value === undefined) continue; // removed meanwhile
    if (libc.fsetxattr(fd, name, value, value.length, 0) === 0) continue;
    const e = libc.errno();
    if (policy) refused.push(label);
    else fail(e, `fsetxattr(${label})`);
  }
  return { refused, capabilities };
}

/** chattr letters of the inode flags an overwrite carries (linux/fs.h FS_*_FL), and +C's. */
const CARRIED_FLAGS: Array<[number, string]> = [
  [0x8, 'S'], // FS_SYNC_FL
  [0x40, 'd'], // FS_NODUMP_FL
  [0x80, 'A'], // FS_NOATIME_FL
  [0x4, 'c'], // FS_COMPR_FL
  [0x400, 'm'], // FS_NOCOMP_FL
  [FS_NOCOW_FL, 'C'],
];

/**
 * Give `fd` the inode flags of the file at `from` that cp's write into it would have kept; returns
 * the letters it could not take (+C on a file with data; a flag this file system refuses).
 */
function carryFlags(libc: Libc, from: string, fd: number): string[] {
  const { O_RDONLY, O_NONBLOCK, O_NOFOLLOW } = fs.constants;
  const buf = new Uint8Array(8);
  const view = new DataView(buf.buffer);
  const get = (f: number): number | undefined => (libc.ioctlPtr(f, FS_IOC_GETFLAGS, buf) === 0 ? view.getUint32(0, true) : undefined);
  const set = (f: number, flags: number): boolean => {
    view.setUint32(0, flags, true);
    return libc.ioctlPtr(f, FS_IOC_SETFLAGS, buf) === 0;
  };
  const old = libc.open(from, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC, 0);
  if (old < 0) return [];
  let had: number | undefined;
  try {
    had = get(old);
  } finally {
    libc.close(old);
  }
  const want = CARRIED_FLAGS.filter(([bit]) => ((had ?? 0) & bit) !== 0);
  const now = get(fd);
  if (want.length === 0 || now === undefined) return want.map(([, letter]) => letter);
  // one at a time: a file system that refuses one (XFS has no +C or +c) still takes the rest
  for (const [bit] of want) if ((now & bit) === 0) set(fd, (get(fd) ?? now) | bit);
  const after = get(fd) ?? now;
  return want.filter(([bit]) => (after & bit) === 0).map(([, letter]) => letter);
}

const S_ISUID = 0o4000;
const S_ISGID = 0o2000;
const S_IXGRP = 0o010;

/** The replaced file's group, where this user may give it (a member of it); else the new file keeps its own. */
function carryGroup(fd: number, gid: number): void {
  try {
    fs.fchownSync(fd, -1, gid);
  } catch {
    // EPERM: not a member of that group; the report names the owner the new file has
  }
}

/** The bits of `mode` a write by someone without CAP_FSETID leaves (the kernel's setattr_should_drop_suidgid). */
function modeAfterOthersWrite(mode: number, sameGroup: boolean): number {
  let kept = mode & 0o7777 & ~S_ISUID;
  if ((mode & S_IXGRP) !== 0 || !sameGroup) kept &= ~S_ISGID;
  return kept;
}

/**
 * An overwrite puts the new file (`fd`) in the place of the file named `to`. cp writes into the
 * existing file, which keeps its owner, group and permission bits: the new file takes them on.
 * As root all of them. Not as root the owner stays this user (only root gives a file away), but
 * the group is carried where this user belongs to it (an owner may chgrp to such a group, and a
 * group-shared file must not leave its group), and the mode loses only what the kernel takes
 * from a file another user writes (setattr_should_drop_suidgid): set-user-ID, and set-group-ID
 * where the group may execute or the file's group is not this user's; the sticky bit and a
 * set-group-ID without group execute stay, as they stay under cp. Hard links to the old file
 * still see the old data (a new inode; docs/ENGINE.md rule 2). A file gone meanwhile leaves the
 * new file's own mode.
 */
export function takeOnReplaced(libc: Libc, operation: Operation, fd: number, to: string): string[] {
  let st: fs.Stats;
  try {
    st = fs.statSync(osPath(to));
  } catch {
    return [];
  }
  const root = process.geteuid?.() === 0;
  // the owner first: a chown clears set-id bits
  if (root) fs.fchownSync(fd, st.uid, st.gid);
  else carryGroup(fd, st.gid);
  const { refused, capabilities } = carryXattrs(libc, operation, to, fd, to); // its ACL too
  fs.fchmodSync(fd, st.mode & (root ? 0o7777 : modeAfterOthersWrite(st.mode, fs.fstatSync(fd).gid === st.gid)));
  const lostFlags = carryFlags(libc, to, fd);
  const said: string[] = [];
  if (refused.length > 0)
    said.push(
      `${to} had extended attributes that the kernel would not set on the new file for this user (${refused.join(', ')}): ` +
        'it has the file system’s defaults for those',
    );
  if (capabilities)
    said.push(
      `${to} had file capabilities (security.capability); the new file has none: the kernel removes them whenever a ` +
        'file’s data is written (so cp’s write would have lost them too), and new data never runs with the old file’s privileges',
    );
  if (lostFlags.length > 0)
    said.push(
      `${to} had inode flags the new file could not take (chattr +${lostFlags.join(' +')})` +
        (lostFlags.includes('C')
          ? ': btrfs sets +C (nodatacow) only on an empty file' + (operation === 'copy' ? '; copy into an empty +C file to keep it' : '')
          : ''),
    );
  if (!root) {
    const mine = fs.fstatSync(fd);
    if (mine.uid !== st.uid || mine.gid !== st.gid)
      said.push(
        `${to} was owned by ${st.uid}:${st.gid}; the new file is owned by ${mine.uid}:${mine.gid}, as only root may give a file ` +
          'to another owner, and its owner only to a group they belong to (cp, writing into the old file, would have kept its owner)',
      );
  }
  return said;
}
