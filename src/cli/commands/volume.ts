// extent-lens volume PATH: what the file system under PATH can do (sparse files, block
// cloning), with the evidence for it (a real clone probe on Linux, volume flags on Windows).

import type { VolumeInfo } from '../../engine';
import type { Command } from '../command';
import { escapeControls, exactAndHuman } from '../format';
import { dec, obj, str } from '../json';
import { writeOut } from '../output';

export const volumeCommand: Command = {
  name: 'volume',
  summary: 'Show the file system under a path and whether it supports sparse files and block cloning.',
  args: ['PATH'],
  readOnly: true,
  options: {},
  description: `Linux: fstatfs plus a real probe that clones a small non-empty unnamed temporary file
(O_TMPFILE) in PATH, or in the folder holding PATH when it is a file (cached per device); never
for a device or under /dev. Windows: the volume flags FILE_SUPPORTS_SPARSE_FILES and
FILE_SUPPORTS_BLOCK_REFCOUNTING. Block cloning is "no" unprobed where Linux never clones
(ext2/3/4, tmpfs, vfat, proc, ...), and "unknown" elsewhere when the probe cannot run (EACCES).
"available" (freeBytes) is the space users without privilege may still write, as df's Avail
(f_bavail; root may also write the blocks the file system reserves; over SMB and on Windows the
caller's available space).

JSON: {"path","filesystem","rawType","blockSize":N,"supportsSparse":bool,
       "supportsClone":bool|null (null: unknown),"cloneEvidence","volumeId","totalBytes":"N","freeBytes":"N"}`,
  examples: [{ command: 'extent-lens volume vms', says: 'can the file system under vms clone blocks? (a real probe on Linux)' }],
  async run(ctx) {
    const engine = await ctx.engine();
    const v = await engine.volume(ctx.positionals[0]);
    writeOut(ctx.json ? volumeJson(v) : volumeHuman(v));
  },
};

function volumeJson(v: VolumeInfo): string {
  return (
    obj([
      ['path', str(v.path)],
      ['filesystem', str(v.filesystem)],
      ['rawType', v.rawType === undefined ? undefined : str(v.rawType)],
      ['blockSize', String(v.blockSize)],
      ['supportsSparse', String(v.supportsSparse)],
      ['supportsClone', v.supportsClone === undefined ? 'null' : String(v.supportsClone)],
      ['cloneEvidence', str(v.cloneEvidence)],
      ['volumeId', str(v.volumeId)],
      ['totalBytes', v.totalBytes === undefined ? undefined : dec(v.totalBytes)],
      ['freeBytes', v.freeBytes === undefined ? undefined : dec(v.freeBytes)],
    ]) + '\n'
  );
}

function volumeHuman(v: VolumeInfo): string {
  const rows: [string, string][] = [
    ['path', v.path],
    // over SMB the name is the server's answer (Samba says NTFS for btrfs and XFS), as VS Code marks it
    ['file system', v.filesystem + (v.rawType ? ` (${v.rawType})` : '') + (/^smb:\/\//i.test(v.path) ? ', as the server reports it' : '')],
    ['block size', exactAndHuman(BigInt(v.blockSize))],
    ['sparse files', v.supportsSparse ? 'yes' : 'no'],
    ['block cloning', cloneWord(v)],
    ['evidence', v.cloneEvidence],
    ['volume id', v.volumeId],
  ];
  if (v.totalBytes !== undefined) rows.push(['size', exactAndHuman(v.totalBytes)]);
  // (freeBytes is what df calls Avail, f_bavail: "free" read as every free block, which on ext4 is 5% more)
  if (v.freeBytes !== undefined) rows.push(['available', exactAndHuman(v.freeBytes)]);
  const w = Math.max(...rows.map((r) => r[0].length));
  return rows.map(([k, val]) => `${k.padEnd(w)}  ${escapeControls(val)}`).join('\n') + '\n';
}

/** "yes", "no", or "unknown (could not probe: EACCES)" with the code the evidence names. */
function cloneWord(v: VolumeInfo): string {
  if (v.supportsClone !== undefined) return v.supportsClone ? 'yes' : 'no';
  const code = /\(([A-Z][A-Z0-9_]+)\)/.exec(v.cloneEvidence)?.[1];
  if (code) return `unknown (could not probe: ${code})`;
  return v.cloneEvidence.startsWith('not probed') ? 'unknown (not probed)' : 'unknown';
}
