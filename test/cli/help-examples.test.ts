// Every example every subcommand's --help shows is run, as shown, so none can rot: the
// examples are read from the built CLI's own --help output (what a person sees), each run in a
// fresh folder on a loop-mounted XFS (reflink=1) holding the files they name, and each must exit
// as it says ("(exit N)" in its explanation; 0 otherwise). Skipped with the reason when not root.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { cli, ensureBuilt } from './run-cli';
import { makeLoopFs, skipReason, type LoopFs } from './loop';
import { writeSparse } from '../support/sparse-files';

const M = 1024 * 1024;
const skip = skipReason('xfs');

interface Example {
  line: string;
  says: string;
}

/** The "examples:" section of a --help text: each "  extent-lens …" line and the lines indented under it. */
function examplesIn(help: string): Example[] {
  const at = help.indexOf('\nexamples:\n');
  if (at < 0) return [];
  const out: Example[] = [];
  for (const l of help.slice(at + '\nexamples:\n'.length).split('\n')) {
    if (l.startsWith('  extent-lens ')) out.push({ line: l.trim(), says: '' });
    else if (l.startsWith('      ') && out.length > 0) out[out.length - 1].says += ' ' + l.trim();
    else if (l.trim() !== '') assert.fail(`a line in examples that is neither an example nor its explanation: "${l}"`);
  }
  return out;
}

/** The files the examples name: a sparse VM image with data, written zeros and holes; a base image; a folder of duplicate images. */
function fixture(dir: string): void {
  fs.mkdirSync(dir);
  writeSparse(path.join(dir, 'vm.img'), BigInt(64 * M), [
    { offset: 0n, length: M },
    { offset: BigInt(8 * M), length: 2 * M, fill: 0 }, // allocated zeros: what dig-holes finds
    { offset: BigInt(32 * M), length: M },
  ]);
  fs.writeFileSync(path.join(dir, 'base.img'), Buffer.alloc(4 * M, 0x11));
  fs.mkdirSync(path.join(dir, 'vms'));
  const web = randomBytes(2 * M); // two copies of one image, and another
  fs.writeFileSync(path.join(dir, 'vms', 'web1.img'), web);
  fs.writeFileSync(path.join(dir, 'vms', 'web2.img'), web);
  fs.writeFileSync(path.join(dir, 'vms', 'db.img'), randomBytes(M));
  fs.mkdirSync(path.join(dir, 'backup'));
}

describe('the examples in every --help', { skip }, () => {
  let xfs: LoopFs;
  before(() => {
    ensureBuilt();
    xfs = makeLoopFs('xfs', 300);
  });
  after(() => xfs?.cleanup());

  test('every subcommand shows 1 to 3 examples, and each runs and exits as it says', () => {
    const names = [...cli(['--help']).stdout.matchAll(/^ {2}([a-z-]+) {2,}/gm)].map((m) => m[1]);
    assert.ok(names.length >= 12, `the command list: ${names.join(', ')}`);
    let n = 0;
    for (const name of names) {
      const help = cli([name, '--help']);
      assert.equal(help.code, 0, help.stderr);
      const examples = examplesIn(help.stdout);
      assert.ok(examples.length >= 1 && examples.length <= 3, `${name} --help shows ${examples.length} examples`);
      for (const ex of examples) {
        // one shell word per space, nothing the shell would change: what is shown is what runs
        assert.match(ex.line, /^extent-lens [\w./ -]+$/, ex.line);
        assert.ok(ex.line.startsWith(`extent-lens ${name} `), `${name}'s example runs ${name}: ${ex.line}`);
        assert.ok(ex.says.trim().length > 0, `${ex.line} says what it does`);
        const dir = path.join(xfs.mnt, `ex${n++}`);
        fixture(dir);
        const want = Number(/\(exit (\d+)/.exec(ex.says)?.[1] ?? 0);
        const r = cli(ex.line.split(' ').slice(1), { cwd: dir });
        assert.equal(r.code, want, `${ex.line} (in ${dir}) exited ${r.code}, not ${want}:\n${r.stderr}${r.stdout}`);
        if (want === 0) assert.notEqual(r.stdout, '', `${ex.line} printed its report`);
        if (ex.line.includes('--json')) assert.doesNotThrow(() => JSON.parse(r.stdout), ex.line);
        fs.rmSync(dir, { recursive: true, force: true });
      }
    }
  });
});
