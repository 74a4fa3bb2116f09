// Compiles the in-VS-Code mocha suite (test/extension/*.ts) to out/test-extension/*.js, one
// CommonJS file per entry, for VS Code's extension-test hook (code-server ?payload= or
// @vscode/test-electron). `vscode` is provided by the extension host; mocha is loaded from
// node_modules at run time (its CommonJS build, see index.ts), so neither is bundled.
//   node test/extension/build.mjs
import * as esbuild from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';

const here = path.dirname(new URL(import.meta.url).pathname);
const root = path.resolve(here, '..', '..');
export const outDir = path.join(root, 'out', 'test-extension');

const entries = fs.readdirSync(here).filter((f) => f === 'index.ts' || f === 'run-electron.ts' || f.endsWith('.suite.ts'));
fs.rmSync(outDir, { recursive: true, force: true });
await esbuild.build({
  entryPoints: entries.map((f) => path.join(here, f)),
  outdir: outDir,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: 'inline',
  external: ['vscode', 'mocha', 'mocha/*', '@vscode/test-electron', 'koffi', '@koromix/*'],
  logLevel: 'warning',
});
console.log(`built ${entries.length} files into ${path.relative(root, outDir)}`);
