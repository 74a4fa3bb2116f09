// In-process timings: run a function several times and keep the median (robust against the
// odd slow run on a shared machine) and the minimum.

export interface Sample {
  /** milliseconds */
  median: number;
  min: number;
  runs: number;
  /** CPU milliseconds (user + system) per run, median */
  cpu: number;
}

export async function sample(runs: number, warmup: number, fn: () => Promise<unknown> | unknown, between?: () => void): Promise<Sample> {
  for (let i = 0; i < warmup; i++) {
    await fn();
    between?.();
  }
  const times: number[] = [];
  const cpus: number[] = [];
  for (let i = 0; i < runs; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await fn();
    const t = performance.now() - t0;
    const c = process.cpuUsage(c0);
    times.push(t);
    cpus.push((c.user + c.system) / 1000);
    between?.();
  }
  return { median: median(times), min: Math.min(...times), runs, cpu: median(cpus) };
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
