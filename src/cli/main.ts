// extent-lens: the command-line front end over the Extent Lens engine (dist/cli.js).
//
//   extent-lens ranges FILE [--offset N] [--length N] [--json]
//   extent-lens map FILE [--json]
//   extent-lens clone SRC DEST [--on-existing fail|rename|overwrite] [--fallback copy] [--json]
//   ...                                    (extent-lens --help lists every subcommand)
//
// The engine runs in this thread (createEngine({ worker: false })) for quick calls: the CLI
// is its own process, so a worker would only add startup time. Calls that may move data for
// a long time (copy, dig-holes, zero, a --fallback copy) use the engine's worker so that
// Ctrl-C can stop a running native loop. The engine is loaded lazily, after the
// arguments are checked, so `--help` and usage errors answer without loading koffi.
// Ctrl-C aborts the running operation through an AbortSignal; the engine removes what it
// had started (temporary clone files), and we exit with 130.

import { version } from '../../package.json';
import { parseCommandArgs } from './args';
import { helpText, type Command, type CommandContext } from './command';
import { COMMANDS, findCommand } from './commands';
import { EXIT_CANCELLED, EXIT_OK, EXIT_USAGE, errorJson, errorLine, exitCodeFor } from './errors';
import { writeErr, writeOut } from './output';
import { UsageError } from './usage-error';
import type { Engine } from '../engine';

function topHelp(): string {
  const w = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    `extent-lens ${version}: see where a file's bytes live, and clone them without copying.`,
    '',
    'usage: extent-lens <command> [arguments] [--json]',
    '',
    'commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(w)}  ${c.summary}`),
    '',
    'Sizes and offsets: decimal, 0x hex, or with a suffix (4k, 1MiB, 2G; 1MB = 10^6).',
    'Paths: local paths or smb://user@host[:port]/share/path (password from',
    'EXTENT_LENS_SMB_PASSWORD).',
    '--json: machine-readable output; every offset and size is a decimal string.',
    'Exit codes: 0 ok, 1 the operation failed, 2 usage error, 130 cancelled (Ctrl-C).',
    '',
    "Run 'extent-lens <command> --help' for a command's options.",
    '',
  ].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const sub = name === 'help' && rest[0] ? findCommand(rest[0]) : undefined;
    writeOut(sub ? helpText(sub) : topHelp());
    return name === undefined ? EXIT_USAGE : EXIT_OK;
  }
  if (name === '--version' || name === '-V') {
    writeOut(`${version}\n`);
    return EXIT_OK;
  }
  const cmd = findCommand(name);
  const json = rest.includes('--json');
  if (!cmd) {
    return fail(undefined, new UsageError(`unknown command "${name}"; run 'extent-lens --help' for the list.`), json);
  }
  return runCommand(cmd, rest, json);
}

async function runCommand(cmd: Command, argv: string[], jsonHint: boolean): Promise<number> {
  const controller = new AbortController();
  let interrupts = 0;
  const onSigint = (): void => {
    interrupts++;
    // First Ctrl-C: cancel cleanly. Second: the person insists; leave now.
    if (interrupts === 1) controller.abort();
    else process.exit(EXIT_CANCELLED);
  };
  // Read-only commands keep the default SIGINT (die at once): nothing to clean up.
  if (!cmd.readOnly) process.on('SIGINT', onSigint);

  let engine: Engine | undefined;
  try {
    const { positionals, values } = parseCommandArgs(cmd, argv);
    if (values.help) {
      writeOut(helpText(cmd));
      return EXIT_OK;
    }
    const ctx: CommandContext = {
      positionals,
      values,
      json: values.json === true,
      signal: controller.signal,
      async engine() {
        if (!engine) {
          const { createEngine } = await import('../engine');
          engine = createEngine({ worker: cmd.longRunning?.(values) === true });
        }
        return engine;
      },
    };
    await cmd.run(ctx);
    return EXIT_OK;
  } catch (e) {
    return fail(cmd, e, jsonHint);
  } finally {
    process.off('SIGINT', onSigint);
    if (engine) await engine.dispose().catch(() => undefined);
  }
}

function fail(cmd: Command | undefined, e: unknown, json: boolean): number {
  writeErr(errorLine(cmd?.name, e));
  if (e instanceof UsageError) {
    const c = e.command ? findCommand(e.command) : cmd;
    writeErr(
      c
        ? `usage: ${helpText(c)
            .split('\n')[0]
            .replace(/^usage: /, '')}\n`
        : '',
    );
  } else if (!(e && typeof e === 'object' && (e as { name?: string }).name === 'FsctlError') && process.env.EXTENT_LENS_DEBUG) {
    writeErr(String((e as Error)?.stack ?? e) + '\n');
  }
  if (json) writeOut(errorJson(e));
  return exitCodeFor(e);
}

if (require.main === module) {
  // If the event loop empties while the operation's promise is still pending (a native call
  // or socket that was dropped without settling it), Node would exit 0 with no output. Say so
  // and fail instead: silence must never look like success.
  let settled = false;
  process.on('beforeExit', () => {
    if (settled) return;
    writeErr('extent-lens: internal error: the operation ended without a result (nothing left to wait for) [E_INTERNAL]\n');
    process.exit(1);
  });
  main(process.argv.slice(2)).then(
    (code) => {
      settled = true;
      process.exit(code);
    },
    (e) => {
      writeErr(`extent-lens: internal error: ${String((e as Error)?.stack ?? e)}\n`);
      process.exit(1);
    },
  );
}
