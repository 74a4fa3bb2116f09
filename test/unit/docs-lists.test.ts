// The docs' lists stay complete: docs/EXTENSION.md's layout names every host, command and view
// file and documents every contributed command and setting; docs/CLI.md documents every
// subcommand, option and EXTENT_LENS_* variable the CLI reads, and names every src/cli file and
// test/cli test; docs/ENGINE.md's error table has every engine code; README.md names every npm
// script. (A file, flag, code or script added without its line left the docs a step behind.)

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { COMMANDS } from '../../src/cli/commands';
import { COMMON_OPTIONS } from '../../src/cli/command';

const root = path.resolve(__dirname, '../..');
const read = (f: string): string => fs.readFileSync(path.join(root, f), 'utf8');
const tsFiles = (dir: string): string[] =>
  fs
    .readdirSync(path.join(root, dir))
    .filter((f) => f.endsWith('.ts'))
    .sort();

test('docs/EXTENSION.md: the layout names every file under src/host, src/commands and src/views', () => {
  const doc = read('docs/EXTENSION.md');
  const layout = doc.slice(doc.indexOf('## Layout'), doc.indexOf('## Commands'));
  const dirs = ['src/host', 'src/host/logic', 'src/commands', 'src/commands/logic', 'src/views'];
  const missing = dirs.flatMap((d) =>
    tsFiles(d)
      .filter((f) => !new RegExp(`(^|[\\s,])${f.replace(/\./g, '\\.')}\\b`, 'm').test(layout))
      .map((f) => `${d}/${f}`),
  );
  assert.deepEqual(missing, []);
});

test('docs/EXTENSION.md: every contributed command and setting is documented', () => {
  const doc = read('docs/EXTENSION.md');
  const contributes = JSON.parse(read('package.json')).contributes as {
    commands: { command: string }[];
    configuration: { properties: Record<string, unknown> };
  };
  const ids = [...contributes.commands.map((c) => c.command), ...Object.keys(contributes.configuration.properties)];
  // A pair shares a row: `extentLens.setSparse` / `clearSparse`.
  const missing = ids.filter((id) => !doc.includes('`' + id + '`') && !doc.includes('`' + id.replace(/^extentLens\./, '') + '`'));
  assert.deepEqual(missing, []);
});

test('docs/CLI.md: every subcommand, option, --help example and EXTENT_LENS_* variable of the CLI is documented', () => {
  const doc = read('docs/CLI.md');
  const missing: string[] = [];
  for (const c of COMMANDS) {
    if (!new RegExp(`^### .*\\b${c.name}\\b`, 'm').test(doc)) missing.push(`### ${c.name}`);
    for (const o of Object.keys({ ...c.options, ...COMMON_OPTIONS })) if (!doc.includes(`--${o}`)) missing.push(`${c.name} --${o}`);
    for (const x of c.examples) if (!doc.includes('`' + x.command + '`')) missing.push(`${c.name} example: ${x.command}`);
  }
  // The CLI's and the engine's variables (the engine reads the SMB ones for the CLI).
  const sources = ['src/cli', 'src/engine'].flatMap((d) =>
    (fs.readdirSync(path.join(root, d), { recursive: true }) as string[]).filter((f) => f.endsWith('.ts')).map((f) => read(`${d}/${f}`)),
  );
  // what the command line takes before any subcommand (src/cli/main.ts)
  for (const flag of ['--help', '-h', '--version', '-V']) if (!new RegExp(`(^|[\\s\`(])${flag}\\b`, 'm').test(doc)) missing.push(flag);
  const vars = new Set(sources.flatMap((s) => s.match(/EXTENT_LENS_[A-Z0-9_]+/g) ?? []));
  for (const v of vars) if (!doc.includes('`' + v)) missing.push(v);
  assert.deepEqual(missing, []);
});

test('docs/CLI.md: names every src/cli file and every test/cli test', () => {
  const doc = read('docs/CLI.md');
  // commands/<subcommand>.ts and commands/index.ts are the table's "one file per subcommand".
  const subcommands = new Set(COMMANDS.map((c) => `${c.name}.ts`));
  const files = [...tsFiles('src/cli'), ...tsFiles('src/cli/commands').filter((f) => f !== 'index.ts' && !subcommands.has(f))];
  const tests = tsFiles('test/cli')
    .filter((f) => f.endsWith('.test.ts'))
    .map((f) => `test/cli/${f}`);
  assert.deepEqual(
    [...files, ...tests].filter((f) => !doc.includes('`' + f + '`') && !doc.includes('`commands/' + f + '`')),
    [],
  );
});

test('docs/ENGINE.md: the error table has a row for every engine code (E_…) the engine raises', () => {
  const doc = read('docs/ENGINE.md');
  const table = doc.slice(doc.indexOf('## Errors'), doc.indexOf('## Backends and extensions'));
  const files = (fs.readdirSync(path.join(root, 'src/engine'), { recursive: true }) as string[]).filter((f) => f.endsWith('.ts'));
  const codes = new Set(
    files.flatMap((f) => read(`src/engine/${f}`).match(/(?<=code: ')E_[A-Z_]+(?=')|(?<=['"])E_[A-Z_]+(?=['"],)/g) ?? []),
  );
  assert.deepEqual(
    [...codes].filter((c) => !table.includes('| `' + c + '`')),
    [],
  );
});

test('README.md: every npm script is named', () => {
  const doc = read('README.md');
  const scripts = Object.keys(JSON.parse(read('package.json')).scripts as Record<string, string>);
  assert.deepEqual(
    scripts.filter((s) => !doc.includes(`npm run ${s}`) && !((s === 'test' || s === 'start') && doc.includes(`npm ${s}`))),
    [],
  );
});
