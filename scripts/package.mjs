#!/usr/bin/env node
// npm run package: platform-specific VSIX files, each holding only its own koffi binary.
//
//   node scripts/package.mjs                         all targets (linux-x64 win32-x64 darwin-arm64 darwin-x64)
//   node scripts/package.mjs --target linux-x64      one target (repeatable)
//   node scripts/package.mjs --out DIR --no-build    write to DIR (default out/vsix); reuse dist/
//   node scripts/package.mjs --l10n-only             only regenerate l10n/bundle.l10n.json
//
// Why a staging folder: vsce collects production dependencies with `npm list`, and this
// repository's node_modules holds koffi plus every platform binary that happens to be
// installed. Each target gets a clean folder with the bundles (dist/), media, l10n, the
// manifest whose only dependency is @koromix/koffi-<target>, and that one package. koffi's JS
// is already inside dist/*.js (esbuild); at run time it requires @koromix/koffi-<os>-<arch>,
// which resolves to extension/node_modules next to dist/.
//
// Binary packages for targets not installed here are fetched with
// `npm pack @koromix/koffi-<target>@<koffi's version>` into node_modules/.cache/extent-lens-koffi
// and unpacked there (the registry is the only network this needs).

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const TARGETS = ['linux-x64', 'win32-x64', 'darwin-arm64', 'darwin-x64'];

function parseArgs(argv) {
  const o = { targets: [], out: path.join(root, 'out', 'vsix'), build: true, l10nOnly: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--target') o.targets.push(argv[++i]);
    else if (a === '--out') o.out = path.resolve(argv[++i]);
    else if (a === '--no-build') o.build = false;
    else if (a === '--l10n-only') o.l10nOnly = true;
    else throw new Error(`package.mjs: unknown argument ${a}`);
  }
  if (o.targets.length === 0) o.targets = [...TARGETS];
  for (const t of o.targets) if (!TARGETS.includes(t)) throw new Error(`package.mjs: unknown target ${t}; known: ${TARGETS.join(', ')}`);
  return o;
}

const readJson = (p) => JSON.parse(fs.readFileSync(p, 'utf8'));
const log = (m) => console.log(`package: ${m}`);

/** The strings passed to vscode.l10n.t / t(...) in the extension and the webviews (which get the bundle in their initial state), for l10n/bundle.l10n.json. */
export function extractL10nStrings(dirs = ['src/commands', 'src/host', 'src/views', 'src/extension.ts', 'webview']) {
  const files = [];
  const walk = (p) => {
    const full = path.join(root, p);
    if (!fs.existsSync(full)) return;
    if (fs.statSync(full).isDirectory()) for (const f of fs.readdirSync(full)) walk(path.join(p, f));
    else if (p.endsWith('.ts')) files.push(full);
  };
  dirs.forEach(walk);
  const strings = new Map();
  // t('...') / l10n.t('...') with a literal first argument: single-quoted (the code's style), or
  // double-quoted where the text holds an apostrophe (Prettier's choice then)
  const re = /(?:\bl10n\.t|(?<![\w.])t)\(\s*(?:'((?:[^'\\\n]|\\.)*)'|"((?:[^"\\\n]|\\.)*)")/g;
  for (const f of files) {
    const text = fs.readFileSync(f, 'utf8');
    for (const m of text.matchAll(re)) {
      const s =
        m[1] !== undefined ? m[1].replace(/\\'/g, "'").replace(/\\\\/g, '\\') : m[2].replace(/\\"/g, '"').replace(/\\\\/g, '\\');
      strings.set(s, s);
    }
  }
  return Object.fromEntries([...strings.entries()].sort(([a], [b]) => a.localeCompare(b)));
}

/** Write the bundle into `dir` (default the repository's l10n/); returns the string count. */
function writeL10nBundle(dir = path.join(root, 'l10n')) {
  const bundle = extractL10nStrings();
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'bundle.l10n.json'), JSON.stringify(bundle, null, 2) + '\n');
  return Object.keys(bundle).length;
}

/** The folder holding @koromix/koffi-<target> at koffi's version: installed, cached, or fetched now. */
function koffiBinaryPackage(target, version) {
  const name = `@koromix/koffi-${target}`;
  const installed = path.join(root, 'node_modules', '@koromix', `koffi-${target}`);
  if (fs.existsSync(path.join(installed, 'package.json')) && readJson(path.join(installed, 'package.json')).version === version) return installed;
  const cache = path.join(root, 'node_modules', '.cache', 'extent-lens-koffi');
  const unpacked = path.join(cache, `koffi-${target}-${version}`);
  if (fs.existsSync(path.join(unpacked, 'package.json'))) return unpacked;
  fs.mkdirSync(cache, { recursive: true });
  log(`fetching ${name}@${version} (npm pack)`);
  const out = execFileSync('npm', ['pack', `${name}@${version}`, '--pack-destination', cache, '--silent'], { cwd: cache, encoding: 'utf8' }).trim().split('\n').pop();
  const tgz = path.join(cache, out);
  const tmp = fs.mkdtempSync(path.join(cache, 'unpack-'));
  execFileSync('tar', ['-xzf', tgz, '-C', tmp]);
  fs.renameSync(path.join(tmp, 'package'), unpacked);
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.rmSync(tgz, { force: true });
  return unpacked;
}

