// Whether a file's first bytes hold a swap area (mkswap's signature), for dedupe, which leaves
// such files out even when not in use: btrfs and XFS refuse swapon for a file with shared extents
// (btrfs: "swapfile must not be copy-on-write", EINVAL), so sharing a swap file's blocks would
// make it unusable as swap. Looked for in the bytes the hashing reads anyway (dedupe-hash.ts, the
// read at offset 0): no system call of its own per file.

/**
 * The signatures a swap area ends its first page with (util-linux blkid's swap probe: mkswap's
 * two versions, and a hibernation image written over one), at page size - 10 for every page size
 * Linux has (4 to 64 KiB).
 */
const SWAP_SIGNATURES = ['SWAP-SPACE', 'SWAPSPACE2', 'S1SUSPEND', 'S2SUSPEND', 'ULSUSPEND', 'LINHIB0001'].map((s) =>
  Buffer.from(s, 'latin1'),
);
const SWAP_PAGE_SIZES = [4096, 8192, 16384, 32768, 65536];

/** Whether `head`, a file's bytes from offset 0, shows a swap area's signature. */
export function hasSwapSignature(head: Buffer): boolean {
  for (const page of SWAP_PAGE_SIZES) {
    if (head.length < page) break;
    const tail = head.subarray(page - 10, page);
    if (SWAP_SIGNATURES.some((sig) => tail.subarray(0, sig.length).equals(sig))) return true;
  }
  return false;
}
