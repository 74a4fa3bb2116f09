// The command line as the OS gave it. Linux arguments are bytes; Node decodes process.argv as
// UTF-8 and replaces every byte that is not valid UTF-8 with U+FFFD, so a file name such as
// $'bad\xff.bin' would be lost (ENOENT, or worse: another file whose name holds U+FFFD). When
// an argument holds U+FFFD, the raw arguments are read from /proc/self/cmdline and decoded with
// surrogateescape (each such byte carried as U+DC00 + byte, src/engine/os-path.ts), which the
// engine turns back into the same bytes for the OS.
//
// Lining up: /proc/self/cmdline is node's own argv (node, its flags, the script, then ours), so
// our arguments are its last ones. Each raw one, decoded as Node decodes it, must equal
// process.argv's; if any differs (a changed process title, an unusual launcher), process.argv
// is used as it is.

import * as fs from 'node:fs';
import { fromOsBytes } from '../engine/os-path';

/** The arguments after the script (process.argv.slice(2)), with bytes that are not UTF-8 kept. */
export function commandLineArgs(argv: readonly string[] = process.argv, readCmdline = readProcCmdline): string[] {
  const args = argv.slice(2);
  if (!args.some((a) => a.includes('\ufffd'))) return args;
  const raw = readCmdline();
  if (!raw || raw.length === 0 || raw[raw.length - 1] !== 0) return args;
  const parts: Buffer[] = [];
  for (let start = 0, i = 0; i < raw.length; i++) {
    if (raw[i] !== 0) continue;
    parts.push(raw.subarray(start, i));
    start = i + 1;
  }
  if (parts.length < args.length) return args;
  const ours = parts.slice(parts.length - args.length);
  if (!ours.every((b, i) => b.toString('utf8') === args[i])) return args;
  return ours.map((b) => fromOsBytes(b));
}

function readProcCmdline(): Buffer | undefined {
  if (process.platform !== 'linux') return undefined;
  try {
    return fs.readFileSync('/proc/self/cmdline');
  } catch {
    return undefined; // no /proc (a chroot, a sandbox): process.argv as it is
  }
}
