// The SMB file system provider (src/host/smb-fs-provider.ts), in node with the stand-in `vscode`
// and a stand-in SMB file API (the real one against Samba: test/smb/files-samba.test.ts):
// - a watch that keeps failing the same way while it retries (a folder that is not there) logs
//   one warning, then its repeats as debug lines only; a new failure, or the watch working
//   again, is said once each (the trial's Output channel had ~20 such warnings a minute);
// - a save that could not keep the original's owner, group or mode is logged each time and
//   said on screen the first time on each server (the trial: a Ctrl+S made a 0644 file 0744).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type * as vscode from 'vscode';
import type { SmbFileApi, SmbWatchOptions } from '../../src/engine';
import { FakeExtension } from '../support/fake-extension';

const host = new FakeExtension();
const { fake } = host;
let Provider: typeof import('../../src/host/smb-fs-provider').SmbFileSystemProvider;

before(() => {
  host.install();
  ({ SmbFileSystemProvider: Provider } = require('../../src/host/smb-fs-provider'));
});
after(() => host.close());

test('one warning per distinct watch failure, repeats as debug lines', async () => {
  const lines: Array<[string, string]> = [];
  const log = {
    warn: (t: string) => lines.push(['warn', t]),
    info: (t: string) => lines.push(['info', t]),
    debug: (t: string) => lines.push(['debug', t]),
    error: (t: string) => lines.push(['error', t]),
  } as unknown as vscode.LogOutputChannel;
  let opts: SmbWatchOptions | undefined;
  const api = { watch: (_uri: string, o: SmbWatchOptions) => ((opts = o), { dispose() {} }) } as unknown as SmbFileApi;
  const provider = new Provider(async () => api, log, async () => undefined);
  const uri = { scheme: 'smb', authority: 'u@h', path: '/s/.github/copilot', query: '', fragment: '' } as unknown as vscode.Uri;
  const w = provider.watch(uri, { recursive: true, excludes: [] });
  await new Promise((r) => setImmediate(r));
  assert.ok(opts, 'the watch started');
  const gone = new Error('smb://u@h/s/.github does not exist on the server (STATUS_OBJECT_NAME_NOT_FOUND); check the path.');
  for (let i = 0; i < 3; i++) opts.onState!({ mode: 'notify', error: gone });
  opts.onState!({ mode: 'notify', error: new Error('The connection to the SMB server h:445 was dropped') });
  opts.onState!({ mode: 'notify' });
  opts.onState!({ mode: 'notify', error: gone });
  w.dispose();
  assert.deepEqual(
    lines.map(([level, text]) => [level, text.replace(/: .*?( \(again\))?$/, '$1')]),
    [
      ['warn', 'smb watch smb://u@h/s/.github/copilot'],
      ['debug', 'smb watch smb://u@h/s/.github/copilot (again)'],
      ['debug', 'smb watch smb://u@h/s/.github/copilot (again)'],
      ['warn', 'smb watch smb://u@h/s/.github/copilot'],
      ['info', 'smb watch smb://u@h/s/.github/copilot'],
      ['warn', 'smb watch smb://u@h/s/.github/copilot'],
    ],
  );
});

test("a save that changed a file's owner or mode: a warning on screen the first time on a server, the log every time", async () => {
  const logged: string[] = [];
  const log = { warn: (t: string) => logged.push(t), info() {}, debug() {}, error() {} } as unknown as vscode.LogOutputChannel;
  const lost = "Saving smb://u@h/s/a.txt replaced it with a new file, which the server gave its own group, permissions (DACL) for a new file instead of the original's.";
  const api = { writeFile: async () => ({ notKept: [lost] }) } as unknown as SmbFileApi;
  const provider = new Provider(async () => api, log, async () => undefined);
  const at = (authority: string, p: string) => ({ scheme: 'smb', authority, path: p, query: '', fragment: '' }) as unknown as vscode.Uri;
  const warnings = () => fake.state.messages.filter((m) => m.level === 'warning').length;
  const before = warnings();
  await provider.writeFile(at('u@h', '/s/a.txt'), Buffer.from('x'), { create: false, overwrite: true });
  assert.equal(warnings(), before + 1);
  assert.equal(
    fake.state.messages.at(-1)!.text,
    `${lost} Later saves on this server that change such things are logged only (Output › Extent Lens).`,
  );
  await provider.writeFile(at('u@h', '/s/b.txt'), Buffer.from('x'), { create: false, overwrite: true });
  assert.equal(warnings(), before + 1, 'said once per server');
  await provider.writeFile(at('u@other', '/s/a.txt'), Buffer.from('x'), { create: false, overwrite: true });
  assert.equal(warnings(), before + 2, 'another server: said again');
  assert.equal(logged.filter((l) => l === lost).length, 3, 'logged every time');
});

