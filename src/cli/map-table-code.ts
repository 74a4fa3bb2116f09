// Compiles the WebAssembly program behind `extent-lens map`'s table (src/cli/map-table.wat)
// into the bytes the CLI loads (src/cli/map-table-wasm.ts, base64):
//
//   node --import tsx src/cli/map-table-code.ts      (rewrites src/cli/map-table-wasm.ts)
//
// The CLI never compiles at run time: wabt is a development dependency only (loading it and
// compiling takes ~90 ms here). test/cli/map-table.test.ts fails when the stored bytes differ
// from what the .wat compiles to.
//
// The .wat names its memory addresses {{NAME}} / {{NAME+N}}; the numbers come from
// map-table-layout.ts, which the driver (map-table.ts) uses too: one source for the layout.

import * as fs from 'node:fs';
import * as path from 'node:path';
import wabt from 'wabt';
import * as layout from './map-table-layout';

const WAT = path.join(__dirname, 'map-table.wat');

/** The names the .wat may use: every number in map-table-layout.ts, and J_X_AT / J_X_LEN for each --json piece J_X. */
export function layoutConstants(): Map<string, number> {
  const names = new Map<string, number>();
  for (const [name, value] of Object.entries(layout)) {
    if (typeof value !== 'number') continue;
    names.set(name, value);
    if (name.startsWith('J_')) {
      const text = layout.JSON_TEXT[value];
      if (text.length > layout.JSON_TEXT_STRIDE) throw new Error(`${name}: longer than JSON_TEXT_STRIDE`);
      names.set(`${name}_AT`, layout.JSON_TEXT_AT + layout.JSON_TEXT_STRIDE * value);
      names.set(`${name}_LEN`, text.length);
    }
  }
  return names;
}

/** The .wat with the layout's numbers in place of {{NAME}} and {{NAME+N}} (comments left as written). */
export function tableModuleWat(wat = fs.readFileSync(WAT, 'utf8')): string {
  const names = layoutConstants();
  return wat
    .split('\n')
    .map((line, n) => {
      const cut = line.indexOf(';;');
      const code = cut < 0 ? line : line.slice(0, cut);
      const filled = code.replace(/\{\{(\w+)(?:\+(\d+))?\}\}/g, (_, name: string, plus?: string) => {
        const v = names.get(name);
        if (v === undefined) throw new Error(`map-table.wat:${n + 1}: no layout constant ${name}`);
        return String(v + Number(plus ?? 0));
      });
      if (filled.includes('{{')) throw new Error(`map-table.wat:${n + 1}: malformed {{...}}`);
      return cut < 0 ? filled : filled + line.slice(cut);
    })
    .join('\n');
}

/** The module's bytes, compiled by wabt and checked by wabt and by this Node's WebAssembly. */
export async function tableModuleBytes(): Promise<Uint8Array<ArrayBuffer>> {
  const mod = (await wabt()).parseWat('map-table.wat', tableModuleWat());
  try {
    mod.validate();
    const bytes = new Uint8Array(mod.toBinary({}).buffer);
    new WebAssembly.Module(bytes); // throws if V8 would not load it
    return bytes;
  } finally {
    mod.destroy();
  }
}

/** The text of src/cli/map-table-wasm.ts for the current program. */
export async function tableModuleSource(): Promise<string> {
  const b64 = Buffer.from(await tableModuleBytes()).toString('base64');
  const lines = b64.match(/.{1,96}/g) ?? [];
  return (
    '// Generated from src/cli/map-table.wat by `node --import tsx src/cli/map-table-code.ts`: do not edit.\n' +
    '// The WebAssembly module of the map table writer (src/cli/map-table.ts), base64.\n\n' +
    'export const TABLE_WASM_BASE64 =\n' +
    lines.map((l, i) => `  '${l}'` + (i === lines.length - 1 ? ';' : ' +')).join('\n') +
    '\n'
  );
}

if (require.main === module) {
  tableModuleSource().then(
    (text) => fs.writeFileSync(path.join(__dirname, 'map-table-wasm.ts'), text),
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      process.exitCode = 1;
    },
  );
}
