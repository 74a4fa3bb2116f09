// Clear Sparse asks first when the file has holes. Clearing the sparse attribute asks the file
// system to "unsparse" the file (MS-FSCC 2.3.70: FILE_SET_SPARSE_BUFFER with SetSparse FALSE
// allocates every sparse region; Windows NTFS and ReFS do), so on a Windows server a 64 MiB
// image holding 3 MiB of data takes 61 MiB more, and a sparse VM disk of a terabyte can fill the
// volume. Found by hand: Clear Sparse on such a file on a share ran at once, with no question
// and no word of the space. Run in node with the stand-in `vscode` and a stand-in engine that
// records what it was asked (the real one over Samba only clears the flag: Samba keeps holes).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { OperationReport, RangesResult } from '../../src/engine';
import type { Services } from '../../src/host/services';
import { FakeExtension } from '../support/fake-extension';

const host = new FakeExtension();
const { fake } = host;
let runSetSparse: typeof import('../../src/commands/sparse-flag').runSetSparse;

before(() => {
  host.install();
  ({ runSetSparse } = require('../../src/commands/sparse-flag'));
});
after(() => host.close());

const MiB = 1024n * 1024n;
const FILE = 'smb://u@h/s/disk.img';

function services(ranges: RangesResult['ranges'], size: bigint): { s: Services; asked: string[] } {
  const asked: string[] = [];
  const engine = {
    async ranges(p: string): Promise<RangesResult> {
      asked.push(`ranges ${p}`);
      return {
        path: p,
        size,
        window: { offset: 0n, length: size },
        ranges,
        method: 'FSCTL_QUERY_ALLOCATED_RANGES',
        calls: 1,
        durationMs: 1,
      };
    },
    async setSparse(p: string, sparse: boolean): Promise<OperationReport> {
      asked.push(`setSparse ${p} ${sparse}`);
      return { operation: 'set-sparse', method: 'FSCTL_SET_SPARSE', destination: p, bytes: 0n, calls: 1, durationMs: 1 };
    },
  };
  const log = { info() {}, warn() {}, error() {} };
  return { s: { engine: async () => engine, log } as unknown as Services, asked };
}

test('Clear Sparse on a share file with holes: a modal question names the holes; No leaves the file alone, Clear Sparse clears', async () => {
  const holes = [
    { offset: 10n * MiB, length: 2n * MiB },
    { offset: 40n * MiB, length: MiB },
  ];
  for (const answer of [undefined, 'Clear Sparse']) {
    fake.state.answers = [{ match: /^Clear the sparse attribute of disk\.img\?/, answer }];
    const { s, asked } = services(holes, 64n * MiB);
    const r = await runSetSparse(s, FILE, false);
    const q = fake.state.messageOptions.filter((m) => /^Clear the sparse attribute/.test(m.text)).at(-1);
    assert.ok(q, 'asked first');
    assert.equal(q.text, 'Clear the sparse attribute of disk.img? Its 63,963,136 bytes (61 MiB) of holes may be allocated.');
    assert.equal(q.options.modal, true);
    assert.match(
      String(q.options.detail),
      /Windows \(NTFS, ReFS\) does, so the file then takes 63,963,136 bytes \(61 MiB\) more on the volume/,
    );
    if (answer === undefined) {
      assert.equal(r, undefined);
      assert.deepEqual(asked, [`ranges ${FILE}`], 'not cleared without a yes');
    } else assert.deepEqual(asked, [`ranges ${FILE}`, `setSparse ${FILE} false`]);
  }
  fake.state.answers = [];
});

test('Clear Sparse on a file with no holes, and Set Sparse: no question', async () => {
  const before = fake.state.messageOptions.length;
  const full = services([{ offset: 0n, length: 4n * MiB }], 4n * MiB);
  await runSetSparse(full.s, FILE, false);
  assert.deepEqual(full.asked, [`ranges ${FILE}`, `setSparse ${FILE} false`]);
  const set = services([], 4n * MiB);
  await runSetSparse(set.s, FILE, true);
  assert.deepEqual(set.asked, [`setSparse ${FILE} true`]);
  assert.equal(fake.state.messageOptions.length, before, 'no modal question');
});
