// What the commands need to know about a failure, decided from the engine's error by value
// (the FsctlError contract: `code` is the OS code by name or an engine code). Duck-typed on
// purpose: importing the FsctlError class would load the engine module at activation.

import { CLONE_IMPOSSIBLE_CODES, NAME_TAKEN_CODES } from '../../protocol/error-codes';

/** Codes that mean "cloning cannot work here", so a hole-keeping copy is a sensible offer. */
const CLONE_IMPOSSIBLE = CLONE_IMPOSSIBLE_CODES;

interface ErrorFacts {
  code: string;
  /** The sentence to show as is (the engine writes it for people). */
  message: string;
  cancelled: boolean;
  /** The destination exists and the policy was 'fail': ask the person. */
  exists: boolean;
  /** Cloning is impossible here (other volume, no reflink/ReFS): offer "Copy instead". */
  cloneImpossible: boolean;
}

export function errorFacts(e: unknown): ErrorFacts {
  let code = 'UNKNOWN';
  let message = String(e);
  if (typeof e === 'object' && e !== null) {
    const o = e as { code?: unknown; message?: unknown; name?: unknown };
    if (typeof o.code === 'string') code = o.code;
    if (typeof o.message === 'string' && o.message !== '') message = inVsCodeWords(o.message);
    if (o.name === 'AbortError') code = 'E_CANCELLED';
  }
  return {
    code,
    message,
    cancelled: code === 'E_CANCELLED',
    exists: NAME_TAKEN_CODES.has(code),
    cloneImpossible: CLONE_IMPOSSIBLE.has(code),
  };
}

/** One line for the log: "clone EXDEV: source and destination ... (paths)". */
export function errorLogLine(operation: string, e: unknown): string {
  const f = errorFacts(e);
  const paths =
    typeof e === 'object' && e !== null && Array.isArray((e as { paths?: unknown }).paths)
      ? ` [${(e as { paths: unknown[] }).paths.join(', ')}]`
      : '';
  return `${operation} failed: ${f.code}: ${f.message}${paths}`;
}

/**
 * The engine's sentences serve the CLI and VS Code alike; where one names the CLI's way to give a
 * password (EXTENT_LENS_SMB_PASSWORD), VS Code says its own: the stored password was refused
 * (changed on the server, say), and Enter SMB Password… asks for it again and reconnects with it.
 */
export function inVsCodeWords(message: string): string {
  return (
    message
      .replace(
        'check the user in the smb:// URI and the password (EXTENT_LENS_SMB_PASSWORD).',
        'check the user in the smb:// address; if the password changed, run "Extent Lens: Enter SMB Password..." from the Command Palette to enter the new one.',
      )
      .replace(
        'check EXTENT_LENS_SMB_PASSWORD and the user in the smb:// URI',
        'check the user in the smb:// address; if the password changed, run "Extent Lens: Enter SMB Password..." from the Command Palette to enter the new one',
      )
      // the engine's "or allow a copy" (the CLI's --fallback copy) is the offer's button here
      .replace(/, or allow a copy\b/g, ', or copy the data instead (Copy instead)')
  );
}
