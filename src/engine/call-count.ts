// What an operation's report counts as its calls: only those of its method (the FSCTLs or system
// calls that cloned, copied, punched or wrote the data); the calls made around them (Windows and
// SMB: the sparse flag, the integrity settings, allocated-range queries, the resume key; Linux:
// lseek SEEK_DATA/SEEK_HOLE, FS_IOC_FIEMAP, ftruncate, a refused fallocate, ...) are counted
// apart, by name, so that a report's "1 call" is the one clone call (they were summed: a
// whole-file clone of one call said 4, a copy of 3 data ranges counted its 7 lseeks).
// One class for nt/ and the Linux backend alike.

import type { RangesResult } from './types';

export class CallCount {
  /** Calls of the report's method. */
  calls = 0;
  private readonly others = new Map<string, number>();

  /** `n` calls of `name`, which is not the report's method (or not known yet to be: see `method`). */
  other(name: string, n = 1): void {
    if (n > 0) this.others.set(name, (this.others.get(name) ?? 0) + n);
  }

  /**
   * The calls counted so far under `names` become the method's: a copy's method is known only
   * once it ran (copy_file_range, or read and written where the kernel copied nothing).
   */
  method(...names: string[]): this {
    for (const name of names) {
      this.calls += this.others.get(name) ?? 0;
      this.others.delete(name);
    }
    return this;
  }

  /** A data-ranges query's calls: by name where it made several kinds (callsByName), else under its method's name. */
  rangesQuery(r: Pick<RangesResult, 'method' | 'calls' | 'callsByName'>): void {
    if (!r.callsByName) this.other(rangesCallName(r.method), r.calls);
    else for (const [name, n] of Object.entries(r.callsByName)) this.other(name, n);
  }

  /** Another operation's report made on the way (dig-holes over SMB marks the file sparse): all its calls are others here. */
  otherReport(r: { method: string; calls: number; otherCalls?: Record<string, number> }): void {
    this.other(r.method, r.calls);
    for (const [name, n] of Object.entries(r.otherCalls ?? {})) this.other(name, n);
  }

  /** The report's `calls`, and `otherCalls` where there were any. */
  report(): { calls: number; otherCalls?: Record<string, number> } {
    return this.others.size > 0 ? { calls: this.calls, otherCalls: Object.fromEntries(this.others) } : { calls: this.calls };
  }
}

/**
 * The names Linux reports count their other calls under: the system call, as strace names it
 * (an ioctl by its request). Only the calls that read a file's layout or data or change its
 * data or size are counted; opens, stats, leases, fdatasync and the naming of a new file are not.
 */
export const LINUX_CALL = {
  lseek: 'lseek', // SEEK_DATA / SEEK_HOLE
  fiemap: 'FS_IOC_FIEMAP',
  read: 'pread64',
  write: 'pwrite64',
  copy: 'copy_file_range',
  size: 'ftruncate',
  fallocate: 'fallocate',
} as const;

/** The name a RangesResult's method is counted under (Linux: its lseek SEEK_DATA/SEEK_HOLE walk). */
function rangesCallName(method: string): string {
  return method === 'seek' ? LINUX_CALL.lseek : method;
}

/**
 * `otherCalls` with the call that was refused before a fallback (a clone the file system cannot
 * make, then a copy; a resume key without server-side copy, then a copy read and written): named
 * from the error's system call ("ioctl(FICLONE)" counts as FICLONE, "DeviceIoControl(X)" and
 * "SMB2 IOCTL(X)" as X, as the other FSCTLs are named), since the report's method and calls are
 * the fallback's.
 */
export function withRefusedCall(
  otherCalls: Record<string, number> | undefined,
  syscall: string | undefined,
): Record<string, number> | undefined {
  if (!syscall) return otherCalls;
  const name = /^(?:ioctl|DeviceIoControl|SMB2 IOCTL)\((\w+)\)$/.exec(syscall)?.[1] ?? syscall;
  return { [name]: 1 + (otherCalls?.[name] ?? 0), ...Object.fromEntries(Object.entries(otherCalls ?? {}).filter(([n]) => n !== name)) };
}
