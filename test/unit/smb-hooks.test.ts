// The engine index's lazy SMB hooks (src/engine/smb-hooks.ts), which the extension uses to give
// smb:// paths passwords from SecretStorage: importing the index loads neither koffi nor the
// SMB client, and the provider set through the index is the one the SMB backend asks.
// No SMB server needed: 127.0.0.1:1 refuses the connection after the password is asked.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { closeSmbConnections, configureSmbPasswords, createEngine, type SmbTargetInfo } from '../../src/engine';

const ROOT = path.resolve(__dirname, '..', '..');

test('importing the engine index loads neither koffi nor the SMB client', () => {
  const script = `
    require(${JSON.stringify(path.join(ROOT, 'src/engine/index.ts'))});
    const loaded = Object.keys(require.cache).filter((k) => /koffi|[\\\\/]backends[\\\\/]smb[\\\\/]/.test(k));
    process.stdout.write(JSON.stringify(loaded));`;
  const out = execFileSync(process.execPath, ['--import', 'tsx', '-e', script], { cwd: ROOT, encoding: 'utf8' });
  assert.deepEqual(JSON.parse(out), []);
});

test('configureSmbPasswords: the SMB backend asks the provider set through the index', async () => {
  const asked: SmbTargetInfo[] = [];
  await configureSmbPasswords((t) => {
    asked.push(t);
    return 'secret';
  });
  const engine = createEngine();
  try {
    await assert.rejects(engine.map('smb://alice@127.0.0.1:1/share/disk.img'));
    assert.deepEqual(asked, [{ user: 'alice', domain: '', host: '127.0.0.1', port: 1, share: 'share' }]);
  } finally {
    await configureSmbPasswords(undefined);
    await closeSmbConnections();
    await engine.dispose();
  }
});
