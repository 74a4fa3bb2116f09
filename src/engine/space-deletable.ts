// Files on a share that the server would not let this user delete (space.ts): a read-only btrfs
// snapshot exposed in the share (STATUS_MEDIA_WRITE_PROTECTED), a folder or file the user may not
// delete (STATUS_ACCESS_DENIED), a file marked read-only (STATUS_CANNOT_DELETE). What deleting the
// selection frees leaves their bytes out, and a note says which and why (a trial: "deleting it
// frees up to 54 MiB" over a share whose snapshot's files no one could delete). Locally,
// access(2) answers instead (space.ts readOnlyDevs).

import type { ExtendedBackend } from './backend-ext';
import type { EngineContext } from './context';
import type { FileTable } from './space-table';

/** Opens in flight at once (each question is one or two CREATE/CLOSE pairs). */
const IN_FLIGHT = 8;
/** Files named in the note. */
const NAMED = 3;

export interface Undeletable {
  files: number;
  /** Their allocated bytes (each file once). */
  bytes: bigint;
  /** Files per NT status. */
  codes: Map<string, number>;
  examples: string[];
}

/** Per file-system group (the groups `smb` says are on a share): the files the server would not delete. */
export async function undeletableOnShares(
  table: FileTable,
  smb: (group: number) => boolean,
  resolve: (p: string) => Promise<ExtendedBackend>,
  ctx: EngineContext,
): Promise<Map<number, Undeletable>> {
  const out = new Map<number, Undeletable>();
  const todo: number[] = [];
  for (let i = 0; i < table.count; i++) if (smb(table.fileSystem[i])) todo.push(i);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < todo.length) {
      const i = todo[next++];
      ctx.checkCancelled();
      const p = table.path[i];
      const b = await resolve(p);
      const a = await b.deletable?.(p);
      if (!a?.refused) continue;
      const gi = table.fileSystem[i];
      let u = out.get(gi);
      if (!u) out.set(gi, (u = { files: 0, bytes: 0n, codes: new Map(), examples: [] }));
      u.files++;
      u.bytes += table.allocated[i];
      u.codes.set(a.code, (u.codes.get(a.code) ?? 0) + 1);
      if (u.examples.length < NAMED) u.examples.push(p);
    }
  };
  await Promise.all(Array.from({ length: Math.min(IN_FLIGHT, todo.length) }, worker));
  return out;
}

const WHY: Record<string, string> = {
  STATUS_MEDIA_WRITE_PROTECTED: 'a read-only file system there: a read-only snapshot, or a file system mounted read-only',
  STATUS_ACCESS_DENIED: 'no permission to delete: the permissions of the file or of its folder',
  STATUS_CANNOT_DELETE: 'marked read-only: the read-only attribute is to be cleared first',
};

/** The note beside what deleting frees: how many files the server would refuse to delete, why, and that their bytes are left out. */
export function undeletableNote(u: Undeletable, one: boolean): string {
  const why = [...u.codes]
    .sort((a, b) => b[1] - a[1])
    .map(([code, n]) => `${u.codes.size > 1 ? `${n}: ` : ''}${code}, ${WHY[code] ?? 'the server refuses'}`)
    .join('; ');
  const more = u.files > u.examples.length ? ` and ${u.files - u.examples.length} more` : '';
  return (
    `${u.files === 1 ? (one ? 'This file' : 'One file') : `${u.files} files`} of the selection the server would not let this user delete ` +
    `(${why}): ${u.examples.join(', ')}${more}. What deleting frees leaves ${u.files === 1 ? 'its' : 'their'} ${u.bytes} bytes out; ` +
    'they are freed only once the server lets them go (a read-only snapshot deleted or made writable on the server, ' +
    'btrfs property set SNAPSHOT ro false; the permissions or the read-only attribute changed).'
  );
}
