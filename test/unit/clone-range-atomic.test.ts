// The Clone Range command's atomic option, from the person's answers to the engine boundary:
// the real command (src/commands/clone-range.ts, registered by the same registerCloneRange that
// extension.ts calls) with the stand-in `vscode` (test/support/fake-vscode.ts), the real Services and
// the real engine in its worker thread, on real files on a reflink XFS loop device. The engine
// object the command receives is the real one wrapped in a Proxy that records cloneRange's
// arguments and then lets the call run without `atomic` (the engine refuses it on Linux, whose
// FICLONERANGE has no all-or-nothing mode; its refusal is tested at the end), so what is checked
// is what the command hands the engine.
//
// The atomic question exists only on Windows. Here process.platform is overridden to 'win32'
// around the command (and restored at once) to drive that branch; the engine was created before,
// and it runs in a worker thread, whose process.platform is its own (Linux): only the command's
// own check sees 'win32'. That the flag then selects FSCTL_DUPLICATE_EXTENTS_TO_FILE_EX with
// SOURCE_ATOMIC is proven over SMB2 (test/smb/clone-atomic-samba.test.ts) and, on real Windows
// and ReFS, by the GitHub Actions workflow (.github/workflows/windows.yml, test/windows/).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Uri } from '../support/fake-vscode';
import { FakeExtension } from '../support/fake-extension';
import { makeFs, skipReason, type TestFs } from '../support/loopfs';
import type { Engine } from '../../src/engine';

const KiB = 1024;
const host = new FakeExtension();
const { fake, state, exec } = host;

type CloneRangeArgs = Parameters<Engine['cloneRange']>;
const engineCalls: CloneRangeArgs[] = [];
/** Every QuickPick the command showed: its title (with the step count) and item labels/descriptions. */
const picks = state.quickPicks as Array<{ title?: string; items: Array<{ label: string; description?: string }> }>;

const skip = skipReason('xfs');
let xfs: TestFs | undefined;
let services: { engine(): Promise<Engine>; dispose(): Promise<void> } | undefined;
let engine: Engine;
/** The engine unwrapped: its own answer to atomic on Linux. */
let realEngine: Engine;

function writeFile(file: string, size: number, seed: number): void {
  const b = Buffer.alloc(size);
  for (let i = 0; i + 4 <= size; i += 4) b.writeUInt32LE((i * 2654435761 + seed) >>> 0, i);
  fs.writeFileSync(file, b);
}

function readAt(file: string, offset: number, length: number): Buffer {
  const b = Buffer.alloc(length);
  const fd = fs.openSync(file, 'r');
  try {
    fs.readSync(fd, b, 0, length, offset);
  } finally {
    fs.closeSync(fd);
  }
  return b;
}

/** Run `fn` with process.platform reading `platform`, restoring the real descriptor afterwards. */
async function asPlatform<T>(platform: NodeJS.Platform, fn: () => Promise<T>): Promise<T> {
  const real = Object.getOwnPropertyDescriptor(process, 'platform')!;
  Object.defineProperty(process, 'platform', { ...real, value: platform });
  try {
    return await fn();
  } finally {
    Object.defineProperty(process, 'platform', real);
  }
}

/** Answer the interactive Clone Range: 64 KiB at 64 KiB of src -> dst at 128 KiB, confirmed. */
async function interactiveCloneRange(src: string, dst: string, quickPicks: Array<string | undefined>): Promise<unknown> {
  state.inputAnswers = ['64k', '128k', '64k'];
  state.quickPickAnswers = [...quickPicks];
  state.openDialogAnswer = [Uri.file(dst)];
  state.answers = [{ match: /^Replace bytes 131,072–196,608 of .* with bytes 65,536–131,072 of /, answer: 'Clone Range' }];
  try {
    return await exec('extentLens.cloneRange', Uri.file(src));
  } finally {
    state.answers = [];
  }
}

