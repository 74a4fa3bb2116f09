// Which files dedupe may only read (dedupe-find.ts): the kernel will not change them for this
// user, so they can be a group's source and never a destination (dedupe-saving.ts).

import * as fs from 'node:fs';
import { isSmbPath } from './smb-path';
import { osPath } from './os-path';

/**
 * Which local files the kernel will not change for this user: on a read-only file system or
 * btrfs snapshot (EROFS), immutable (EPERM), as access(W_OK) says; and, where access says EACCES,
 * a file this user neither owns nor runs as root for (FIDEDUPERANGE takes a destination that is
 * open for writing, owned by the caller, or the caller has CAP_SYS_ADMIN: an owner may dedupe a
 * file without write permission, another user may not). They can be a group's source, never a
 * destination. Asked only of files in a group, once each.
 */
export function readOnlyFiles(): { has(path: string): boolean } {
  const known = new Map<string, boolean>();
  const euid = process.geteuid?.();
  return {
    has(p) {
      let ro = known.get(p);
      if (ro === undefined) {
        ro = false;
        if (!isSmbPath(p))
          try {
            fs.accessSync(osPath(p), fs.constants.W_OK);
          } catch (e) {
            const code = (e as { code?: string }).code;
            ro = code === 'EROFS' || code === 'EPERM';
            if (code === 'EACCES' && euid !== undefined && euid !== 0)
              try {
                ro = fs.statSync(osPath(p)).uid !== euid;
              } catch {
                // gone since: the apply reports it
              }
          }
        known.set(p, ro);
      }
      return ro;
    },
  };
}
