// Whole-process timings with hyperfine (-N: no intermediate shell, so a 2 ms tool is not
// measured as a 2 ms shell). Results keep wall time and CPU time (user + system): on a shared
// machine the wall time includes waiting for a core, the CPU time does not.

import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export interface Timing {
  name: string;
  command: string;
  /** seconds */
  mean: number;
  median: number;
  stddev: number;
  min: number;
  /** user + system CPU seconds per run */
  cpu: number;
  runs: number;
}

export interface HyperfineCase {
  name: string;
  command: string;
  /** run before each timing run (not timed), e.g. removing a clone destination */
  prepare?: string;
}

export function hyperfine(cases: HyperfineCase[], opts: { warmup?: number; runs?: number } = {}): Timing[] {
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'el-bench-hf-')), 'result.json');
  const args = ['-N', '--style', 'basic', '--export-json', out, '--warmup', String(opts.warmup ?? 3)];
  if (opts.runs) args.push('--runs', String(opts.runs));
  // hyperfine takes either one --prepare for all commands or one per command
  if (cases.some((c) => c.prepare)) for (const c of cases) args.push('--prepare', c.prepare ?? 'true');
  for (const c of cases) args.push('-n', c.name, c.command);
  try {
    execFileSync('hyperfine', args, { stdio: ['ignore', 'ignore', 'inherit'] });
    const json = JSON.parse(fs.readFileSync(out, 'utf8')) as {
      results: { command: string; mean: number; stddev: number; median: number; min: number; user: number; system: number; times: number[] }[];
    };
    return json.results.map((r, i) => ({
      name: cases[i].name,
      command: cases[i].command,
      mean: r.mean,
      median: r.median,
      stddev: r.stddev ?? 0,
      min: r.min,
      cpu: r.user + r.system,
      runs: r.times.length,
    }));
  } finally {
    fs.rmSync(path.dirname(out), { recursive: true, force: true });
  }
}
