// A mistake in how the command was called (unknown option, missing argument, bad number).
// main.ts prints it with the command's usage and exits with code 2, keeping exit code 1 for
// operations that were attempted and failed.

export class UsageError extends Error {
  constructor(
    message: string,
    /** The subcommand whose usage line should be shown, when known. */
    readonly command?: string,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}
