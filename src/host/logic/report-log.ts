// An operation's report as one line for the log channel, exact numbers included (written by
// logReport in host/ui.ts after each operation a command runs).

import type { OperationReport } from '../../engine';

/** One line for the log channel, exact numbers included. */
export function reportLogLine(r: OperationReport): string {
  const parts = [
    `${r.operation} via ${r.method}`,
    r.source !== undefined ? `source=${r.source}` : '',
    r.destination !== undefined ? `destination=${r.destination}` : '',
    `bytes=${r.bytes}`,
    `calls=${r.calls}`,
    ...Object.entries(r.otherCalls ?? {}).map(([name, n]) => `${name}=${n}`),
    `duration=${r.durationMs.toFixed(1)}ms`,
    r.fellBack ? `fellBack (${r.fallbackReason ?? 'no reason given'})` : '',
    ...(r.notes ?? []).map((n) => `note: ${n}`),
  ];
  return parts.filter((p) => p !== '').join(' ');
}
