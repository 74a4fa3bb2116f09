// `npm start` (scripts/start.sh) on its demo workspace, as root: the first file its message
// suggests inspecting is on a file system that can share blocks (the demo's XFS). A trial: it
// suggested sparse-disk.img, which lies in the demo folder itself under TMPDIR (ext4 here), and
// the inspector's first words were "Block cloning: not supported". TMPDIR is an ext4 image here,
// so that is so whatever /tmp is. code-server is stood in for by a server that answers its health
// check (start.sh reads where it is from the setup's ready.json, EXTENT_LENS_CACHE); the rest is
// the real script: build, demo workspace (XFS on a loop device), message, and its cleanup on TERM.
// No port is given: start.sh takes a free one the kernel picks (tests share nothing fixed, and
// any EXTENT_LENS_PORT of the environment is dropped so a port in use there is not taken).
import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createEngine } from '../../src/engine/index';
import { makeFs, skipReason, type TestFs } from '../support/loopfs';

const REPO = path.resolve(__dirname, '../..');

const FAKE_CODE_SERVER = `
const http = require('node:http');
const at = process.argv[process.argv.indexOf('--bind-addr') + 1];
const [host, port] = at.split(':');
http.createServer((_, res) => res.end('ok')).listen(Number(port), host);
`;

/** One that takes connections and never answers (a hung start). */
const SILENT_CODE_SERVER = `
const http = require('node:http');
const at = process.argv[process.argv.indexOf('--bind-addr') + 1];
const [host, port] = at.split(':');
http.createServer(() => undefined).listen(Number(port), host);
`;

describe('npm start: its message suggests a file on the demo XFS first', { skip: skipReason('xfs') ?? skipReason('ext4') }, () => {
  let tmp: TestFs | undefined;
  const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'el-start-cache-'));
  after(() => {
    tmp?.cleanup();
    fs.rmSync(cache, { recursive: true, force: true });
  });

  /** start.sh with `codeServerJs` standing in for code-server (from the setup's ready.json), its output gathered. */
  function startWith(
    name: string,
    codeServerJs: string,
    env: Record<string, string> = {},
  ): { start: ReturnType<typeof spawn>; out: () => string; exited: Promise<number | null> } {
    tmp ??= makeFs('ext4', 512);
    fs.mkdirSync(path.join(cache, 'vscode'), { recursive: true });
    fs.writeFileSync(path.join(cache, name), codeServerJs);
    fs.writeFileSync(
      path.join(cache, 'vscode', 'ready.json'),
      JSON.stringify({ node: process.execPath, codeServer: path.join(cache, name), codeServerVersion: 'test' }),
    );
    const start = spawn('bash', ['scripts/start.sh'], {
      cwd: REPO,
      env: {
        ...Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'EXTENT_LENS_PORT')),
        EXTENT_LENS_NO_SETUP: '1',
        EXTENT_LENS_CACHE: cache,
        TMPDIR: tmp.mountPoint,
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    start.stdout!.on('data', (b: Buffer) => (out += b.toString()));
    start.stderr!.on('data', (b: Buffer) => (out += b.toString()));
    // (close: after the output is all read)
    const exited = new Promise<number | null>((resolve) => start.on('close', (code) => resolve(code)));
    return { start, out: () => out, exited };
  }

  test(
    'the first "right-click" of the message names a file that can be cloned; TERM cleans up the demo',
    { timeout: 240_000 },
    async () => {
      const { start, out, exited } = startWith('fake-code-server.cjs', FAKE_CODE_SERVER);
      const top = tmp!.mountPoint;
      try {
        await new Promise<void>((resolve, reject) => {
          start.stdout!.on('data', () => /Ctrl-C stops everything/.test(out()) && resolve());
          void exited.then((code) => reject(new Error(`start.sh exited (${code}) before its message:\n${out()}`)));
        });
        const folder = decodeURIComponent(/[?&]folder=([^\s&]+)/.exec(out())?.[1] ?? '');
        assert.ok(folder.startsWith(top), `the demo is under TMPDIR: ${folder}`);
        const first = /right-click (\S+) >/.exec(out())?.[1];
        assert.ok(first, out());
        const file = path.join(folder, first);
        assert.ok(fs.statSync(file).isFile(), `${file} exists`);
        const engine = createEngine();
        try {
          const v = await engine.volume(file);
          assert.equal(v.supportsClone, true, `${first} is on ${v.filesystem}, which cannot share blocks:\n${out()}`);
        } finally {
          await engine.dispose();
        }
      } finally {
        start.kill('SIGTERM');
        await exited;
      }
      assert.match(out(), /start: stopped; nothing left running/);
      assert.deepEqual(
        fs.readdirSync(top).filter((n) => n.startsWith('el-demo-')),
        [],
        'the demo workspace is gone',
      );
    },
  );
  test(
    'a code-server that takes connections and never answers: start.sh gives up after EXTENT_LENS_START_WAIT, says so, prints no address, cleans up',
    { timeout: 120_000 },
    async () => {
      const { out, exited } = startWith('silent-code-server.cjs', SILENT_CODE_SERVER, { EXTENT_LENS_START_WAIT: '3' });
      assert.equal(await exited, 1, out());
      assert.match(out(), /start: code-server did not answer on 127\.0\.0\.1:\d+\/healthz within 3 s/);
      assert.doesNotMatch(out(), /Open: /);
      assert.deepEqual(
        fs.readdirSync(tmp!.mountPoint).filter((n) => n.startsWith('el-demo-')),
        [],
        'the demo workspace is gone',
      );
    },
  );
});
