// The layer rule of eslint.config.mjs (docs/ARCHITECTURE.md, Layers) run on code written as if in
// a file of each layer: every form of import is judged (a review found TypeScript's
// `import x = require('y')` passing unseen, and koffi imported that way outside the backends).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { ESLint } from 'eslint';

const ROOT = path.resolve(__dirname, '../..');
const eslint = new ESLint({ cwd: ROOT });

async function layerErrors(file: string, code: string): Promise<string[]> {
  const [r] = await eslint.lintText(code, { filePath: path.join(ROOT, file) });
  return r.messages.filter((m) => m.ruleId === 'local/layers').map((m) => m.message);
}

const FORMS: Array<[string, (spec: string) => string]> = [
  ['import', (s) => `import { x } from '${s}';\nexport const y = x;\n`],
  ['export from', (s) => `export { x } from '${s}';\n`],
  ['export * from', (s) => `export * from '${s}';\n`],
  ['import()', (s) => `export const y = import('${s}');\n`],
  ['require()', (s) => `export const y = require('${s}');\n`],
  ['import = require()', (s) => `import x = require('${s}');\nexport const y = x;\n`],
];

test('every form of import is judged by the layer rule', async () => {
  for (const [form, code] of FORMS) {
    const where = `src/views/layers-probe-${form.replace(/\W+/g, '-')}.ts`;
    assert.match(
      (await layerErrors(where, code('../engine/operations'))).join('\n'),
      /src\/views\/ may not import src\/engine\/operations\.ts/,
      form,
    );
    assert.match((await layerErrors(where, code('koffi'))).join('\n'), /may import koffi/, form);
    assert.deepEqual(await layerErrors(where, code('../host/ui')), [], `${form}: an allowed import`);
    assert.match((await layerErrors('webview/shared/layers-probe.ts', code('node:fs'))).join('\n'), /may not import 'node:fs'/, form);
  }
});

test('koffi: the backends and the three named test and bench files, nowhere else', async () => {
  const code = `import koffi = require('koffi');\nexport const y = koffi;\n`;
  for (const ok of ['src/engine/backends/linux/libc.ts', 'test/unit/bindings.test.ts', 'bench/lib/raw-clone.ts']) {
    assert.deepEqual(await layerErrors(ok, code), [], ok);
  }
  for (const not of ['src/engine/space.ts', 'test/unit/layers-probe.test.ts', 'bench/layers-probe.ts']) {
    assert.match((await layerErrors(not, code)).join('\n'), /may import koffi/, not);
  }
});
