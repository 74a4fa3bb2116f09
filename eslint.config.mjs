// ESLint: the layer rules of docs/ARCHITECTURE.md, enforced (npm run lint, run by CI).
//
// The layer rule is a small local rule rather than a plugin: it resolves each relative import
// against the importing file (so `../../commands/ui` is judged by where it lands, not by its
// text) and checks the pair against LAYERS below. Import cycles are checked by
// scripts/check-import-cycles.mjs (it needs the whole graph, which a per-file rule never sees).
import path from 'node:path';
import fs from 'node:fs';
import { builtinModules } from 'node:module';
import tseslint from 'typescript-eslint';
import stylistic from '@stylistic/eslint-plugin';

const ROOT = path.dirname(new URL(import.meta.url).pathname);

/** The engine's public surface: the only engine files code outside src/engine may import. */
const ENGINE_INDEX = 'src/engine/index.ts';

/**
 * map-format.ts is part of the surface too: it is dependency-free, and the CLI's map writer and
 * the views import it directly so that a value import does not evaluate the whole engine index
 * (CLI start-up time; see the header of src/engine/map-format.ts).
 */
const MAP_FORMAT = 'src/engine/map-format.ts';

/**
 * os-path.ts too, for the CLI only: it is dependency-free, and the CLI decodes its raw argv with
 * it (surrogateescape) before the engine is loaded.
 */
const OS_PATH = 'src/engine/os-path.ts';

/**
 * Who may import whom. `from` and `to` are repo-relative path prefixes; a relative import from
 * a file under `from` may land only under one of `may` (its own layer always included).
 * Bare imports (npm packages, node: builtins) are checked by `forbidPackages`.
 */
const LAYERS = [
  // The UI in the webview: browser code. It speaks to the host only through src/protocol.
  { from: 'webview/', may: ['webview/', 'src/protocol/'], forbidPackages: ['node:*', 'vscode', 'koffi'] },
  // The wire vocabulary between host and webview, and the byte-size grammar: pure, no Node.
  { from: 'src/protocol/', may: ['src/protocol/'], forbidPackages: ['node:*', 'vscode', 'koffi'] },
  // The engine knows nothing of VS Code, the host, the views or the CLI.
  { from: 'src/engine/', may: ['src/engine/'], forbidPackages: ['vscode'] },
  // Host services shared by commands and views.
  { from: 'src/host/', may: ['src/host/', 'src/protocol/', ENGINE_INDEX, MAP_FORMAT], forbidPackages: ['koffi'] },
  { from: 'src/views/', may: ['src/views/', 'src/host/', 'src/protocol/', ENGINE_INDEX, MAP_FORMAT], forbidPackages: ['koffi'] },
  {
    from: 'src/commands/',
    may: ['src/commands/', 'src/views/', 'src/host/', 'src/protocol/', ENGINE_INDEX, MAP_FORMAT],
    forbidPackages: ['koffi'],
  },
  {
    from: 'src/extension.ts',
    may: ['src/commands/', 'src/views/', 'src/host/', 'src/protocol/', ENGINE_INDEX, MAP_FORMAT],
    forbidPackages: ['koffi'],
  },
  // The CLI: a front end over the engine's public surface; never VS Code.
  // package.json: the version `--version` prints.
  {
    from: 'src/cli/',
    may: ['src/cli/', 'src/protocol/', 'package.json', ENGINE_INDEX, MAP_FORMAT, OS_PATH],
    forbidPackages: ['vscode', 'koffi'],
  },
];

/** Inside the engine: the core never imports a backend statically (select-backend loads them). */
const ENGINE_INNER = [
  { from: 'src/engine/nt/', mayNot: ['src/engine/backends/'], why: 'nt/ is shared by the win32 and smb backends' },
  {
    from: 'src/engine/backends/',
    mayNot: ['src/engine/engine.ts', 'src/engine/operations.ts', 'src/engine/worker.ts', 'src/engine/select-backend.ts'],
    why: 'backends are primitives under the engine, never callers of it',
  },
];

/** Only these files load koffi: one per OS, and Linux's libxxhash (see docs/ARCHITECTURE.md). */
const KOFFI_FILES = [
  'src/engine/backends/linux/libc.ts',
  'src/engine/backends/linux/libxxhash.ts',
  'src/engine/backends/darwin/libc.ts',
  'src/engine/backends/win32/kernel32.ts',
  // Outside the product, three files call the OS without the backends on purpose: the bindings'
  // declarations checked with koffi's own parser, raw kernel32 calls to hold the win32 backend
  // against under Wine, and the bare-syscall floor that the clone benchmark compares with.
  'test/unit/bindings.test.ts',
  'test/wine/driver.ts',
  'bench/lib/raw-clone.ts',
];

