// Swap files: the active ones (/proc/swaps), which the kernel will neither share nor delete
// (dedupe leaves them out, space says deleting waits for swapoff), and those not in use, found by
// mkswap's signature, which dedupe leaves out too: btrfs and XFS refuse swapon for a file with
// shared extents (btrfs: "swapfile must not be copy-on-write", EINVAL), so sharing a swap file's
// blocks would make it unusable as swap. The signature is looked for in the bytes the hashing
// reads anyway (dedupe-hash.ts, the read at offset 0): no system call of its own per file.

import * as fs from 'node:fs';
import { osPath } from './os-path';
import { procPathField } from './space-fs';

/**
 * The active swap files (Linux, /proc/swaps), as `${st_dev}:${st_ino}`: the kernel refuses to
 * share a swap file's blocks either way (ETXTBSY), so dedupe leaves them out of its groups. Empty
 * where there is no /proc/swaps. Its names are bytes, with space, tab, newline and backslash in
 * octal (procPathField): a swap file named in bytes that are not UTF-8 is still recognised.
 */
export function activeSwapFiles(): Set<string> {
  const out = new Set<string>();
  let text: string;
  try {
    text = fs.readFileSync('/proc/swaps').toString('latin1'); // one character per byte: procPathField decodes
  } catch {
    return out;
  }
  for (const line of text.split('\n').slice(1)) {
    const [name, type] = line.split(/[ \t]+/);
    if (type !== 'file' || !name) continue;
    try {
      const st = fs.statSync(osPath(procPathField(name)), { bigint: true });
      out.add(`${st.dev}:${st.ino}`);
    } catch {
      // swapped off since, or not visible from here
    }
  }
  return out;
}

/**
 * The signatures a swap area ends its first page with (util-linux blkid's swap probe: mkswap's
 * two versions, and a hibernation image written over one), at page size - 10 for every page size
 * Linux has (4 to 64 KiB).
 */
const SWAP_SIGNATURES = ['SWAP-SPACE', 'SWAPSPACE2', 'S1SUSPEND', 'S2SUSPEND', 'ULSUSPEND', 'LINHIB0001'].map((s) =>
  Buffer.from(s, 'latin1'),
);
const SWAP_PAGE_SIZES = [4096, 8192, 16384, 32768, 65536];

/** Whether `head`, a file's bytes from offset 0, shows a swap area's signature (one not in use). */
export function hasSwapSignature(head: Buffer): boolean {
  for (const page of SWAP_PAGE_SIZES) {
    if (head.length < page) break;
    const tail = head.subarray(page - 10, page);
    if (SWAP_SIGNATURES.some((sig) => tail.subarray(0, sig.length).equals(sig))) return true;
  }
  return false;
}