before(async () => {
  if (skip) return;
  host.install();
  const { Services } = require('../../src/host/services') as typeof import('../../src/host/services');
  const { registerCloneRange } = require('../../src/commands/clone-range') as typeof import('../../src/commands/clone-range');
  const ctx = host.context;
  const log = fake.vscode.window.createOutputChannel('Extent Lens', { log: true });
  const s = new Services(ctx as never, log as never);
  // The real engine (created here, on Linux, as Services creates it: worker thread), wrapped.
  const real = await s.engine();
  realEngine = real;
  engine = new Proxy(real, {
    get(target, prop, receiver) {
      if (prop === 'cloneRange') {
        return (...args: CloneRangeArgs) => {
          engineCalls.push(args);
          const [source, sourceOffset, dest, destOffset, length, opts] = args;
          return target.cloneRange(source, sourceOffset, dest, destOffset, length, { ...opts, atomic: undefined });
        };
      }
      const v = Reflect.get(target, prop, receiver);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
  s.engine = async () => engine;
  services = s;
  ctx.subscriptions.push(registerCloneRange(s as never));
  xfs = makeFs('xfs');
});

after(async () => {
  await host.close();
  await services?.dispose();
  xfs?.cleanup();
});

describe('Clone Range: the atomic option reaches engine.cloneRange', { skip }, () => {
  let src: string;
  let dst: string;

  before(() => {
    src = path.join(xfs!.mountPoint, 'src.bin');
    dst = path.join(xfs!.mountPoint, 'dst.bin');
    writeFile(src, 512 * KiB, 1);
  });

  for (const [label, atomic] of [
    ['Atomic', true],
    ['Not atomic', false],
  ] as const) {
    test(`win32: asks "Atomic / Not atomic" as step 5/5; "${label}" passes atomic: ${atomic}`, async () => {
      writeFile(dst, 512 * KiB, 2);
      engineCalls.length = 0;
      picks.length = 0;
      const r = (await asPlatform('win32', () => interactiveCloneRange(src, dst, ['Another file…', label]))) as
        { method: string; bytes: bigint } | undefined;
      assert.equal(process.platform, 'linux', 'restored');
      assert.ok(r, `a report; messages: ${JSON.stringify(state.messages.slice(-3))}`);
      assert.deepEqual(state.quickPickAnswers, [], 'both questions were asked');
      assert.equal(picks.length, 2);
      assert.equal(picks[1].title, 'Clone Range: src.bin (5/5)');
      assert.deepEqual(
        picks[1].items.map((i) => i.label),
        ['Not atomic', 'Atomic'],
      );
      assert.match(picks[1].items[1].description ?? '', /FSCTL_DUPLICATE_EXTENTS_TO_FILE_EX with SOURCE_ATOMIC/);
      assert.equal(picks[1].items[0].description, 'FSCTL_DUPLICATE_EXTENTS_TO_FILE');
      // The engine boundary: exactly one cloneRange, with the person's range and the choice.
      assert.equal(engineCalls.length, 1);
      const [source, sourceOffset, target, targetOffset, length, opts] = engineCalls[0];
      assert.deepEqual([source, sourceOffset, target, targetOffset, length], [src, 64n * 1024n, dst, 128n * 1024n, 64n * 1024n]);
      assert.equal(opts?.atomic, atomic);
      // ...and the real call ran on Linux (the engine's worker): a reflink, the bytes in place.
      assert.equal(r.method, 'FICLONERANGE');
      assert.equal(r.bytes, 64n * 1024n);
      assert.ok(readAt(dst, 128 * KiB, 64 * KiB).equals(readAt(src, 64 * KiB, 64 * KiB)));
    });
  }

  test('win32: Escape at the atomic question cancels: no engine call, destination untouched', async () => {
    writeFile(dst, 512 * KiB, 3);
    const before = fs.readFileSync(dst);
    engineCalls.length = 0;
    picks.length = 0;
    const r = await asPlatform('win32', () => interactiveCloneRange(src, dst, ['Another file…', undefined]));
    assert.equal(r, undefined);
    assert.equal(picks.length, 2, 'the atomic question was shown');
    assert.equal(engineCalls.length, 0);
    assert.ok(fs.readFileSync(dst).equals(before));
  });

  test('linux: no atomic question; atomic: false reaches the engine', async () => {
    writeFile(dst, 512 * KiB, 4);
    engineCalls.length = 0;
    picks.length = 0;
    // A queued 'Atomic' that must stay unused: the command never asks on Linux.
    const r = (await interactiveCloneRange(src, dst, ['Another file…', 'Atomic'])) as { method: string } | undefined;
    assert.ok(r);
    assert.deepEqual(state.quickPickAnswers, ['Atomic'], 'the atomic question was not asked');
    assert.deepEqual(
      picks.map((p) => p.title),
      ['Clone Range: src.bin (2/4)'], // four steps where there is no atomic question
    );
    assert.equal(engineCalls.length, 1);
    assert.equal(engineCalls[0][5]?.atomic, false);
    assert.equal(r.method, 'FICLONERANGE');
  });

  test(
    'win32, a volume that cannot share (ext4), Copy the Range Instead: four steps, no atomic question',
    { skip: skipReason('ext4') },
    async () => {
      const ext4 = makeFs('ext4');
      try {
        const a = path.join(ext4.mountPoint, 'a.bin');
        const b = path.join(ext4.mountPoint, 'b.bin');
        writeFile(a, 512 * KiB, 6);
        writeFile(b, 512 * KiB, 7);
        engineCalls.length = 0;
        picks.length = 0;
        state.inputBoxes = [];
        state.inputAnswers = ['64k', '128k', '64k'];
        state.quickPickAnswers = ['Another file…', 'Atomic']; // the second must stay unused
        state.openDialogAnswer = [Uri.file(b)];
        state.answers = [
          { match: /cannot share blocks, so a range of a\.bin cannot be cloned/, answer: 'Copy the Range Instead' },
          { match: /^Replace bytes 131,072–196,608 of .* with bytes 65,536–131,072 of /, answer: 'Copy the Range' },
        ];
        let r: unknown;
        try {
          r = await asPlatform('win32', () => exec('extentLens.cloneRange', Uri.file(a)));
        } finally {
          state.answers = [];
        }
        assert.ok(r, JSON.stringify(state.messages.slice(-3)));
        assert.deepEqual(state.quickPickAnswers, ['Atomic'], 'no atomic question for a copy');
        assert.deepEqual(
          [...(state.inputBoxes as Array<{ title?: string }>).map((x) => x.title), ...picks.map((x) => x.title)],
          ['Clone Range: a.bin (1/4)', 'Clone Range: a.bin (3/4)', 'Clone Range: a.bin (4/4)', 'Clone Range: a.bin (2/4)'],
        );
        // one engine call, the copy asked for up front (the one clone path, its copy fallback), not atomic
        assert.equal(engineCalls.length, 1);
        assert.equal(engineCalls[0][5]?.fallback, 'copy');
        assert.equal(engineCalls[0][5]?.atomic, false);
        assert.ok(readAt(b, 128 * KiB, 64 * KiB).equals(readAt(a, 64 * KiB, 64 * KiB)));
      } finally {
        ext4.cleanup();
      }
    },
  );

  test('programmatic: { atomic: true } in the spec reaches the engine on any platform, without questions', async () => {
    writeFile(dst, 512 * KiB, 5);
    engineCalls.length = 0;
    picks.length = 0;
    const r = (await exec('extentLens.cloneRange', undefined, {
      source: src,
      sourceOffset: '64k',
      target: dst,
      targetOffset: '128k',
      length: '64k',
      atomic: true,
      showResults: false,
    })) as { method: string };
    assert.equal(picks.length, 0);
    assert.equal(engineCalls.length, 1);
    assert.equal(engineCalls[0][5]?.atomic, true);
    assert.equal(r.method, 'FICLONERANGE');
  });

  test('the real engine on Linux refuses atomic: true before any call (E_UNSUPPORTED), the destination untouched', async () => {
    writeFile(dst, 512 * KiB, 8);
    const before = fs.readFileSync(dst);
    await assert.rejects(
      realEngine.cloneRange(src, 64n * 1024n, dst, 128n * 1024n, 64n * 1024n, { atomic: true }),
      (e: { code?: string; message?: string }) => {
        assert.equal(e.code, 'E_UNSUPPORTED');
        assert.match(e.message ?? '', /not possible on Linux \(E_UNSUPPORTED\): FICLONERANGE has no all-or-nothing mode/);
        return true;
      },
    );
    assert.ok(fs.readFileSync(dst).equals(before));
  });
});