function resolveImport(fromFile, spec) {
  const base = path.resolve(path.dirname(fromFile), spec);
  for (const c of [base, base + '.ts', base + '.d.ts', path.join(base, 'index.ts'), base + '.mjs', base + '.js']) {
    if (fs.existsSync(c) && fs.statSync(c).isFile()) return path.relative(ROOT, c);
  }
  return path.relative(ROOT, base);
}

function packageMatches(spec, pattern) {
  // 'node:*' also means the builtins named without the prefix ('fs', 'path/posix', …).
  if (pattern === 'node:*' && builtinModules.includes(spec.split('/')[0])) return true;
  if (pattern.endsWith('*')) return spec.startsWith(pattern.slice(0, -1));
  return spec === pattern || spec.startsWith(pattern + '/');
}

const layersRule = {
  meta: { type: 'problem', schema: [], messages: { layer: '{{msg}}' } },
  create(context) {
    const file = path.relative(ROOT, context.filename);
    const layer = LAYERS.find((l) => file.startsWith(l.from));
    const check = (node, spec) => {
      if (typeof spec !== 'string') return;
      const report = (msg) => context.report({ node, messageId: 'layer', data: { msg } });
      if (!spec.startsWith('.')) {
        if (spec === 'koffi' && !KOFFI_FILES.includes(file)) {
          report(`only ${KOFFI_FILES.join(', ')} may import koffi (docs/ARCHITECTURE.md)`);
        }
        if (layer?.forbidPackages?.some((p) => packageMatches(spec, p))) {
          report(`${layer.from} may not import '${spec}' (docs/ARCHITECTURE.md, Layers)`);
        }
        return;
      }
      const target = resolveImport(context.filename, spec);
      if (layer && !layer.may.some((m) => target === m || target.startsWith(m))) {
        report(`${layer.from} may not import ${target}: allowed are ${layer.may.join(', ')} (docs/ARCHITECTURE.md, Layers)`);
      }
      for (const inner of ENGINE_INNER) {
        if (file.startsWith(inner.from) && inner.mayNot.some((m) => target.startsWith(m))) {
          report(`${inner.from} may not import ${target}: ${inner.why}`);
        }
      }
    };
    return {
      ImportDeclaration: (n) => check(n, n.source.value),
      ExportNamedDeclaration: (n) => n.source && check(n, n.source.value),
      ExportAllDeclaration: (n) => check(n, n.source.value),
      ImportExpression: (n) => n.source.type === 'Literal' && check(n, n.source.value),
      // `import x = require('y')` (TypeScript's form), which is neither of the above
      TSImportEqualsDeclaration: (n) =>
        n.moduleReference.type === 'TSExternalModuleReference' &&
        n.moduleReference.expression.type === 'Literal' &&
        check(n, n.moduleReference.expression.value),
      CallExpression: (n) => {
        if (n.callee.type === 'Identifier' && n.callee.name === 'require' && n.arguments[0]?.type === 'Literal') {
          check(n, n.arguments[0].value);
        }
      },
    };
  },
};

export default tseslint.config(
  { ignores: ['dist/**', 'out/**', 'node_modules/**', 'test-results/**', '.vscode-test/**'] },
  {
    files: ['src/**/*.ts', 'webview/**/*.ts'],
    languageOptions: { parser: tseslint.parser },
    plugins: { local: { rules: { layers: layersRule } }, '@stylistic': stylistic, '@typescript-eslint': tseslint.plugin },
    rules: {
      'local/layers': 'error',
      '@stylistic/max-len': [
        'error',
        { code: 140, ignoreUrls: true, ignoreStrings: true, ignoreTemplateLiterals: true, ignoreRegExpLiterals: true },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Tests, benchmarks and scripts may reach into any layer (they test it), but load koffi only
    // through the backends, except the three KOFFI_FILES above.
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    languageOptions: { parser: tseslint.parser },
    plugins: { local: { rules: { layers: layersRule } }, '@typescript-eslint': tseslint.plugin },
    rules: { 'local/layers': 'error' },
  },
);
