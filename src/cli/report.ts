// Output of an OperationReport (clone, clone-range, copy, punch, zero, dig-holes, set-sparse),
// human and JSON. The JSON starts with the members the issue fixes for `clone`
// (method, source, destination, bytes, calls, durationMs) and adds the rest after them.

import type { OperationReport } from '../engine';
import { escapeControls, exactAndHuman, formatMs, noteLine } from './format';
import { dec, num, obj, str, type JsonValue } from './json';
import { writeOut } from './output';
import { withoutCopyAdvice } from '../protocol/format';

interface ReportExtras {
  /** Members placed right after "method" (path/offset/length for punch, ...). */
  head?: [string, JsonValue | undefined][];
  /** Fallbacks for source/destination when the backend's report leaves them out. */
  source?: string;
  destination?: string;
}

function reportJson(r: OperationReport, x: ReportExtras = {}): string {
  const source = r.source ?? x.source;
  const destination = r.destination ?? x.destination;
  const head = x.head ?? [];
  const has = (k: string): boolean => head.some(([hk]) => hk === k);
  // punch, zero, dig-holes and set-sparse change one file where it is ("path"): no source, and
  // nothing was cloned or copied (a trial read "source", "fellBack" and "copied" in punch's JSON)
  const inPlace = IN_PLACE.has(r.operation);
  return (
    obj([
      ['method', str(r.method)],
      ...head,
      ['source', source === undefined || has('source') || inPlace ? undefined : str(source)],
      ['destination', destination === undefined || has('destination') ? undefined : str(destination)],
      ['bytes', dec(r.bytes)],
      ['calls', String(r.calls)],
      ['otherCalls', r.otherCalls ? JSON.stringify(r.otherCalls) : undefined],
      ['durationMs', num(r.durationMs)],
      ['operation', str(r.operation)],
      ['fellBack', inPlace ? undefined : r.fellBack ? 'true' : 'false'],
      ['copied', inPlace ? undefined : isCopy(r) ? 'true' : 'false'],
      ['sharedBytes', r.sharedBytes === undefined ? undefined : dec(r.sharedBytes)],
      ['fsFreed', r.fsFreed === undefined ? undefined : dec(r.fsFreed)],
      ['replaced', r.replaced ? 'true' : undefined],
      ['fallbackReason', r.fallbackReason === undefined ? undefined : str(r.fallbackReason)],
      ['notes', r.notes && r.notes.length ? '[' + r.notes.map(str).join(',') + ']' : undefined],
    ]) + '\n'
  );
}

/**
 * " (and 2 FSCTL_SET_SPARSE, 1 FSCTL_GET_INTEGRITY_INFORMATION)": the other calls made on the
 * way (OperationReport.otherCalls), so that the count before it is the method's calls alone.
 */
function otherCallsText(r: OperationReport): string {
  const others = Object.entries(r.otherCalls ?? {});
  return others.length ? ` (and ${others.map(([name, n]) => `${n} ${name}`).join(', ')})` : '';
}

const IN_PLACE: ReadonlySet<OperationReport['operation']> = new Set(['punch', 'zero', 'dig-holes', 'set-sparse']);

/**
 * True when data was copied rather than cloned (a fallback, or a copy method: copychunk as much
 * as copy_file_range, though either may share blocks underneath; sharedBytes says where measured).
 */
function isCopy(r: OperationReport): boolean {
  return (
    r.fellBack === true ||
    r.method === 'sparse-copy' ||
    r.method === 'copy_file_range' ||
    r.method === 'fcopyfile' ||
    r.method === 'FSCTL_SRV_COPYCHUNK_WRITE'
  );
}

const VERB: Record<string, string> = {
  clone: 'cloned',
  'clone-range': 'cloned range',
  copy: 'copied',
  punch: 'punched',
  zero: 'zeroed',
  'dig-holes': 'dug holes in',
  'set-sparse': 'set sparse flag on',
};

/** `what`: the target as the line names it; `verb`: in place of the operation's ("cleared sparse flag on"). */
export function reportHuman(r: OperationReport, x: ReportExtras & { what?: string; verb?: string } = {}): string {
  const source = r.source ?? x.source;
  const destination = r.destination ?? x.destination;
  const target = x.what ?? (destination ? `${source} -> ${destination}` : (source ?? ''));
  // A copy that fell back was read and written instead of copied by the server (or the kernel);
  // a clone that fell back is a copy, not a clone.
  const copyFellBack = r.fellBack === true && r.operation === 'copy';
  const verb = copyFellBack
    ? 'copied (read and written: no server-side copy)'
    : r.fellBack
      ? `copied (fallback, no clone was made)`
      : (x.verb ?? VERB[r.operation] ?? r.operation);
  // Paths and notes may hold control characters: each piece is escaped for the terminal.
  const calls = `${r.method} in ${r.calls} call${r.calls === 1 ? '' : 's'}${otherCallsText(r)}, ${formatMs(r.durationMs)}`;
  const lines = [
    r.calls === 0 && r.otherCalls === undefined && r.bytes === 0n
      ? `${verb} ${target}: nothing to do, ${formatMs(r.durationMs)}`
      : // a flag moves no bytes: "0 bytes by FSCTL_SET_SPARSE" read as if it had failed (a trial)
        r.operation === 'set-sparse'
        ? `${verb} ${target} by ${calls}`
        : `${verb} ${target}: ${exactAndHuman(r.bytes)} by ${calls}`,
  ].map((x) => escapeControls(x));
  if (copyFellBack) {
    if (r.fallbackReason) lines.push(noteLine(escapeControls(r.fallbackReason.replace(/^copy: /, ''))));
  } else if (r.fellBack) {
    const reason = r.fallbackReason === undefined ? undefined : withoutCopyAdvice(r.fallbackReason.replace(/^(clone|clone-range): /, ''));
    // A server's copy may share blocks underneath (Samba on btrfs or XFS clones for copychunk),
    // which SMB does not show: only what is known is said.
    const copied =
      r.method === 'FSCTL_SRV_COPYCHUNK_WRITE'
        ? 'the data was COPIED by the server, not cloned (whether its copy shares blocks underneath, as Samba on btrfs or XFS makes it, SMB does not show)'
        : 'the data was COPIED, not shared';
    lines.push(noteLine(escapeControls(`${copied}${reason ? `; clone failed: ${reason}` : ''}`)));
  }
  for (const n of r.notes ?? []) lines.push(noteLine(escapeControls(n)));
  return lines.join('\n') + '\n';
}

export function writeReport(json: boolean, r: OperationReport, x: ReportExtras & { what?: string; verb?: string } = {}): void {
  writeOut(json ? reportJson(r, x) : reportHuman(r, x));
}