test("the Explorer's copy is server-side: a file through the engine's copy, a folder made anew with each file copied so", async () => {
  const log = { warn() {}, info() {}, debug() {}, error() {} } as unknown as vscode.LogOutputChannel;
  // the share: folders and files by engine path
  const tree = new Map<string, 'file' | 'directory'>([
    ['smb://u@h/s/d', 'directory'],
    ['smb://u@h/s/d/a%20b.img', 'file'],
    ['smb://u@h/s/d/sub', 'directory'],
    ['smb://u@h/s/d/sub/c', 'file'],
    ['smb://u@h/s/taken', 'directory'],
  ]);
  const ops: string[] = [];
  const api = {
    stat: async (p: string) => {
      const kind = tree.get(p);
      if (!kind) throw Object.assign(new Error(`${p} not found (STATUS_OBJECT_NAME_NOT_FOUND)`), { code: 'STATUS_OBJECT_NAME_NOT_FOUND' });
      return { kind, size: 0n, ctimeMs: 0, mtimeMs: 0 };
    },
    list: async (p: string) =>
      [...tree.keys()]
        .filter((k) => k.startsWith(`${p}/`) && !k.slice(p.length + 1).includes('/'))
        .map((k) => ({ name: decodeURIComponent(k.slice(p.length + 1)), kind: tree.get(k)! })),
    mkdir: async (p: string) => void (ops.push(`mkdir ${p}`), tree.set(p, 'directory')),
    remove: async (p: string) => void ops.push(`remove ${p}`),
  } as unknown as SmbFileApi;
  const provider = new Provider(async () => api, log, async (from, to, overwrite) => void ops.push(`copy ${from} -> ${to}${overwrite ? ' (overwrite)' : ''}`));
  const uri = (p: string) => ({ scheme: 'smb', authority: 'u@h', path: p, query: '', fragment: '' }) as unknown as vscode.Uri;

  await provider.copy(uri('/s/d/a b.img'), uri('/s/d/a b copy.img'), { overwrite: false });
  assert.deepEqual(ops.splice(0), ['copy smb://u@h/s/d/a%20b.img -> smb://u@h/s/d/a%20b%20copy.img']);
  await provider.copy(uri('/s/d/a b.img'), uri('/s/d/x'), { overwrite: true });
  assert.deepEqual(ops.splice(0), ['copy smb://u@h/s/d/a%20b.img -> smb://u@h/s/d/x (overwrite)']);

  await provider.copy(uri('/s/d'), uri('/s/e'), { overwrite: false });
  assert.deepEqual(ops.splice(0), [
    'mkdir smb://u@h/s/e',
    'copy smb://u@h/s/d/a%20b.img -> smb://u@h/s/e/a%20b.img',
    'mkdir smb://u@h/s/e/sub',
    'copy smb://u@h/s/d/sub/c -> smb://u@h/s/e/sub/c',
  ]);
  // onto an existing folder: refused unless VS Code asked to overwrite, then replaced
  await assert.rejects(provider.copy(uri('/s/d'), uri('/s/taken'), { overwrite: false }), (e: { code?: string }) => e.code === 'FileExists');
  assert.deepEqual(ops.splice(0), []);
  await provider.copy(uri('/s/d/sub'), uri('/s/taken'), { overwrite: true });
  assert.deepEqual(ops.splice(0), ['remove smb://u@h/s/taken', 'mkdir smb://u@h/s/taken', 'copy smb://u@h/s/d/sub/c -> smb://u@h/s/taken/c']);
});

test('a read-only share or file is read-only in VS Code (FileStat.permissions), so the editor says so before a save fails', async () => {
  const log = { debug() {}, info() {}, warn() {}, error() {} } as unknown as vscode.LogOutputChannel;
  const stats: Record<string, { kind: 'file' | 'directory'; readOnly: boolean }> = {
    'smb://u@h/ro/f.txt': { kind: 'file', readOnly: true },
    'smb://u@h/rw/f.txt': { kind: 'file', readOnly: false },
  };
  const api = {
    stat: async (p: string) => ({ size: 0n, ctimeMs: 0, mtimeMs: 0, attributes: 0, ...stats[p] }),
  } as unknown as SmbFileApi;
  const provider = new Provider(async () => api, log, async () => undefined);
  const uri = (p: string) => ({ scheme: 'smb', authority: 'u@h', path: p, query: '', fragment: '' }) as unknown as vscode.Uri;
  assert.equal((await provider.stat(uri('/ro/f.txt'))).permissions, fake.vscode.FilePermission.Readonly);
  assert.equal((await provider.stat(uri('/rw/f.txt'))).permissions, undefined);
});

