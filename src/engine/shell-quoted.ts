// A path as one word for a POSIX shell, for the commands the engine's notes and the CLI's
// sentences give people to paste ("mount -o remount,rw '/media/me/Backup Disk'"): a folder with
// a space in it (udisks mounts a drive by its label) would otherwise be two words.

/** `s` as one word for a POSIX shell: as it is when nothing in it is special, else in single quotes. */
export function shellQuoted(s: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
