// Open in the inspector from the Duplicate Data view, with the stand-in `vscode` and the REAL
// engine. A trial: on the row "b22.bin @ 512 KiB" (a range of 15.5 MiB) the inspector opened on
// the whole file, the range nowhere. It now selects and zooms to the range (once its map is in:
// the inspector is new, its webview not ready yet); a group of whole files opens as before.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Uri, waitUntil, type FakeWebviewPanel } from '../support/fake-vscode';
import { FakeExtension } from '../support/fake-extension';
import type { DedupeWirePlan } from '../../src/protocol/messages';

const host = new FakeExtension();
const { state, exec } = host;
const KiB = 1024;
let dir = '';

before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'el-dedupe-open-'));
  const data = randomBytes(256 * KiB);
  fs.writeFileSync(path.join(dir, 'a.img'), data);
  // the same 256 KiB at 128 KiB in b.img, after bytes of its own
  fs.writeFileSync(path.join(dir, 'b.img'), Buffer.concat([randomBytes(128 * KiB), data]));
  host.activate();
});

after(async () => {
  await host.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('Open in the inspector on a range: the new inspector selects it once its map is in', async () => {
  const plan = (await exec('extentLens.findDuplicates', Uri.file(dir), [Uri.file(dir)])) as DedupeWirePlan | undefined;
  assert.ok(plan && plan.groups.length === 1, JSON.stringify(plan?.groups));
  const g = plan.groups[0];
  assert.equal(g.wholeFiles, false);
  const k = g.ranges.findIndex((r) => plan.files[r.file].endsWith('b.img'));
  assert.equal(g.ranges[k].offset, String(128 * KiB));
  const view = state.panels.at(-1)!;
  const panels = state.panels.length;
  view.send({ type: 'dedupeOpen', group: 0, range: k });
  await waitUntil(() => state.panels.length > panels, 'the inspector opened');
  const inspector: FakeWebviewPanel = state.panels.at(-1)!;
  inspector.send({ type: 'ready' });
  const sel = await inspector.waitFor((m) => m.type === 'selectRange');
  assert.deepEqual([sel.offset, sel.length], [String(128 * KiB), g.length]);
  const types = inspector.posted.map((m) => (m as { type: string }).type);
  assert.ok(types.indexOf('summary') >= 0 && types.indexOf('summary') < types.indexOf('selectRange'), `after the map: ${types.join(', ')}`);
});