test('a watch back after failing has the Explorer list its folders again (once for several watches); a watch that never failed does not', async () => {
  const log = { debug() {}, info() {}, warn() {}, error() {} } as unknown as vscode.LogOutputChannel;
  await new Promise((r) => setTimeout(r, 700)); // the first test's watch came back too: its relist is due now
  let relisted = 0;
  const command = fake.vscode.commands.registerCommand('workbench.files.action.refreshFilesExplorer', () => void relisted++);
  const states: Array<NonNullable<SmbWatchOptions['onState']>> = [];
  const api = { watch: (_uri: string, o: SmbWatchOptions) => (states.push(o.onState!), { dispose() {} }) } as unknown as SmbFileApi;
  const provider = new Provider(async () => api, log, async () => undefined);
  const uri = (p: string) => ({ scheme: 'smb', authority: 'u@h', path: p, query: '', fragment: '' }) as unknown as vscode.Uri;
  const watches = ['/s', '/s/sub', '/s/other'].map((p) => provider.watch(uri(p), { recursive: true, excludes: [] }));
  await new Promise((r) => setImmediate(r));
  assert.equal(states.length, 3);
  for (const s of states) s({ mode: 'notify' });
  await new Promise((r) => setTimeout(r, 700));
  assert.equal(relisted, 0, 'watches that started well');
  const dropped = new Error('The connection to the SMB server h:445 was dropped');
  for (const s of states.slice(0, 2)) s({ mode: 'notify', error: dropped });
  for (const s of states.slice(0, 2)) s({ mode: 'notify' });
  await new Promise((r) => setTimeout(r, 700));
  assert.equal(relisted, 1, 'once for the two watches that came back');
  for (const w of watches) w.dispose();
  command.dispose();
});

test('what a stat or a listing finds read-only (a read-only share, a read-only file) is told to the menus, once for a burst; a deletion takes it out', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const log = { warn() {}, info() {}, debug() {}, error() {} } as unknown as vscode.LogOutputChannel;
  const ro = (p: string) => p.includes('/ro');
  const api = {
    stat: async (p: string) => ({ kind: 'directory', size: 0n, ctimeMs: 0, mtimeMs: 0, attributes: 0x10, readOnly: ro(p) }),
    list: async (p: string) => [
      { name: 'a.img', kind: 'file', readOnly: ro(p) },
      { name: 'locked.txt', kind: 'file', readOnly: true },
    ],
    remove: async () => undefined,
  } as unknown as SmbFileApi;
  const provider = new Provider(async () => api, log, async () => undefined);
  // smb: Uris as VS Code has them (the stand-in Uri has no authority)
  const smbUri = (p: string): vscode.Uri =>
    ({ scheme: 'smb', authority: 'u@h', path: p, query: '', fragment: '', toString: () => `smb://u@h${p}` }) as unknown as vscode.Uri;
  const { Uri } = require('vscode') as typeof vscode;
  t.mock.method(Uri, 'joinPath', (u: vscode.Uri, name: string) => smbUri(`${u.path}/${name}`));
  const roShare = smbUri('/ro');
  const rwShare = smbUri('/rw');
  const key = () => fake.state.contextKeys.get('extentLens.readOnlyItems') as Record<string, true> | undefined;
  fake.state.contextKeys.delete('extentLens.readOnlyItems');
  await provider.stat(roShare);
  await provider.readDirectory(roShare);
  await provider.stat(rwShare);
  await provider.readDirectory(rwShare);
  assert.equal(key(), undefined, 'not yet: once for the burst');
  t.mock.timers.tick(100);
  const join = (u: vscode.Uri, n: string) => `${u.toString()}/${n}`;
  assert.deepEqual(
    Object.keys(key()!).sort(),
    [roShare.toString(), join(roShare, 'a.img'), join(roShare, 'locked.txt'), join(rwShare, 'locked.txt')].sort(),
  );
  await provider.delete(Uri.joinPath(rwShare, 'locked.txt'), { recursive: false });
  t.mock.timers.tick(100);
  assert.deepEqual(Object.keys(key()!).sort(), [roShare.toString(), join(roShare, 'a.img'), join(roShare, 'locked.txt')].sort());
});
