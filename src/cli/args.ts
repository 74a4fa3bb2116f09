// Argument parsing for one subcommand, on node:util parseArgs (strict: unknown options are
// usage errors, not silently ignored). Options may come before, between or after positionals;
// `--` ends options (for file names that start with "-").

import { parseArgs } from 'node:util';
import { parseByteSize } from '../protocol/byte-size';
import { COMMON_OPTIONS, type Command, type OptionSpec } from './command';
import { UsageError } from './usage-error';
import { didYouMean } from './similar';

interface ParsedArgs {
  positionals: string[];
  values: Record<string, string | boolean | undefined>;
}

export function parseCommandArgs(cmd: Command, argv: string[]): ParsedArgs {
  const specs = { ...cmd.options, ...COMMON_OPTIONS };
  const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = {};
  for (const [k, o] of Object.entries(specs)) {
    options[k] = o.short ? { type: o.type, short: o.short } : { type: o.type };
  }
  const args = precheck(cmd, specs, argv);
  let parsed;
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (e) {
    // precheck words every case it knows; anything else keeps parseArgs's first line.
    throw new UsageError(String((e as Error).message).split('\n')[0], cmd.name);
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

/** "--offset N, --length N, --json, -h/--help": what this command takes, for an unknown option. */
function optionList(specs: Record<string, OptionSpec>): string {
  return Object.entries(specs)
    .map(([k, o]) => (o.short ? `-${o.short}/` : '') + `--${k}` + (o.type === 'string' ? ` ${o.value ?? 'VALUE'}` : ''))
    .join(', ');
}

/** A positional that holds a number (an offset or a length), by its name in the usage line. */
const NUMERIC_ARG = /OFFSET|LENGTH|SIZE|COUNT/;

/**
 * Read the arguments the way parseArgs will, and say what is wrong in the tool's own words
 * before it does (its messages are about its own syntax: "argument is ambiguous ... use
 * '--offset=-XYZ'"). A negative number after a value option is passed on as its value
 * ("--offset -1" becomes "--offset=-1"), so the byte-size check can say "negative".
 */
function precheck(cmd: Command, specs: Record<string, OptionSpec>, argv: string[]): string[] {
  const out: string[] = [];
  const unknown = (a: string) =>
    new UsageError(
      `unknown option ${a}${a.startsWith('--') ? didYouMean(a.slice(2), Object.keys(specs), (k) => `--${k}`) : ''}; ${cmd.name} takes ${optionList(specs)} (a file name that starts with "-" goes after "--")`,
      cmd.name,
    );
  let positionals = 0;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      out.push(...argv.slice(i));
      break;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq < 0 ? a.slice(2) : a.slice(2, eq);
      const spec = Object.hasOwn(specs, name) ? specs[name] : undefined;
      if (!spec) throw unknown(eq < 0 ? a : a.slice(0, eq));
      if (spec.type === 'boolean') {
        if (eq >= 0) throw new UsageError(`--${name} takes no value (got "${a.slice(eq + 1)}")`, cmd.name);
        out.push(a);
        continue;
      }
      if (eq >= 0) {
        out.push(a);
        continue;
      }
      const next = argv[i + 1];
      const wants = `--${name} needs a value (${spec.value ?? 'VALUE'})`;
      if (next === undefined) throw new UsageError(wants, cmd.name);
      if (next.startsWith('-') && next !== '-') {
        if (/^-\s*\d/.test(next)) {
          out.push(`--${name}=${next}`); // the value check says "negative"
          i++;
          continue;
        }
        throw new UsageError(`${wants}, but got the option ${next}; write --${name}=VALUE for a value that starts with "-"`, cmd.name);
      }
      out.push(a, next);
      i++;
      continue;
    }
    if (a.startsWith('-') && a !== '-') {
      const argName = cmd.args[positionals];
      if (/^-\d/.test(a) && argName && NUMERIC_ARG.test(argName)) {
        const parsed = parseByteSize(a); // never a value: it has a minus sign
        const why =
          'error' in parsed && parsed.error === 'minus-zero'
            ? 'has a minus sign; offsets and lengths take none (write 0)'
            : 'is negative; offsets and lengths start at 0';
        throw new UsageError(`${argName}: ${a} ${why}.`, cmd.name);
      }
      const shorts = Object.entries(specs).filter(([, o]) => o.short !== undefined && a === `-${o.short}`);
      if (shorts.length === 0) throw unknown(a);
      out.push(a);
      continue;
    }
    positionals++;
    out.push(a);
  }
  return out;
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
