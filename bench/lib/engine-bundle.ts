// The engine as it ships: bench/ measures in-process calls on an esbuild bundle of
// src/engine/index.ts built with the same options as dist/ (esbuild.config.mjs: node20, cjs,
// koffi bundled, its @koromix/* binaries external), not on the TypeScript sources run through
// tsx. tsx compiles with esbuild's keepNames, which wraps every function and closure in a
// naming helper: that made a 0.1 ms clone measurably slower than the shipped code (seen with
// --cpu-prof), so timing the sources would measure tsx, not the engine.

import { buildSync } from 'esbuild';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as EngineModule from '../../src/engine';

const ROOT = path.resolve(__dirname, '..', '..');

/** Build (every time: it takes ~0.3 s) and load the engine bundle. */
export function loadShippedEngine(): typeof EngineModule {
  // Inside node_modules so that the bundle's require('@koromix/...') resolves as from dist/.
  const out = path.join(ROOT, 'node_modules', '.cache', 'extent-lens-bench', 'engine.js');
  fs.mkdirSync(path.dirname(out), { recursive: true });
  buildSync({
    entryPoints: [path.join(ROOT, 'src', 'engine', 'index.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['vscode', '@koromix/*'],
    outfile: out,
    logLevel: 'warning',
  });
  return require(out) as typeof EngineModule;
}
