// A path as the file system resolves it (realpath(3): links and "..", never as text), kept as
// the engine keeps paths (fromOsBytes), so a name in any bytes comes back the same.

import * as fs from 'node:fs';
import { fromOsBytes, osPath } from './os-path';

/** realpath(3) of `p`; throws as fs.realpathSync does (ENOENT, EACCES, ELOOP…). */
export function realPath(p: string): string {
  return fromOsBytes(fs.realpathSync.native(osPath(p), { encoding: 'buffer' }));
}
