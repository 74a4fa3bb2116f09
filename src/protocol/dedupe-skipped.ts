// Why Deduplicate left a range alone, in two kinds the view, the notification and the CLI tell
// apart: it changed since the search (the engine counts these in `differed`), or it was refused
// (EOPNOTSUPP where the file system cannot share, EPERM, EROFS, a file gone, ...).

/** A skipped range's reason means its data changed since the search; any other reason is a refusal. */
export const changedSinceSearch = (reason: string): boolean => reason === 'differs' || reason === 'E_CHANGED';
