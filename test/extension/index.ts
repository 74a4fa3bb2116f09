// Entry of the in-VS-Code test suite: VS Code's extension-test hook loads this module inside the
// extension host and calls run(); the returned promise resolving means "all passed". Used both
// by code-server (test/vscode/extension-host.test.ts, ?payload=) and by desktop VS Code
// (run-electron.ts, @vscode/test-electron).
//
// The spec reporter prints through console.log, which the extension host forwards to the
// runner (codeAutomationLog in code-server, stdout in Electron). When EL_RESULT_FILE is set the
// outcome is also written there as JSON, so the outer test can print exactly which tests failed.
import fs from 'node:fs';
import path from 'node:path';
import { env } from './env';

interface MochaRunner {
  on(event: string, cb: (...a: any[]) => void): void;
}
interface MochaLike {
  addFile(f: string): void;
  run(cb: (failures: number) => void): MochaRunner;
}

export function run(): Promise<void> {
  // mocha 12's package entry is ESM; its CommonJS build loads with require() on every Node the
  // extension host may run (Electron's included).
  const Mocha = require('mocha/lib/mocha.cjs') as new (o: object) => MochaLike;
  const mocha = new Mocha({ ui: 'tdd', color: false, reporter: 'spec', timeout: 60_000, grep: env.grep });
  for (const f of fs.readdirSync(__dirname).filter((f) => f.endsWith('.suite.js')).sort()) mocha.addFile(path.join(__dirname, f));

  const result = { passes: [] as string[], failures: [] as { title: string; error: string }[], pending: [] as string[] };
  return new Promise((resolve, reject) => {
    const runner = mocha.run((failures) => {
      if (env.resultFile) fs.writeFileSync(env.resultFile, JSON.stringify(result, null, 2));
      if (failures > 0) reject(new Error(`${failures} extension test(s) failed`));
      else resolve();
    });
    runner.on('pass', (t: { fullTitle(): string }) => result.passes.push(t.fullTitle()));
    runner.on('pending', (t: { fullTitle(): string }) => result.pending.push(t.fullTitle()));
    runner.on('fail', (t: { fullTitle(): string }, err: Error) => result.failures.push({ title: t.fullTitle(), error: String(err?.stack ?? err) }));
  });
}
