// VolumeInfo as lines for people (the notification shows the first, the log all of them).

import type { VolumeInfo } from '../../engine';
import { groupNumber } from '../../host/logic/bytes';
import { humanBytes } from '../../protocol/format';
import { plainT, type Translate } from '../../host/logic/translate';

export function describeVolume(v: VolumeInfo, t: Translate = plainT): string[] {
  const yes = t('yes');
  const no = t('no');
  // Over SMB the name is the server's FileFsAttributeInformation answer (Samba says "NTFS" for
  // btrfs, ext4 or XFS underneath): say whose word it is.
  const filesystem = /^smb:\/\//i.test(v.path) ? t('{0} (as the server reports it)', v.filesystem) : v.filesystem;
  const lines = [
    t(
      '{0}: {1}, {2}-byte blocks, block cloning: {3}, sparse files: {4}.',
      v.path,
      filesystem,
      groupNumber(v.blockSize),
      v.supportsClone === undefined ? t('unknown') : v.supportsClone ? yes : no,
      v.supportsSparse ? yes : no,
    ),
    t('Clone support: {0}', v.cloneEvidence),
    t('Volume id: {0}', v.volumeId),
  ];
  if (v.rawType) lines.push(t('Raw type: {0}', v.rawType));
  if (v.totalBytes !== undefined) lines.push(t('Size: {0} ({1} bytes)', humanBytes(v.totalBytes), groupNumber(v.totalBytes)));
  if (v.freeBytes !== undefined) lines.push(t('Free: {0} ({1} bytes)', humanBytes(v.freeBytes), groupNumber(v.freeBytes)));
  return lines;
}
