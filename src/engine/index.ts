// The engine's public surface. Everything outside src/engine (CLI, extension commands, views,
// benchmarks) imports from here and nowhere deeper.
//
//   const engine = createEngine({ worker: true });   // extension host: native loops off the main thread
//   const map = await engine.map('/mnt/xfs/disk.img', { signal, onProgress });
//   const report = await engine.clone(src, destFolder, { onExisting: 'rename' });
//
// Paths are local paths or smb://user@host[:port]/share/path URIs (password from the
// EXTENT_LENS_SMB_PASSWORD environment variable, or a provider the extension installs).

export * from './types';
export * from './errors';
export { createEngine } from './engine';
export type { Engine, EngineOptions, MapOptions } from './engine';
// Columnar maps for very large files (engine.mapPacked) and the converter to Extent objects.
export type { PackedExtentMap, PackedExtents } from './engine';
export { unpackExtents, fiemapFlagNames } from './engine';
// The host's settings on the SMB client (loaded on first call, never by importing this index).
export { configureSmbPasswords, closeSmbConnections } from './smb-hooks';
export type { SmbPasswordProvider, SmbTargetInfo } from './smb-hooks';
