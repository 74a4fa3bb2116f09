// Which files of an overlayfs merged view lie only in a lower layer: deleting one there only
// hides it behind a whiteout (space.ts: the lower layer keeps every block; a trial: "deleting it
// frees 1.3 MiB", exact, and rm freed nothing), opening one for writing copies it up (fs-freed.ts:
// punch and dig-holes then work on the copy), and overlayfs refuses to dedupe it
// (dedupe-read-only.ts). A file in the upper layer (made there, or copied up) is the upper
// file's; with metacopy=on a copied-up file may hold only its metadata there (no blocks), its
// data still the lower file's. Which layer holds a file: its place under the mount's upperdir
// (mountinfo: the overlay's root, a bind-mounted folder of it, and the path as the kernel
// resolves it, realpath, never simplified as text); layers given to mount as relative paths
// (dockerd's long layer chains) are found from the mount point (layerBase). Where the layer
// cannot be looked in (a relative one not found so, or one from another mount namespace) the
// file counts as any other's.
// layerFileLookup names the layer file a merged name shows (space counts that file:
// space-overlay.ts), and overlaysInsideWithLayers the overlays a walk need not go into.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { osPath } from './os-path';
import { devName, mountOf, mountsReached, readMounts, unescapeMount, type Mount } from './space-fs';
import type { FileTable } from './space-table';
import { realPath } from './real-path';

/** statfs f_type of overlayfs (linux/magic.h OVERLAYFS_SUPER_MAGIC). */
const OVERLAYFS_SUPER_MAGIC = 0x794c7630n;

/**
 * A lookup of whether a file (`allocated` bytes by its map, or undefined when unknown) lies only in
 * a lower layer of the overlay it is seen through (false for other file systems or when unclear).
 * mountinfo is read once per lookup, and each overlay's upper layer checked once.
 */
export function lowerLayerLookup(): (p: string, allocated?: bigint) => boolean {
  let mounts: Mount[] | undefined;
  const uppers = new Map<Mount, string | undefined>();
  return (p, allocated) => {
    let real: string;
    try {
      if (BigInt.asUintN(32, fs.statfsSync(osPath(p), { bigint: true }).type) !== OVERLAYFS_SUPER_MAGIC) return false;
      real = realPath(p);
    } catch {
      return false; // (gone since: nothing to say of it)
    }
    const m = mountOf(real, (mounts ??= readMounts()));
    if (!m || m.fsType !== 'overlay') return false;
    if (!uppers.has(m)) uppers.set(m, upperLayerOf(m));
    const upper = uppers.get(m);
    if (upper === undefined) return false;
    const under = placeInOverlay(m, real);
    let st: fs.BigIntStats;
    try {
      st = fs.lstatSync(osPath(upper + under), { bigint: true });
    } catch (e) {
      return (e as { code?: string }).code === 'ENOENT';
    }
    // metacopy=on: the upper file holds the metadata only, the data is the lower file's
    return st.blocks === 0n && (allocated === undefined ? st.size > 0n : allocated > 0n);
  };
}

/** The place of `real` (resolved, under mount `m`) under the overlay's root, which a bind mount of one of its folders names (root). */
function placeInOverlay(m: Mount, real: string): string {
  return (m.root === '/' ? '' : m.root) + (m.mountPoint === '/' ? real : real.slice(m.mountPoint.length));
}

/**
 * The upper layer of overlay mount `m` to look in, or undefined where it cannot be: no upper layer
 * (nothing can be changed, EROFS says so); a path relative to where `mount` ran that layerBase
 * cannot place; layers that are not there to see (the overlay mounted from
 * another mount namespace: a container's own root). The layer of its files cannot be told then,
 * and they count as any other's.
 */
function upperLayerOf(m: Mount): string | undefined {
  const option = (key: string): string | undefined => {
    const o = mountOption(m, key);
    return o === undefined ? undefined : layerPath(m, unescapeMount(o));
  };
  const upper = option('upperdir');
  const work = option('workdir');
  return upper !== undefined && work !== undefined && isFolder(upper) && isFolder(work) ? upper : undefined;
}

/**
 * Layer folder `name` of overlay `m` (an option's value, unescaped) as a path to look in: as
 * given when absolute; else under the folder mount ran in (layerBase), undefined where that is
 * not found.
 */
function layerPath(m: Mount, name: string): string | undefined {
  if (name.startsWith('/')) return name;
  const base = layerBase(m);
  // (joined, not simplified as text: the file system resolves any '..' in it, as mount's did)
  return base === undefined ? undefined : `${base === '/' ? '' : base}/${name}`;
}

const layerBases = new WeakMap<Mount, string | undefined>();

