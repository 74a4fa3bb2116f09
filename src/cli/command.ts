// What a subcommand is: its name, its usage text, the options it accepts, and a run function.
// main.ts parses the arguments against `options`, checks the positional count, and calls run.

import type { Engine, Progress } from '../engine';
import type { DescribeProgress } from './status-line';

export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  /** Shown in --help: "N", "fail|rename|overwrite", ... */
  value?: string;
  help: string;
}

export interface CommandContext {
  /** The engine, created on first use (in-thread: the CLI is its own process). */
  engine(): Promise<Engine>;
  positionals: string[];
  values: Record<string, string | boolean | undefined>;
  json: boolean;
  /** Aborted by Ctrl-C (SIGINT), SIGTERM or SIGHUP; passed to every engine call so nothing is left behind. */
  signal: AbortSignal;
  /**
   * The engine's onProgress for a call that can take long: a line on stderr in `describe`'s
   * words while it runs, when stderr is a terminal (status-line.ts); else undefined.
   */
  progress(describe: DescribeProgress): ((p: Progress) => void) | undefined;
}

export interface Command {
  name: string;
  /** One line for the command list. */
  summary: string;
  /** Positional argument names, in order ("SRC", "DEST"). */
  args: string[];
  /** How many positionals are optional at the end (default 0). */
  optionalArgs?: number;
  /** The last positional may be given more than once (PATH...). */
  variadic?: boolean;
  options: Record<string, OptionSpec>;
  /**
   * True for commands that only read (or a function of the options saying so: dedupe without
   * --apply): Ctrl-C then keeps its default meaning (stop at once), since there is nothing to
   * clean up and a synchronous native loop could not see an abort.
   */
  readOnly?: boolean | ((values: Record<string, string | boolean | undefined>) => boolean);
  /**
   * True when this call may move data for a long time (copy, dig-holes, a copy fallback): the
   * engine then runs in its worker thread, so that Ctrl-C reaches it through the shared
   * cancel flag even while a native loop is running. Quick calls stay in this thread, which
   * starts faster.
   */
  longRunning?(values: Record<string, string | boolean | undefined>): boolean;
  /** Paragraphs after the usage line in --help. */
  description: string;
  /** 1 to 3 command lines a person would type, last in --help (test/cli/help-examples.test.ts runs every one). */
  examples: readonly Example[];
  /** Returns the exit status when it is not 0 although the command ran to its end (space: some paths failed). */
  run(ctx: CommandContext): Promise<void | number>;
}

export interface Example {
  /** As typed: "extent-lens map vm.img", plain words only (no quotes), on the files the test makes. */
  command: string;
  /** What it does, in a few words; "(exit N: why)" in it when it does not exit 0. */
  says: string;
}

/** Options every subcommand accepts. */
export const COMMON_OPTIONS: Record<string, OptionSpec> = {
  json: { type: 'boolean', help: 'machine-readable output; every offset and size is a decimal string' },
  help: { type: 'boolean', short: 'h', help: 'show this help' },
};

function usageLine(c: Command): string {
  const opt = c.optionalArgs ?? 0;
  const args = c.args.map((a, i) => (i >= c.args.length - opt ? `[${a}]` : a)).join(' ');
  const opts = Object.entries(c.options)
    .map(([k, o]) => (o.type === 'boolean' ? `[--${k}]` : `[--${k} ${o.value ?? 'VALUE'}]`))
    .join(' ');
  return `extent-lens ${c.name} ${args}${opts ? ' ' + opts : ''} [--json]`;
}

export function helpText(c: Command): string {
  const lines = [`usage: ${usageLine(c)}`, '', c.summary, ''];
  if (c.description) lines.push(c.description.trimEnd(), '');
  lines.push('options:');
  const all = { ...c.options, ...COMMON_OPTIONS };
  const left = Object.entries(all).map(
    ([k, o]) => (o.short ? `-${o.short}, ` : '    ') + `--${k}` + (o.type === 'string' ? ` ${o.value ?? 'VALUE'}` : ''),
  );
  const w = Math.max(...left.map((l) => l.length));
  Object.values(all).forEach((o, i) => lines.push(`  ${left[i].padEnd(w)}  ${o.help}`));
  lines.push('', 'examples:');
  for (const x of c.examples) lines.push(`  ${x.command}`, `      ${x.says}`);
  return lines.join('\n') + '\n';
}
