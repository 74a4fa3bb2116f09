// What the benchmark ran on: recorded next to every figure, since numbers mean little without
// the machine (and, on a shared machine, its load at the time).

import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';

export interface Machine {
  date: string;
  nproc: number;
  cpu: string;
  memory: string;
  kernel: string;
  node: string;
  xfsprogs: string;
  e2fsprogs: string;
  hyperfine: string;
  loadAverage: string;
}

const tool = (cmd: string, args: string[]): string => {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim().split('\n')[0];
  } catch (e) {
    // filefrag -V prints its version on stderr
    const err = (e as { stderr?: string }).stderr;
    return err ? err.trim().split('\n')[0] : 'unknown';
  }
};

export function loadAverage(): string {
  return os.loadavg().map((x) => x.toFixed(2)).join(' ');
}

export function describeMachine(): Machine {
  const cpuinfo = fs.readFileSync('/proc/cpuinfo', 'utf8');
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1] ?? os.cpus()[0]?.model ?? 'unknown';
  return {
    date: new Date().toISOString(),
    nproc: os.availableParallelism(),
    cpu: model,
    memory: `${Math.round(os.totalmem() / 2 ** 30)} GiB`,
    kernel: `${os.type()} ${os.release()}`,
    node: process.version,
    xfsprogs: tool('xfs_io', ['-V']),
    e2fsprogs: tool('filefrag', ['-V']),
    hyperfine: tool('hyperfine', ['--version']),
    loadAverage: loadAverage(),
  };
}
