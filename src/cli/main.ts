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
// Ctrl-C, SIGTERM (what `timeout` and service managers send) and SIGHUP (a closed terminal)
// abort the running operation through an AbortSignal; the engine removes what it had started
// (temporary files), and we exit with 128 + the signal's number (130 for Ctrl-C). A second
// signal stops the worker at once after a bounded cleanup (engine.dispose). On Linux a copy or
// clone has no name until it is complete (O_TMPFILE), so even SIGKILL leaves nothing.

import { constants as osConstants } from 'node:os';
import { version } from '../../package.json';
import { parseCommandArgs } from './args';
import { commandLineArgs } from './argv';
import { helpText, type Command, type CommandContext } from './command';
import { COMMANDS, findCommand } from './commands';
import { EXIT_CANCELLED, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, errorJson, errorLine, exitCodeFor } from './errors';
import { escapeControls } from './format';
import { shownPath } from '../protocol/shown-path';
import { OutputError, outputFailed, writeErr, writeOut } from './output';
import { endProgress, progressOnStderr } from './status-line';
import { UsageError } from './usage-error';
import { didYouMean } from './similar';
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
    'Sizes and offsets: decimal (1048576, 1,048,576 or 1_048_576), 0x hex, or with a suffix (4k, 1MiB, 2G; 1MB = 10^6).',
    'Paths: local paths or smb://user@host[:port]/share/path (password from',
    'EXTENT_LENS_SMB_PASSWORD; EXTENT_LENS_SMB_ALLOW_UNSIGNED_LEGACY=1 accepts an',
    'SMB 2.0.2 server that does not require signing, refused otherwise;',
    'EXTENT_LENS_SMB_DIALECT=3.1.1 (or 2.0.2, 2.1, 3.0, 3.0.2, comma-separated) pins the',
    'dialects offered; EXTENT_LENS_SMB_TIMEOUT_MS (default 30000) is the wait for an answer,',
    'EXTENT_LENS_SMB_MAX_WAIT_MS (default 4 x that) the most after the server said "pending").',
    '--json: machine-readable output; every offset and size is a decimal string.',
    '--version (-V): print the version; --help (-h): this help.',
    'Exit codes: 0 ok, 1 the operation failed (space, dedupe: a path could not be read;',
    'a FIFO, socket or device in a folder is only a note), 2 usage error or a wrong option',
    'value, 130 cancelled (Ctrl-C; 129 SIGHUP, 143 SIGTERM).',
    '',
    "Run 'extent-lens <command> --help' for a command's options.",
    '',
  ].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  try {
    return await dispatch(argv);
  } catch (e) {
    if (!(e instanceof OutputError)) throw e;
    writeErr(`extent-lens: ${e.message}.\n`);
    return EXIT_FAILURE;
  }
}

async function dispatch(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const sub = name === 'help' && rest[0] ? findCommand(rest[0]) : undefined;
    // as git help: help for a command that does not exist is a usage error, not the list
    if (name === 'help' && rest[0] && !sub) return fail(undefined, unknownCommand(rest[0]), false);
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
    return fail(undefined, unknownCommand(name), json);
  }
  return runCommand(cmd, rest, json);
}

function unknownCommand(name: string): UsageError {
  const guess = didYouMean(
    name,
    COMMANDS.map((c) => c.name),
    (c) => `"${c}"`,
  );
  return new UsageError(`unknown command "${name}"${guess}; run 'extent-lens --help' for the list.`);
}

