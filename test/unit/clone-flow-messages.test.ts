// The notifications of clone-like flows, in node with the stand-in `vscode`: after one
// (src/commands/clone-flow.ts presentResult), a Server-Side Copy that the server could not do (the
// engine's report between two shares: fellBack, with copychunk's reason) says it was read and
// written, not that a clone was refused, and a clone that fell back still says cloning was
// refused; before a clone between a share and elsewhere (copy-across-share.ts), the offer of a
// copy stays on screen until it is answered.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { OperationReport } from '../../src/engine';
import type { CloneResultsData } from '../../src/protocol/messages';
import type { Services } from '../../src/host/services';
import { FakeExtension } from '../support/fake-extension';

const host = new FakeExtension();
const { fake } = host;
let presentResult: typeof import('../../src/commands/clone-flow').presentResult;
let copyAcrossShare: typeof import('../../src/commands/copy-across-share').copyAcrossShare;

before(() => {
  host.install();
  ({ presentResult } = require('../../src/commands/clone-flow'));
  ({ copyAcrossShare } = require('../../src/commands/copy-across-share'));
});
after(() => host.close());

const reason =
  'smb://u@h/b/x.img is on another share than smb://u@h/a/x.img: server-side copy works within one share, so the data is copied through this client (E_UNSUPPORTED).';
const report = (operation: 'copy' | 'clone'): OperationReport => ({
  operation,
  method: 'sparse-copy',
  source: 'smb://u@h/a/x.img',
  destination: 'smb://u@h/b/x.img',
  bytes: 1048576n,
  calls: 3,
  durationMs: 5,
  fellBack: true,
  fallbackReason: reason,
});
// as buildCloneResults gives it (refusalDetail: without the final stop)
const results = {
  source: { path: 'smb://u@h/a/x.img' },
  destination: { path: 'smb://u@h/b/x.img' },
  fallbackReason: reason.replace(/\.$/, ''),
} as CloneResultsData;

test("a Server-Side Copy read and written: says so, with the server's reason; a fallen-back clone says cloning was refused", () => {
  const changed: string[] = [];
  const s = { filesChanged: (p: Iterable<string>) => changed.push(...p) } as unknown as Services;
  presentResult(s, { report: report('copy'), results }, { showResults: false });
  // open inspectors of both files read their maps again (sharing changes no modification time)
  assert.deepEqual(changed, ['smb://u@h/a/x.img', 'smb://u@h/b/x.img']);
  const last = () => fake.state.messages[fake.state.messages.length - 1];
  assert.equal(last().level, 'info');
  assert.equal(
    last().text,
    `Copied 1,048,576 bytes (1 MiB) of x.img to smb://u@h/b/x.img by reading and writing it, holes kept (no server-side copy: ${reason.replace(/\.$/, '')}).`,
  );
  assert.doesNotMatch(last().text, /clon/i);
  presentResult(s, { report: report('clone'), results }, { showResults: false });
  assert.match(last().text, /\(cloning was refused: /);
});

test('smb:// destinations in the notification are shown decoded, as the source is ("big (copy).img", not "big%20(copy).img")', () => {
  const s = { filesChanged: () => undefined } as unknown as Services;
  const dst = 'smb://u@h/a/%C3%9Cber%20(copy).img';
  const rep: OperationReport = {
    ...report('copy'),
    destination: dst,
    fellBack: false,
    fallbackReason: undefined,
    method: 'FSCTL_SRV_COPYCHUNK_WRITE',
  };
  presentResult(
    s,
    { report: rep, results: { ...results, destination: { ...results.destination, path: dst }, fallbackReason: undefined } },
    { showResults: false },
  );
  assert.match(
    fake.state.messages[fake.state.messages.length - 1].text,
    /^Copied x\.img to smb:\/\/u@h\/a\/Über \(copy\)\.img with FSCTL_SRV_COPYCHUNK_WRITE: /,
  );
});

test('the offer to copy between a share and elsewhere is an error notification (kept until answered); declined, nothing is copied', async () => {
  const logged: string[] = [];
  const s = { log: { warn: (m: string) => logged.push(m), info() {}, error() {} } } as unknown as Services;
  fake.state.answers = [{ match: /one is on an SMB share and the other on this computer/, answer: undefined }];
  const made = await copyAcrossShare(s, 'Block Clone Here', '/tmp/a.img', 'smb://u@h/s/a.img', 'fail', false);
  assert.equal(made, false);
  const offer = fake.state.messages.filter((m) => m.items.includes('Copy instead (holes are not kept)')).at(-1);
  assert.ok(offer, 'the copy is offered');
  assert.equal(offer.level, 'error', 'VS Code keeps an error notification with actions on screen; a warning hid within seconds');
  assert.match(offer.text, /one is on an SMB share and the other on this computer \(E_CROSS_VOLUME\)/);
});

test("a cancelled copy between a share and this computer is said as the copy's cancel, and not logged as an error", async () => {
  const logged: Array<[string, string]> = [];
  const cancelled = Object.assign(new Error('Reading smb://u@h/s/a.img was cancelled (E_CANCELLED).'), {
    code: 'E_CANCELLED',
    name: 'FsctlError',
  });
  const s = {
    log: {
      warn: (m: string) => logged.push(['warn', m]),
      info: (m: string) => logged.push(['info', m]),
      error: (m: string) => logged.push(['error', m]),
    },
    smbFiles: async () => ({ stat: async () => Promise.reject(cancelled) }),
  } as unknown as Services;
  const made = await copyAcrossShare(s, 'Copy', 'smb://u@h/s/a.img', '/tmp/a.img', 'fail', true);
  assert.equal(made, false);
  assert.equal(fake.state.messages.at(-1)!.text, 'Copy was cancelled; nothing was left behind.');
  assert.deepEqual(
    logged.filter(([level]) => level === 'error'),
    [],
  );
});

test('an overwrite says in its notification that it replaced the file', () => {
  const s = { filesChanged: () => undefined } as unknown as Services;
  const rep: OperationReport = { ...report('clone'), fellBack: false, fallbackReason: undefined, method: 'FICLONE', replaced: true };
  presentResult(s, { report: rep, results: { ...results, fallbackReason: undefined } }, { showResults: false });
  assert.match(fake.state.messages[fake.state.messages.length - 1].text, / It replaced the file that had that name\.$/);
});
