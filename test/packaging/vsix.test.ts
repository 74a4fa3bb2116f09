// The linux-x64 VSIX as shipped: built by scripts/package.mjs (npm run package), unpacked,
// checked to hold only the linux koffi binary, and its bundle loaded in plain node with a
// stand-in `vscode` module (test/support/fake-vscode.ts, resolved through a
// Module._resolveFilename hook). The extension then activates and runs real commands on real
// files with the koffi binary and worker from the unpacked VSIX. The run inside a real VS Code
// (code-server) is the next issue's suite (test/extension/).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import Module from 'node:module';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fakeContext, installFakeVscode, makeFakeVscode, Uri } from '../support/fake-vscode';

const ROOT = path.resolve(__dirname, '..', '..');
const skip =
  process.platform !== 'linux' || process.arch !== 'x64'
    ? 'the linux-x64 VSIX can only be loaded on linux-x64'
    : spawnSync('unzip', ['-v']).status !== 0
      ? 'unzip is not installed (apt install unzip)'
      : undefined;

let tmp: string;
let ext: string; // the unpacked extension/ folder
let files: string[] = [];

before(() => {
  if (skip) return;
  // Outside the repository, so nothing can resolve to the repository's node_modules.
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'el-extension-vsix-'));
  const built = ['extension.js', 'worker.js', 'cli.js'].every((f) => fs.existsSync(path.join(ROOT, 'dist', f)));
  // npm test builds first; reuse that build rather than rewriting dist/ under other suites.
  const args = [path.join(ROOT, 'scripts', 'package.mjs'), '--target', 'linux-x64', '--out', path.join(tmp, 'out'), ...(built ? ['--no-build'] : [])];
  execFileSync(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  const vsix = path.join(tmp, 'out', 'extent-lens-0.1.0-linux-x64.vsix');
  assert.ok(fs.existsSync(vsix), 'npm run package wrote the linux-x64 VSIX');
  execFileSync('unzip', ['-q', vsix, '-d', path.join(tmp, 'vsix')]);
  ext = path.join(tmp, 'vsix', 'extension');
  const walk = (d: string): string[] => fs.readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(d, e.name)) : [path.join(d, e.name)]));
  files = walk(path.join(tmp, 'vsix')).map((f) => path.relative(path.join(tmp, 'vsix'), f));
});

after(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

test('the VSIX holds only the linux-x64 koffi binary, the bundles, and no sources', { skip }, () => {
  const natives = files.filter((f) => f.endsWith('.node'));
  assert.deepEqual(natives, ['extension/node_modules/@koromix/koffi-linux-x64/linux_x64/koffi.node']);
  assert.deepEqual(fs.readdirSync(path.join(ext, 'node_modules', '@koromix')), ['koffi-linux-x64']);
  assert.deepEqual(fs.readdirSync(path.join(ext, 'node_modules')), ['@koromix'], 'koffi JS is bundled, not shipped');
  for (const f of ['dist/extension.js', 'dist/worker.js', 'dist/cli.js', 'dist/webview/inspector.js', 'dist/media/codicon.css', 'package.nls.json', 'l10n/bundle.l10n.json']) {
    assert.ok(files.includes(`extension/${f}`), `${f} is shipped`);
  }
  for (const f of files) {
    assert.doesNotMatch(f, /\.(map|ts)$|^extension\/(src|test|webview|scripts|bench)\//, `${f} should not be shipped`);
  }
  const manifest = fs.readFileSync(path.join(tmp, 'vsix', 'extension.vsixmanifest'), 'utf8');
  assert.match(manifest, /TargetPlatform="linux-x64"/);
  const size = files.reduce((n, f) => n + fs.statSync(path.join(tmp, 'vsix', f)).size, 0);
  // The shipped VSIX (npm run package, minified) unpacks to ~3.1 MB; this one reuses npm test's
  // unminified build, ~4.2 MB. The bound is against shipping sources or source maps by mistake,
  // which would add 6 MB and more.
  assert.ok(size < 5 * 1024 * 1024, `unpacked size ${size} bytes stays small`);
  const pkg = JSON.parse(fs.readFileSync(path.join(ext, 'package.json'), 'utf8'));
  assert.equal(pkg.main, './dist/extension.js');
  assert.deepEqual(pkg.dependencies, { '@koromix/koffi-linux-x64': JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', 'koffi', 'package.json'), 'utf8')).version });
});

test('its dist/extension.js activates lazily in node and runs commands with the VSIX koffi', { skip }, async () => {
  const fake = makeFakeVscode();
  const undo = installFakeVscode(fake.vscode);
  const requested: string[] = [];
  const M = Module as unknown as { _load: (req: string, ...rest: unknown[]) => unknown };
  const origLoad = M._load;
  M._load = function (req: string, ...rest: unknown[]) {
    requested.push(req);
    return origLoad.call(this, req, ...rest);
  };
  let extension: { activate(c: unknown): { activationMs: number; openInspectors(): Array<{ path: string; summary?: { allocated: string } }> }; deactivate(): Promise<void> } | undefined;
  try {
    extension = require(path.join(ext, 'dist', 'extension.js'));
    extension!.activate(fakeContext(ext));
    assert.deepEqual(
      requested.filter((r) => /koffi|koromix/.test(r)),
      [],
      'activation loads no koffi',
    );
    const pkg = JSON.parse(fs.readFileSync(path.join(ext, 'package.json'), 'utf8'));
    assert.deepEqual([...fake.state.commands.keys()].sort(), pkg.contributes.commands.map((c: { command: string }) => c.command).sort());

    // a real sparse file; the engine (worker: dist/worker.js of the VSIX) maps it
    const file = path.join(tmp, 'sparse.bin');
    const fd = fs.openSync(file, 'w');
    fs.ftruncateSync(fd, 4 * 1024 * 1024);
    fs.writeSync(fd, Buffer.alloc(65536, 7), 0, 65536, 1024 * 1024);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    const volume = (await fake.vscode.commands.executeCommand('extentLens.showVolume', Uri.file(file))) as { filesystem: string; blockSize: number };
    assert.ok(volume && volume.blockSize > 0, 'showVolume answered from the engine');
    await fake.vscode.commands.executeCommand('extentLens.inspect', Uri.file(file));
    const panel = fake.state.panels.at(-1)!;
    panel.send({ type: 'ready' });
    const m = await panel.waitFor((x) => x.type === 'summary');
    assert.equal((m.summary as { allocated: string }).allocated, '65536');
    // The worker thread shares this process: its koffi.node must be the VSIX's copy.
    const maps = fs.readFileSync('/proc/self/maps', 'utf8');
    assert.ok(maps.includes(path.join(ext, 'node_modules', '@koromix', 'koffi-linux-x64', 'linux_x64', 'koffi.node')), 'koffi.node mapped from the unpacked VSIX');
    assert.equal(
      (await import('node:fs')).existsSync(path.join(tmp, 'node_modules')),
      false,
      'no other node_modules on the resolution path',
    );

    // the CLI bundle from the same VSIX agrees on the volume
    const out = execFileSync(process.execPath, [path.join(ext, 'dist', 'cli.js'), 'volume', '--json', file], { encoding: 'utf8' });
    const cli = JSON.parse(out) as { filesystem: string; blockSize: number };
    assert.equal(cli.filesystem, volume.filesystem);
    assert.equal(cli.blockSize, volume.blockSize);
    for (const p of fake.state.panels) p.dispose();
  } finally {
    M._load = origLoad;
    await extension?.deactivate();
    undo();
  }
});
