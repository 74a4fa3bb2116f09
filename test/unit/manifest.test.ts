// The extension's manifest and translations, without VS Code: every command declared, categorised
// and localised; mutating commands need a trusted workspace wherever they are shown; the
// read-only custom editor; settings; every input box stays open when focus moves; every string
// passed to l10n.t is in l10n/bundle.l10n.json, and every package.nls.<lang>.json translates
// exactly the keys of package.nls.json.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { COMMANDS, MUTATING_COMMANDS, INSPECTOR_VIEW_TYPE } from '../../src/host/logic/contributions';
import { plainT } from '../../src/host/logic/translate';
import { READ_ONLY_ITEMS } from '../../src/host/logic/read-only-items';

test('every input box and quick pick of a command stays open when focus moves (ignoreFocusOut)', () => {
  // A flow of several inputs must not end, or lose its typed text, because a webview or another
  // part of the window took focus for a moment: each call sets ignoreFocusOut: true, and every
  // widget of a multi-step flow (src/host/multi-step-input.ts) sets it too.
  const dir = path.join(__dirname, '..', '..', 'src', 'commands');
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.ts'));
  let seen = 0;
  for (const f of files) {
    const text = fs.readFileSync(path.join(dir, f), 'utf8');
    const calls = [...text.matchAll(/window\.(showInputBox|showQuickPick)\(/g)];
    // Two questions in a row as separate calls close the quick input between them, and the focus
    // falls back to the editor (the inspector webview takes the keys typed then): a command that
    // asks more than once uses one InputFlow session instead.
    assert.ok(
      calls.length <= 1,
      `${f} asks ${calls.length} times with showInputBox/showQuickPick: use InputFlow (src/host/multi-step-input.ts)`,
    );
    for (const m of calls) {
      // the call's text: up to its closing parenthesis at the same depth
      let depth = 0;
      let end = m.index + m[0].length - 1;
      for (; end < text.length; end++) {
        if (text[end] === '(') depth++;
        else if (text[end] === ')' && --depth === 0) break;
      }
      assert.match(text.slice(m.index, end), /ignoreFocusOut: true/, `${f}: ${m[1]} at ${text.slice(0, m.index).split('\n').length}`);
      seen++;
    }
  }
  const flow = fs.readFileSync(path.join(__dirname, '..', '..', 'src', 'host', 'multi-step-input.ts'), 'utf8');
  for (const m of flow.matchAll(/const (\w+) = (?:this\.track\()?vscode\.window\.create(InputBox|QuickPick)/g)) {
    assert.match(
      flow.slice(m.index, m.index + 400),
      new RegExp(`${m[1]}\\.ignoreFocusOut = true;`),
      `multi-step-input.ts: ${m[2]} ${m[1]}`,
    );
    seen++;
  }
  assert.ok(seen >= 3, `found ${seen} inputs`);
  for (const f of ['clone-range.ts', 'punch-hole.ts'])
    assert.match(fs.readFileSync(path.join(dir, f), 'utf8'), /new InputFlow\(/, `${f} asks through one InputFlow`);
});

// ---- the manifest ------------------------------------------------------------------------

const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8'));
const nls = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.nls.json'), 'utf8'));

test('manifest: every command declared, categorised, localised', () => {
  const declared = pkg.contributes.commands.map((c: { command: string }) => c.command).sort();
  assert.deepEqual(declared, Object.values(COMMANDS).sort());
  for (const c of pkg.contributes.commands) {
    assert.equal(c.category, 'Extent Lens', 'the product name is the category, untranslated');
    const key = /^%(.+)%$/.exec(c.title)?.[1];
    assert.ok(key && typeof nls[key] === 'string', `${c.command} title is localisable`);
  }
  assert.deepEqual(pkg.activationEvents, ['onFileSystem:smb'], 'activation is implicit (commands, custom editor), and on an smb: resource');
  assert.deepEqual(pkg.extensionKind, ['workspace']);
  assert.equal(pkg.capabilities.virtualWorkspaces.supported, 'limited', 'a window whose only folder is an SMB share works');
  assert.equal(pkg.capabilities.untrustedWorkspaces.supported, 'limited');
});

test('manifest: mutating commands need a trusted workspace wherever they are shown', () => {
  const menus = pkg.contributes.menus as Record<string, Array<{ command?: string; when?: string }>>;
  for (const id of MUTATING_COMMANDS) {
    let shown = 0;
    for (const [menu, items] of Object.entries(menus)) {
      for (const item of items.filter((i) => i.command === id)) {
        shown++;
        assert.match(item.when ?? '', /\bisWorkspaceTrusted\b/, `${id} in ${menu}`);
      }
    }
    assert.ok(shown >= 1, `${id} appears in at least the command palette`);
  }
  const palette = menus.commandPalette.map((i) => i.command);
  for (const id of Object.values(COMMANDS)) assert.ok(palette.includes(id), `${id} has a palette entry`);
  const ex = menus['explorer/context'];
  // what changes the file (or the folder) it is shown on is not offered where VS Code shows that
  // resource read-only (a read-only SMB share, files.readonlyInclude): a trial met Punch Hole on
  // a read-only share, offered and then refused
  const explorerItems = [...ex, ...menus['extentLens.explorer']];
  // VS Code's Explorer does not see a share's read-only-ness (its items come from readDirectory),
  // so the smb: provider says it in a context key (src/host/logic/read-only-items.ts)
  for (const id of [COMMANDS.cloneHere, COMMANDS.punchHole, COMMANDS.digHoles, COMMANDS.setSparse, COMMANDS.clearSparse]) {
    const when = explorerItems.find((i) => i.command === id)!.when!;
    assert.match(when, /&& !explorerResourceReadonly\b/, id);
    assert.match(when, new RegExp(`&& resource not in ${READ_ONLY_ITEMS.replace('.', '\\.')}$`), id);
  }
  // reading it is fine there: a clone or copy of it goes elsewhere
  for (const id of [COMMANDS.selectForClone, COMMANDS.cloneTo, COMMANDS.cloneRange, COMMANDS.serverSideCopy, COMMANDS.inspect])
    assert.doesNotMatch(explorerItems.find((i) => i.command === id)!.when!, /explorerResourceReadonly|readOnlyItems/, id);
  assert.match(ex.find((i) => i.command === COMMANDS.selectForClone)!.when!, /!explorerResourceIsFolder/);
  assert.match(ex.find((i) => i.command === COMMANDS.cloneHere)!.when!, /(^|[^!])explorerResourceIsFolder/);
  const tab = menus['editor/title/context'].map((i) => i.command);
  assert.ok(tab.includes(COMMANDS.inspect) && tab.includes(COMMANDS.selectForClone));
  assert.match(menus.commandPalette.find((i) => i.command === COMMANDS.clearCloneSelection)!.when!, /extentLens\.hasCloneSelection/);
  // the palette acts on the active inspector panel's file (a panel has no resource of its own)
  assert.match(
    menus.commandPalette.find((i) => i.command === COMMANDS.selectForClone)!.when!,
    /activeWebviewPanelId == 'extentLens\.inspectorPanel'/,
  );
});

test('manifest: Set / Clear Sparse are offered where a sparse attribute exists: Windows files and SMB shares, not Linux or macOS files', () => {
  const menus = pkg.contributes.menus as Record<string, Array<{ command?: string; when?: string }>>;
  for (const id of [COMMANDS.setSparse, COMMANDS.clearSparse]) {
    const ex = menus['extentLens.explorer'].find((i) => i.command === id)!.when!;
    assert.match(ex, /\(resourceScheme == smb \|\| isWindows && resourceScheme == file\)/, `${id}: ${ex}`);
    // the palette acts on the active editor's file: on a share from Linux too (it was hidden there)
    assert.match(
      menus.commandPalette.find((i) => i.command === id)!.when!,
      /\(isWindows \|\| resourceScheme == smb\)/,
      `${id} in the palette`,
    );
  }
});

test('manifest: read-only custom editor offered for any file, never by default', () => {
  const ed = pkg.contributes.customEditors.find((e: { viewType: string }) => e.viewType === INSPECTOR_VIEW_TYPE);
  assert.ok(ed);
  assert.equal(ed.priority, 'option');
  assert.deepEqual(ed.selector, [{ filenamePattern: '*' }]);
  assert.equal(nls[/^%(.+)%$/.exec(ed.displayName)![1]], 'Extent Lens Inspector');
});

test('manifest: settings', () => {
  const p = pkg.contributes.configuration.properties;
  assert.deepEqual(p['extentLens.clone.onExisting'].enum, ['ask', 'rename', 'overwrite']);
  assert.equal(p['extentLens.clone.onExisting'].default, 'ask');
  assert.equal(p['extentLens.inspector.autoRefresh'].default, true);
  assert.deepEqual(p['extentLens.inspector.mapDetail'].enum, ['auto', 'exact', 'ranges']);
  for (const v of Object.values(p) as Array<Record<string, unknown>>) {
    const d = String(v.markdownDescription ?? v.description);
    assert.ok(nls[/^%(.+)%$/.exec(d)![1]], `setting description ${d} is localised`);
  }
});

// The Settings editor draws a text box, number box, checkbox or drop-down only for a setting of one
// type (or one type and null); any other union is shown as "Edit in settings.json" alone.
test('manifest: every setting can be edited in the Settings editor (one type, not a union)', () => {
  const p = pkg.contributes.configuration.properties as Record<string, { type: unknown }>;
  for (const [id, v] of Object.entries(p)) {
    const types = (Array.isArray(v.type) ? v.type : [v.type]).filter((x) => x !== 'null');
    assert.equal(types.length, 1, `${id} has the type ${JSON.stringify(v.type)}: the Settings editor offers only "Edit in settings.json"`);
  }
});

test('translation placeholders', () => {
  assert.equal(plainT('{0} of {1}, {0}', 'a', 2), 'a of 2, a');
  assert.equal(plainT('{3}', 'a'), '{3}');
});

test('l10n/bundle.l10n.json lists every string the extension passes to l10n.t', async () => {
  const { extractL10nStrings } = await import('../../scripts/package.mjs');
  const current = extractL10nStrings();
  const bundle = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'l10n', 'bundle.l10n.json'), 'utf8'));
  assert.ok(Object.keys(current).length > 50);
  assert.deepEqual(bundle, current, 'run `node scripts/package.mjs --l10n-only` to regenerate l10n/bundle.l10n.json');
  assert.equal(pkg.l10n, './l10n');
});

test('every package.nls.<lang>.json translates exactly the keys of package.nls.json', () => {
  const root = path.join(__dirname, '..', '..');
  const keys = Object.keys(nls).sort();
  const langs = fs.readdirSync(root).filter((f) => /^package\.nls\.[a-z-]+\.json$/i.test(f));
  assert.ok(langs.length >= 1);
  for (const f of langs) {
    const tr = JSON.parse(fs.readFileSync(path.join(root, f), 'utf8'));
    assert.deepEqual(Object.keys(tr).sort(), keys, f);
    for (const k of keys) assert.ok(typeof tr[k] === 'string' && tr[k].length > 0, `${f}: ${k}`);
  }
  // every %key% used in package.json exists
  const used = [...JSON.stringify(pkg).matchAll(/"%([^%"]+)%"/g)].map((m) => m[1]);
  for (const k of used) assert.ok(k in nls, `package.json uses %${k}%`);
});
