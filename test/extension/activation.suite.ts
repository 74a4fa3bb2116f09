// The extension loads in a real VS Code, activates, and registers every command it declares.
import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { activateExtension, EXTENSION_ID } from './helpers';

suite('activation', () => {
  test('Extent Lens activates and returns its test API', async () => {
    const { ext, api } = await activateExtension();
    assert.equal(ext.isActive, true);
    assert.equal(ext.packageJSON.name, 'extent-lens');
    assert.ok(Array.isArray(api.cloneSelection()), 'cloneSelection() returns an array');
    assert.ok(Array.isArray(api.openInspectors()), 'openInspectors() returns an array');
    // The extension must run where the files are: the Node (remote/workspace) extension host.
    assert.equal(ext.extensionKind, vscode.ExtensionKind.Workspace);
    assert.equal(typeof process.versions.node, 'string');
  });

  test('every command in package.json contributes.commands is registered', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    const declared = (ext.packageJSON.contributes?.commands ?? []).map((c: { command: string }) => c.command) as string[];
    assert.ok(declared.length >= 12, `package.json declares only ${declared.length} commands`);
    const registered = new Set(await vscode.commands.getCommands(true));
    const missing = declared.filter((c) => !registered.has(c));
    assert.deepEqual(missing, [], `declared but not registered: ${missing.join(', ')}`);
  });

  test('the inspector custom editor is declared', () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    const editors = (ext.packageJSON.contributes?.customEditors ?? []) as Array<{ viewType: string; displayName: string; priority?: string }>;
    const inspector = editors.find((e) => e.viewType === 'extentLens.inspector');
    assert.ok(inspector, 'contributes.customEditors has extentLens.inspector');
    assert.equal(inspector.priority ?? 'default', 'option', 'the inspector is opt-in (Reopen Editor With...), never the default editor');
  });
});
