// The table of subcommands, in the order `extent-lens --help` lists them.

import type { Command } from '../command';
import { cloneCommand } from './clone';
import { cloneRangeCommand } from './clone-range';
import { copyCommand } from './copy';
import { dedupeCommand } from './dedupe';
import { digHolesCommand } from './dig-holes';
import { mapCommand } from './map';
import { punchCommand, zeroCommand } from './punch';
import { rangesCommand } from './ranges';
import { setSparseCommand } from './set-sparse';
import { spaceCommand } from './space';
import { volumeCommand } from './volume';

export const COMMANDS: readonly Command[] = [
  rangesCommand,
  mapCommand,
  volumeCommand,
  spaceCommand,
  dedupeCommand,
  cloneCommand,
  cloneRangeCommand,
  copyCommand,
  punchCommand,
  zeroCommand,
  digHolesCommand,
  setSparseCommand,
];

export function findCommand(name: string): Command | undefined {
  return COMMANDS.find((c) => c.name === name);
}