async function runCommand(cmd: Command, argv: string[], jsonHint: boolean): Promise<number> {
  const controller = new AbortController();
  let signalled: NodeJS.Signals | undefined;
  let engine: Engine | undefined;
  const onSignal = (sig: NodeJS.Signals): void => {
    // First signal: cancel cleanly. Second: the person insists; stop the engine (which still
    // removes temporary files, for at most a few seconds) and leave.
    if (signalled === undefined) {
      signalled = sig;
      controller.abort();
      return;
    }
    const code = signalExitCode(signalled);
    void (engine ? engine.dispose() : Promise.resolve()).finally(() => process.exit(code));
  };
  let given: Readonly<Record<string, unknown>> = {};
  let readOnly = true;
  try {
    const { positionals, values } = parseCommandArgs(cmd, argv);
    given = values;
    // Read-only commands keep the default signal handling (die at once): nothing to clean up.
    readOnly = typeof cmd.readOnly === 'function' ? cmd.readOnly(values) : cmd.readOnly === true;
    if (!readOnly) for (const sig of CANCEL_SIGNALS) process.on(sig, onSignal);
    if (values.help) {
      writeOut(helpText(cmd));
      return EXIT_OK;
    }
    for (const p of positionals) writeErr(escapedUriNote(p));
    const ctx: CommandContext = {
      positionals,
      values,
      json: values.json === true,
      signal: controller.signal,
      progress: (describe) => progressOnStderr(cmd.name, describe),
      async engine() {
        if (!engine) {
          const { createEngine } = await import('../engine');
          engine = createEngine({ worker: cmd.longRunning?.(values) === true });
        }
        return engine;
      },
    };
    const code = (await cmd.run(ctx)) ?? EXIT_OK;
    // a command that reports what it did before a cancel returns EXIT_CANCELLED itself
    return code === EXIT_CANCELLED && signalled ? signalExitCode(signalled) : code;
  } catch (e) {
    if (e instanceof OutputError) {
      // A command that changes files writes its report after the work: the work stands.
      const done = readOnly ? '' : `; the ${cmd.name} itself completed, only its report was lost`;
      writeErr(`extent-lens ${cmd.name}: ${e.message}${done}.\n`);
      return EXIT_FAILURE;
    }
    const code = fail(cmd, e, jsonHint, given);
    return code === EXIT_CANCELLED && signalled ? signalExitCode(signalled) : code;
  } finally {
    endProgress();
    // The handlers stay while the engine ends its threads: a signal then (the work done and
    // reported) must not kill the process with the signal's default action, which would turn
    // a complete run's exit status into 130.
    if (engine) await engine.dispose().catch(() => undefined);
    for (const sig of CANCEL_SIGNALS) process.off(sig, onSignal);
  }
}

/**
 * A note when an smb:// argument holds %XX escapes: in a URI they stand for bytes, so
 * `x%41.bin` names the file `xA.bin`, and the report (which prints the URI as given) would not
 * show that another file than the one that seemed named was read or changed. '' otherwise.
 */
function escapedUriNote(arg: string): string {
  const decoded = shownPath(arg); // (an smb:// URI decoded; a local path as it is)
  return decoded === arg
    ? ''
    : `extent-lens: note: ${escapeControls(arg)} names ${escapeControls(decoded)} (in a URI %XX stands for that byte; a name holding % is written %25)\n`;
}

/** Signals that cancel a command that changes files (cleanly: its temporary files are removed). */
const CANCEL_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/** 128 + the signal's number, as shells report a command ended by it (130 for SIGINT). */
function signalExitCode(sig: NodeJS.Signals): number {
  return 128 + (osConstants.signals[sig] ?? 2);
}

function fail(cmd: Command | undefined, e: unknown, json: boolean, given: Readonly<Record<string, unknown>> = {}): number {
  writeErr(errorLine(cmd?.name, e, given));
  if (e instanceof UsageError) {
    const c = e.command ? findCommand(e.command) : cmd;
    writeErr(c ? `${helpText(c).split('\n')[0]}\nRun 'extent-lens ${c.name} --help' for its options.\n` : '');
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
  main(commandLineArgs()).then(
    (code) => {
      settled = true;
      // The work is done and reported: a signal now (while Node ends its threads) must not kill
      // the process with the signal's default action and turn this status into 130 or 143.
      for (const sig of CANCEL_SIGNALS) process.on(sig, () => undefined);
      // (a write that failed where it could not be said, stderr itself: never exit 0)
      process.exit(code === EXIT_OK && outputFailed() ? EXIT_FAILURE : code);
    },
    (e) => {
      writeErr(`extent-lens: internal error: ${String((e as Error)?.stack ?? e)}\n`);
      process.exit(1);
    },
  );
}
