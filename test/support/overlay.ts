// An overlayfs mount for the tests of space, dedupe and holes through a merged view
// (test/linux/*-overlay.test.ts): its four folders under one folder, and the mount around a test.
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface OverlayFolders {
  top: string;
  lower: string;
  upper: string;
  work: string;
  merged: string;
}

/** lower, upper, work and merged, made under `top`. */
export function overlayFolders(top: string): OverlayFolders {
  const [lower, upper, work, merged] = ['lower', 'upper', 'work', 'merged'].map((n) => path.join(top, n));
  for (const d of [lower, upper, work, merged]) fs.mkdirSync(d);
  return { top, lower, upper, work, merged };
}

/**
 * Mount the overlay, run `fn`, unmount it. `relative`: the layers given to mount as paths relative
 * to `top`, where mount runs (mountinfo then shows them so).
 */
export async function withOverlay<T>(o: OverlayFolders, fn: () => Promise<T>, opts: { relative?: boolean } = {}): Promise<T> {
  const options = opts.relative
    ? 'lowerdir=lower,upperdir=upper,workdir=work'
    : `lowerdir=${o.lower},upperdir=${o.upper},workdir=${o.work}`;
  execFileSync('mount', ['-t', 'overlay', 'overlay', '-o', options, opts.relative ? 'merged' : o.merged], { cwd: o.top });
  try {
    return await fn();
  } finally {
    spawnSync('umount', [o.merged]);
  }
}