/**
 * The folder overlay `m`'s relative layer options are relative to: mount took them from its
 * working folder, which mountinfo does not keep. dockerd mounts so from overlay2/ when a
 * container's layers do not fit one page of mount options (lowerdir=l/ABC:l/DEF,
 * upperdir=<id>/diff). Each folder above the mount point is tried, and taken only where it holds
 * every layer and work folder named and its top layer (upperdir, else the first lower) is the
 * very folder the overlay's root shows: overlayfs gives a merged folder the inode number of its
 * top layer's folder (layers on one file system). Undefined where none is (layers on several
 * file systems, a bind mount of a folder of the overlay, another mount namespace), or where the
 * top layer is given absolute (relative lower layers beside it: no folder can be told apart).
 */
function layerBase(m: Mount): string | undefined {
  if (layerBases.has(m)) return layerBases.get(m);
  let base: string | undefined;
  const names = ['upperdir', 'workdir']
    .flatMap((k) => mountOption(m, k) ?? [])
    .concat(lowerdirNames(m))
    .map(unescapeMount);
  const upper = mountOption(m, 'upperdir');
  const top = upper === undefined ? names[0] : unescapeMount(upper);
  const ino = (p: string): bigint | undefined => {
    try {
      return fs.statSync(osPath(p), { bigint: true }).ino;
    } catch {
      return undefined;
    }
  };
  // (an absolute top layer is the same folder whichever is tried: its inode proves none, so none is taken)
  const root = m.root === '/' && top !== undefined && !top.startsWith('/') ? ino(m.mountPoint) : undefined;
  for (let dir = path.posix.dirname(m.mountPoint); root !== undefined; dir = path.posix.dirname(dir)) {
    const at = (n: string): string => (n.startsWith('/') ? n : `${dir === '/' ? '' : dir}/${n}`);
    if (ino(at(top!)) === root && names.every((n) => isFolder(at(n)))) {
      base = dir;
      break;
    }
    if (dir === '/') break;
  }
  layerBases.set(m, base);
  return base;
}

/** The indices of the files of `table` on overlayfs groups (`overlay(gi)`) that lie only in a lower layer. */
export function lowerOnlyFiles(table: FileTable, overlay: (group: number) => boolean): number[] {
  const lower = lowerLayerLookup();
  const out: number[] = [];
  for (let i = 0; i < table.count; i++) if (overlay(table.fileSystem[i]) && lower(table.path[i], table.allocated[i])) out.push(i);
  return out;
}

/** Of `files`, those on overlayfs that lie only in a lower layer (no other file is looked at). */
export function onlyInLowerLayers<F extends { path: string; filesystem: string }>(files: readonly F[]): Set<F> {
  const lower = lowerLayerLookup();
  const out = new Set<F>();
  for (const f of files) if (f.filesystem === 'overlayfs' && lower(f.path)) out.add(f);
  return out;
}

function isFolder(p: string): boolean {
  try {
    return fs.statSync(osPath(p)).isDirectory();
  } catch {
    return false;
  }
}

/**
 * The layer's own file an overlay's merged name shows (overlayfs gives the layer's blocks, so
 * space counts it as that file, on the file system beneath): the upper file, else the file of the
 * first lower layer that has the name. `lowerOnly`: deleting the merged name frees nothing of it
 * (a whiteout hides it). `inSelection`: a lower-only file whose layer path lies inside a path
 * given, so the walk counts it there, through its layer.
 */
export interface LayerFile {
  path: string;
  dev: bigint;
  ino: bigint;
  nlink: number;
  lowerOnly: boolean;
  inSelection: boolean;
  /** Where the overlay is mounted. */
  overlay: string;
}

/** An overlay mount's layers, as they can be looked in (absolute paths only). */
interface Layers {
  mount: Mount;
  upper: string | undefined;
  lowers: string[];
}

/**
 * A lookup of the layer file behind a file met at `p` on device `dev` (undefined for files not on
 * an overlay, or where the layer cannot be told: unplaced relative or unseen layer folders, a name the
 * layers do not hold as it is: redirect_dir renames). `selection`: the paths given, for
 * `inSelection`. mountinfo is read on the first device not yet known.
 */
