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

/** A Docker-like overlay under `docker` (test/linux/*-overlay-layers.test.ts), mounted. */
export interface DockerOverlay {
  /** The image layer (overlay2/img1): its files in diff/. */
  layer: string;
  /** The container's upper layer (overlay2/ctr1/diff). */
  upper: string;
  merged: string;
}

/**
 * An image layer (overlay2/img1/diff, filled by `fillLayer` before the mount) and a container
 * (overlay2/ctr1) whose merged view is mounted inside the tree as dockerd mounts it: the lower
 * layer named by its short link under overlay2/l/. `relative`: as dockerd mounts a container
 * whose layers do not fit one page of options, from overlay2/ with every layer relative to it
 * (mountinfo then shows them so). The caller unmounts `merged`.
 */
export function dockerOverlay(docker: string, fillLayer: (diff: string) => void, opts: { relative?: boolean } = {}): DockerOverlay {
  const home = path.join(docker, 'overlay2');
  const layer = path.join(home, 'img1');
  const container = path.join(home, 'ctr1');
  const links = path.join(home, 'l');
  const upper = path.join(container, 'diff');
  const merged = path.join(container, 'merged');
  for (const d of [path.join(layer, 'diff'), upper, path.join(container, 'work'), merged, links]) fs.mkdirSync(d, { recursive: true });
  fillLayer(path.join(layer, 'diff'));
  fs.symlinkSync('../img1/diff', path.join(links, 'IMG1'));
  const at = (p: string): string => (opts.relative ? path.relative(home, p) : p);
  execFileSync(
    'mount',
    [
      '-t',
      'overlay',
      'overlay',
      '-o',
      `lowerdir=${at(path.join(links, 'IMG1'))},upperdir=${at(upper)},workdir=${at(path.join(container, 'work'))}`,
      at(merged),
    ],
    { cwd: home },
  );
  return { layer, upper, merged };
}