/**
 * Parts of a binary package a target does not need at run time: the musl build inside the
 * linux packages (Alpine is its own VSIX target), the Windows import library, the README.
 */
function unneeded(target, name, isDir) {
  if (isDir) return target.startsWith('linux-') && name.startsWith('musl_');
  return name.endsWith('.lib') || name === 'README.md';
}

function copyDir(from, to, filter = () => true) {
  fs.mkdirSync(to, { recursive: true });
  for (const e of fs.readdirSync(from, { withFileTypes: true })) {
    const s = path.join(from, e.name);
    const d = path.join(to, e.name);
    if (!filter(s, e)) continue;
    if (e.isDirectory()) copyDir(s, d, filter);
    else if (e.isFile()) fs.copyFileSync(s, d);
  }
}

function stageTarget(target, stage, koffiVersion) {
  const pkg = readJson(path.join(root, 'package.json'));
  const binName = `@koromix/koffi-${target}`;
  // Only the binary package is a runtime dependency: koffi's JS is bundled into dist/.
  pkg.dependencies = { [binName]: koffiVersion };
  delete pkg.devDependencies;
  delete pkg.scripts;
  fs.writeFileSync(path.join(stage, 'package.json'), JSON.stringify(pkg, null, 2) + '\n');
  for (const f of fs.readdirSync(root)) {
    if (/^package\.nls(\..+)?\.json$/.test(f) || /^(CHANGELOG|LICENSE)(\.md|\.txt)?$/i.test(f) || f === '.vscodeignore') fs.copyFileSync(path.join(root, f), path.join(stage, f));
  }
  const readme = path.join(root, 'README.md');
  if (fs.existsSync(readme)) fs.copyFileSync(readme, path.join(stage, 'README.md'));
  else fs.writeFileSync(path.join(stage, 'README.md'), `# ${pkg.name}\n\nSee docs/EXTENSION.md in the repository.\n`);
  if (!fs.existsSync(path.join(stage, 'LICENSE')) && !fs.existsSync(path.join(stage, 'LICENSE.md')) && pkg.license === 'MIT') {
    fs.writeFileSync(path.join(stage, 'LICENSE.txt'), 'MIT License. See the repository for the full text.\n');
  }
  copyDir(path.join(root, 'dist'), path.join(stage, 'dist'), (s) => !s.endsWith('.map'));
  for (const d of ['media', 'l10n']) if (fs.existsSync(path.join(root, d))) copyDir(path.join(root, d), path.join(stage, d));
  // The shipped English bundle is extracted from the source being packed (never stale).
  writeL10nBundle(path.join(stage, 'l10n'));
  const bin = koffiBinaryPackage(target, koffiVersion);
  copyDir(bin, path.join(stage, 'node_modules', '@koromix', `koffi-${target}`), (s, e) => !unneeded(target, e.name, e.isDirectory()));
}

/**
 * README links to docs/ that are not shipped: point them at the repository (vsce can only
 * guess that for GitHub/GitLab URLs), or leave them alone when there is no web URL.
 */
function readmeLinkArgs(pkg) {
  const url = typeof pkg.repository === 'string' ? pkg.repository : pkg.repository?.url;
  if (!url || !/^https?:\/\//.test(url)) return ['--no-rewrite-relative-links'];
  const base = url.replace(/\.git$/, '');
  return ['--baseContentUrl', `${base}/blob/HEAD/`, '--baseImagesUrl', `${base}/raw/HEAD/`];
}

function vsce(stage, target, outFile) {
  const cli = path.join(root, 'node_modules', '@vscode', 'vsce', 'vsce');
  const pkg = readJson(path.join(stage, 'package.json'));
  execFileSync(process.execPath, [cli, 'package', '--target', target, '--out', outFile, '--skip-license', '--allow-missing-repository', ...readmeLinkArgs(pkg)], {
    cwd: stage,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
}

async function main(argv = process.argv.slice(2)) {
  const o = parseArgs(argv);
  if (o.l10nOnly) {
    log(`l10n/bundle.l10n.json: ${writeL10nBundle()} strings`);
    return [];
  }
  if (o.build) {
    log('building (minified)');
    execFileSync(process.execPath, [path.join(root, 'esbuild.config.mjs'), '--minify'], { cwd: root, stdio: 'inherit' });
  }
  for (const f of ['extension.js', 'worker.js', 'cli.js']) {
    if (!fs.existsSync(path.join(root, 'dist', f))) throw new Error(`package.mjs: dist/${f} is missing; run npm run build`);
  }
  const koffiVersion = readJson(path.join(root, 'node_modules', 'koffi', 'package.json')).version;
  const pkg = readJson(path.join(root, 'package.json'));
  fs.mkdirSync(o.out, { recursive: true });
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'el-extension-pkg-'));
  const outputs = [];
  try {
    for (const target of o.targets) {
      const stage = path.join(work, target);
      fs.mkdirSync(stage);
      stageTarget(target, stage, koffiVersion);
      const outFile = path.join(o.out, `${pkg.name}-${pkg.version}-${target}.vsix`);
      vsce(stage, target, outFile);
      log(`${path.relative(root, outFile) || outFile}: ${(fs.statSync(outFile).size / 1024).toFixed(0)} KiB`);
      outputs.push(outFile);
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
  return outputs;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
