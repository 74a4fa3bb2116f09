// ext2, ext3 and ext4: one on-disk family, driven by one kernel driver (ext4's), with one statfs
// magic (0xEF53). The engine names such a file system as its mount does (ext2, ext3 or ext4,
// as `df -T` and `findmnt` show it: backends/linux/mounted-name.ts), so a rule for the family asks here.

/** True for ext2, ext3 and ext4. */
export function isExtFamily(filesystem: string | undefined): boolean {
  return filesystem === 'ext4' || filesystem === 'ext3' || filesystem === 'ext2';
}
