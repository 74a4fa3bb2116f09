// Argument parsing for one subcommand, on node:util parseArgs (strict: unknown options are
// usage errors, not silently ignored). Options may come before, between or after positionals;
// `--` ends options (for file names that start with "-").

import { parseArgs } from 'node:util';
import { COMMON_OPTIONS, type Command } from './command';
import { UsageError } from './usage-error';

export interface ParsedArgs {
  positionals: string[];
  values: Record<string, string | boolean | undefined>;
}

export function parseCommandArgs(cmd: Command, argv: string[]): ParsedArgs {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = {};
  for (const [k, o] of Object.entries({ ...cmd.options, ...COMMON_OPTIONS })) {
    options[k] = o.short ? { type: o.type, short: o.short } : { type: o.type };
  }
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (e) {
    // parseArgs messages are clear ("Unknown option '--foo'"); keep them, name the command.
    throw new UsageError(String((e as Error).message), cmd.name);
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  if (values.help) return { positionals: parsed.positionals, values };
  const max = cmd.args.length;
  const min = max - (cmd.optionalArgs ?? 0);
  const n = parsed.positionals.length;
  if (n < min) {
    throw new UsageError(`missing ${cmd.args.slice(n, min).join(' ')}`, cmd.name);
  }
  if (n > max && !cmd.variadic) {
    throw new UsageError(`unexpected argument "${parsed.positionals[max]}"`, cmd.name);
  }
  return { positionals: parsed.positionals, values };
}

/** The value of a choice option, checked against the allowed words. */
export function choice<T extends string>(
  values: Record<string, string | boolean | undefined>,
  name: string,
  allowed: readonly T[],
  fallback: T,
): T {
  const v = values[name];
  if (v === undefined) return fallback;
  if (typeof v === 'string' && (allowed as readonly string[]).includes(v)) return v as T;
  throw new UsageError(`--${name} must be one of ${allowed.join(', ')} (got "${String(v)}")`);
}