export function layerFileLookup(selection: readonly string[]): (p: string, dev: bigint) => LayerFile | undefined {
  let mounts: Mount[] | undefined;
  const byDev = new Map<bigint, Layers | null>();
  const given = resolvedFolders(selection).map((g) => g.under);
  const layersOf = (dev: bigint): Layers | null => {
    let l = byDev.get(dev);
    if (l !== undefined) return l;
    const name = devName(dev);
    let m = (mounts ??= readMounts()).find((x) => x.dev === name);
    if (!m) m = (mounts = readMounts()).find((x) => x.dev === name); // (mounted since)
    l = m && m.fsType === 'overlay' ? overlayLayers(m) : null;
    byDev.set(dev, l);
    return l;
  };
  return (p, dev) => {
    const layers = layersOf(dev);
    if (!layers) return undefined;
    let real: string;
    try {
      real = realPath(p);
    } catch {
      return undefined;
    }
    const m = layers.mount;
    if (!(m.mountPoint === '/' || real === m.mountPoint || real.startsWith(m.mountPoint + '/'))) return undefined;
    const under = placeInOverlay(m, real);
    const at = (dir: string): fs.BigIntStats | undefined => {
      try {
        const st = fs.lstatSync(osPath(dir + under), { bigint: true });
        return st.isFile() ? st : undefined;
      } catch {
        return undefined;
      }
    };
    const found = (path: string, st: fs.BigIntStats, lowerOnly: boolean): LayerFile => ({
      path,
      dev: st.dev,
      ino: st.ino,
      nlink: Number(st.nlink),
      lowerOnly,
      inSelection: lowerOnly && given.some((g) => (path + '/').startsWith(g)),
      overlay: m.mountPoint,
    });
    const up = layers.upper === undefined ? undefined : at(layers.upper);
    // metacopy=on: an upper file of metadata only (no blocks) shows the lower file's data
    if (up && !(up.blocks === 0n && up.size > 0n)) return found(layers.upper + under, up, false);
    for (const lower of layers.lowers) {
      const st = at(lower);
      if (st) return found(lower + under, st, true);
    }
    return undefined;
  };
}

/** The layers of overlay mount `m` that can be looked in; null where none can. */
function overlayLayers(m: Mount): Layers | null {
  // Each layer as the file system resolves it: the names a file is met by in the selection are
  // resolved too (Docker names its lower layers by symbolic links, overlay2/l/ABC -> ../<id>/diff).
  const resolved = (dir: string | undefined): string | undefined => {
    try {
      return dir === undefined ? undefined : realPath(dir);
    } catch {
      return undefined;
    }
  };
  const upper = resolved(upperLayerOf(m));
  const lowers = lowerdirNames(m)
    .flatMap((x) => layerPath(m, unescapeMount(x)) ?? [])
    .filter(isFolder)
    .flatMap((x) => resolved(x) ?? []);
  return upper === undefined && lowers.length === 0 ? null : { mount: m, upper, lowers };
}

/** The overlay mounts a walk of the local `paths` reaches: holding one of them, or mounted inside one. */
export function overlaysReached(paths: readonly string[], mounts: Mount[] = readMounts()): Mount[] {
  return [...mountsReached(paths, mounts)].filter((m) => m.fsType === 'overlay');
}

/**
 * Of `overlays`, those mounted inside a folder of `paths` whose layers (upper and every lower,
 * resolved by the file system: Docker names its lower layers by symbolic links under
 * overlay2/l/) all lie inside the selection: their files are counted through the layers, so a
 * walk need not go in. Each by the path the walk reaches it by (under the folder given, as
 * given) and its mount point.
 */
export function overlaysInsideWithLayers(paths: readonly string[], overlays: readonly Mount[]): Map<string, string> {
  const given = resolvedFolders(paths);
  // (overlayLayers gives each layer resolved already)
  const inSelection = (dir: string): boolean => given.some((g) => (dir + '/').startsWith(g.under));
  const out = new Map<string, string>();
  for (const m of overlays) {
    const inside = given.find((g) => m.mountPoint.startsWith(g.under));
    // (one given itself, or a folder of it given, is walked: the person asked for it)
    if (!inside || m.root !== '/' || given.some((g) => g.real === m.mountPoint || g.real.startsWith(m.mountPoint + '/'))) continue;
    const layers = overlayLayers(m);
    // every layer looked in (none unplaced or unseen), and each inside the selection
    if (
      !layers ||
      layers.lowers.length !== lowerdirNames(m).length ||
      (mountOption(m, 'upperdir') !== undefined && layers.upper === undefined)
    )
      continue;
    if (![...(layers.upper === undefined ? [] : [layers.upper]), ...layers.lowers].every(inSelection)) continue;
    out.set(inside.p + m.mountPoint.slice(inside.real.length), m.mountPoint);
  }
  return out;
}

/** Mount option `key`'s value as mountinfo writes it (escaped), or undefined. */
function mountOption(m: Mount, key: string): string | undefined {
  return m.options.find((x) => x.startsWith(`${key}=`))?.slice(key.length + 1);
}

/** lowerdir's layers, top first, still escaped: split at ':' (mountinfo writes a ':' in a name as \072; '::' before data-only layers). */
function lowerdirNames(m: Mount): string[] {
  return (mountOption(m, 'lowerdir') ?? '').split(':').filter((x) => x !== '');
}

/** The paths given, each as given (no trailing '/'), resolved by the file system, and that with a '/' to test what lies under it. */
function resolvedFolders(paths: readonly string[]): { p: string; real: string; under: string }[] {
  return paths.flatMap((p) => {
    try {
      const real = realPath(p);
      return [{ p: p.endsWith('/') && p.length > 1 ? p.slice(0, -1) : p, real, under: real.endsWith('/') ? real : real + '/' }];
    } catch {
      return [];
    }
  });
}
