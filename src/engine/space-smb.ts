// The space walk over SMB (engine.space on smb:// paths): a named folder is walked with the SMB
// client's QUERY_DIRECTORY (BackendExtensions.list), depth first, names in order; reparse points
// (symbolic links, junctions) are not followed. Each file is handed to the same accounting as
// a local one (space.ts), with the identity the listing gives: FILE_DIRECTORY_INFORMATION has no
// file id or link count, so a file is known by its path and hard links cannot be told apart.
// The maps are allocated ranges only (FSCTL_QUERY_ALLOCATED_RANGES): no physical offsets, so the
// sharing of these files is unknown (sharingUnknown), and space.ts gives reclaimable as bounds.

import type * as fs from 'node:fs';
import type { ExtendedBackend } from './backend-ext';
import type { EngineContext } from './context';
import { isCancelled, isFsctlError } from './errors';
import type { SpaceError } from './space-types';

/** FILE_ATTRIBUTE_REPARSE_POINT (MS-FSCC 2.6): a symbolic link, junction or other reparse point. */
const FILE_ATTRIBUTE_REPARSE_POINT = 0x400;

export interface SmbWalkSink {
  /** Account one regular file (space.ts's per-file accounting). */
  file(path: string, st: fs.BigIntStats): Promise<void>;
  error(e: SpaceError): void;
  /** A reparse point met and not followed. */
  symlink(): void;
}

/** FNV-1a, 64 bits: a stable stand-in for st_ino/st_dev from a path (the listing has no file id). */
function fnv64(s: string): bigint {
  let h = 0xcbf29ce484222325n;
  for (let i = 0; i < s.length; i++) h = BigInt.asUintN(64, (h ^ BigInt(s.charCodeAt(i))) * 0x100000001b3n);
  return h;
}

/** The share's URI (smb://user@host[:port]/share): one file system per share. */
export function smbShareOf(p: string): string {
  const m = /^(smb:\/\/?[^/]+\/[^/]+)/i.exec(p);
  return m ? m[1] : p;
}

/** What space.ts reads of a stat (nlink, dev, ino, size), for a file known from a listing. */
function statsOf(p: string, size: bigint): fs.BigIntStats {
  return { nlink: 1n, dev: fnv64(smbShareOf(p)), ino: fnv64(p), size } as unknown as fs.BigIntStats;
}

const child = (dir: string, name: string): string => `${dir.replace(/\/+$/, '')}/${name.replace(/%/g, '%25')}`;

function errorOf(p: string, e: unknown): SpaceError {
  if (isFsctlError(e)) return { path: p, code: e.code, message: e.message.startsWith('space: ') ? e.message : `space: ${e.message}` };
  return { path: p, code: 'E_SMB', message: `space: ${p}: ${(e as Error)?.message ?? String(e)} (E_SMB).` };
}

export async function walkSmb(top: string, b: ExtendedBackend, ctx: EngineContext, sink: SmbWalkSink): Promise<void> {
  const { list, stat } = b;
  if (!list || !stat) {
    const message = `space: ${top}: this SMB backend cannot list folders (E_UNSUPPORTED).`;
    return sink.error({ path: top, code: 'E_UNSUPPORTED', message });
  }
  let kind: string;
  let size: bigint;
  try {
    ({ kind, size } = await stat.call(b, top));
  } catch (e) {
    if (isCancelled(e)) throw e;
    return sink.error(errorOf(top, e));
  }
  if (kind === 'missing') {
    const message = `space: ${top} was not found on the server (STATUS_OBJECT_NAME_NOT_FOUND); check the path.`;
    return sink.error({ path: top, code: 'STATUS_OBJECT_NAME_NOT_FOUND', message });
  }
  if (kind === 'file') return sink.file(top, statsOf(top, size));
  const visit = async (dir: string): Promise<void> => {
    ctx.checkCancelled();
    let entries;
    try {
      entries = await list.call(b, dir);
    } catch (e) {
      if (isCancelled(e)) throw e;
      return sink.error(errorOf(dir, e));
    }
    entries.sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
    for (const e of entries) {
      const p = child(dir, e.name);
      if ((e.attributes & FILE_ATTRIBUTE_REPARSE_POINT) !== 0) sink.symlink();
      else if (e.directory) await visit(p);
      else await sink.file(p, statsOf(p, e.size));
    }
  };
  await visit(top);
}
