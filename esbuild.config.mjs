// Builds every bundle Extent Lens ships, in one place:
//  - dist/extension.js   the VS Code extension host entry (CommonJS, `vscode` external)
//  - dist/worker.js      the engine worker thread (long native loops run here, off the host's main thread)
//  - dist/cli.js         the `extent-lens` command-line front end over the same engine
//  - dist/webview/*.js   the webview UIs (browser, IIFE), plus their CSS and the codicon font
//
// koffi 3.x: its documented esbuild recipe (for 2.x) fails, so we keep koffi's CommonJS entry
// resolvable and leave the per-platform binary packages (@koromix/*) external; the VSIX ships
// node_modules/@koromix/<platform> next to dist/ (see scripts/package.mjs and docs/facts/koffi.md#bundling-and-packaging).
import * as esbuild from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';

const watch = process.argv.includes('--watch');
const minify = process.argv.includes('--minify');
const root = path.dirname(new URL(import.meta.url).pathname);

const nodeCommon = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: true,
  minify,
  external: ['vscode', '@koromix/*'],
  logLevel: 'warning',
};

/** The entry points, each of which must exist: a renamed one fails the build instead of leaving its bundle out. */
const existing = (entries) => {
  for (const f of Object.values(entries)) if (!fs.existsSync(path.join(root, f))) throw new Error(`esbuild: entry point ${f} is missing`);
  return entries;
};

const builds = [
  { ...nodeCommon, entryPoints: existing({ extension: 'src/extension.ts' }), outdir: 'dist' },
  { ...nodeCommon, entryPoints: existing({ worker: 'src/engine/worker.ts' }), outdir: 'dist' },
  { ...nodeCommon, entryPoints: existing({ cli: 'src/cli/main.ts' }), outdir: 'dist', banner: { js: '#!/usr/bin/env node' } },
  {
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    sourcemap: true,
    minify,
    entryPoints: existing({ inspector: 'webview/inspector/main.ts', cloneResults: 'webview/clone-results/main.ts', space: 'webview/space/main.ts', dedupe: 'webview/dedupe/main.ts' }),
    outdir: 'dist/webview',
    loader: { '.css': 'css' },
    logLevel: 'warning',
  },
];

/** Static assets the webviews load through asWebviewUri (codicons font + css). */
function copyAssets() {
  const out = path.join(root, 'dist', 'media');
  fs.mkdirSync(out, { recursive: true });
  const codicons = path.join(root, 'node_modules', '@vscode', 'codicons', 'dist');
  // (missing: the webviews would draw no icons; npm ci installs @vscode/codicons)
  for (const f of ['codicon.css', 'codicon.ttf']) fs.copyFileSync(path.join(codicons, f), path.join(out, f));
}

if (watch) {
  // a first build now (so dist/cli.js exists to be made executable), then rebuilds on change
  for (const b of builds) {
    const ctx = await esbuild.context(b);
    await ctx.rebuild();
    await ctx.watch();
  }
  copyAssets();
  fs.chmodSync(path.join(root, 'dist', 'cli.js'), 0o755);
  console.log('esbuild: watching');
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
  copyAssets();
  fs.chmodSync(path.join(root, 'dist', 'cli.js'), 0o755);
}
