// The engine's public surface. The CLI and the extension (commands, views, host) import from
// here and nowhere deeper, with two exceptions, both dependency-free: src/engine/map-format.ts
// (the map format; part of it re-exported below) may be imported directly by code that must not
// evaluate the whole engine at start-up (the CLI's map writer, the views, commands/dig-holes.ts),
// and the CLI imports src/engine/os-path.ts to decode its raw arguments. Tests and benchmarks
// may reach deeper (docs/ARCHITECTURE.md).
//
//   const engine = createEngine({ worker: true });   // extension host: native loops off the main thread
//   const map = await engine.map('/mnt/xfs/disk.img', { signal, onProgress });
//   const report = await engine.clone(src, destFolder, { onExisting: 'rename' });
//
// Paths are local paths or smb://user@host[:port]/share/path URIs (password from the
// EXTENT_LENS_SMB_PASSWORD environment variable, or a provider the extension installs).

export * from './types';
export * from './errors';
export type * from './space-types';
export type * from './dedupe-types';
export { groupTotals, isApplied, lockedInAdvice } from './dedupe-types';
export { shellQuoted } from './shell-quoted';
export { createEngine } from './engine';
export { punchParts } from './punch-parts';
export { kindOf, notRegularError } from './file-kind';
export type { Engine, EngineOptions, MapOptions, SpaceRunOptions } from './engine';
// The one map format (engine.mapPacked): columns, engine flag bits and their names, the
// optional refcount column, and the converters to and from Extent objects. The same module is
// dependency-free and may be imported directly where start-up time matters (see its header).
export type { PackedExtentMap, PackedExtents } from './map-format';
export { EXTENT_FLAG, EXTENT_FLAG_ALL, extentFlagBits, extentFlagNames, packExtents, unpackExtents } from './map-format';
// The host's settings on the SMB client (loaded on first call, never by importing this index).
export { configureSmbAllowUnsignedLegacy, configureSmbPasswords, closeSmbConnections, reconnectSmbAccount } from './smb-hooks';
export type { SmbLogonVerdict, SmbPasswordProvider, SmbTargetInfo } from './smb-hooks';
// The SMB file API for a file system provider (stat, list, read, write, rename, delete, watch),
// loaded on first call like the hooks above.
export { smbFiles } from './smb-files';
export type * from './smb-files';
