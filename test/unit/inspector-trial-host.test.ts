// Host side of the fixes from a user trial (trial79), with the stand-in `vscode` and the REAL
// engine on a loop-mounted XFS:
// - extents past the end of the file (fallocate --keep-size): the summary says how many bytes,
//   in a note, and Allocated stays du's figure (it said nothing; the map ran past EOF unmarked);
// - extentLens.inspector.mapDetail "ranges" on a preallocated file: the note on what the block
//   count holds beyond SEEK_DATA's ranges (it showed "Allocated 131,072" with no word of the
//   12 MiB du counts);
// - Punch Hole and Clone Range on a FIFO or an empty file refuse before asking for an offset
//   (they asked, then said "the offset must be below 0");
// - "Exported 1 extent" (it said "1 extents"); "Exported 1,536 extents" (it said "1536 extents");
// - a tab brought back after its file was renamed (a later trial): the view said only "ENOENT"
//   under a bare "Extent Lens", where a tab left in front says the same over the last read's
//   figures, dimmed. A hidden webview is rebuilt when shown (retainContextWhenHidden is off): its
//   'ready' is now answered with the last read first, then the read again, whose error it shows.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { Uri, waitUntil, type FakeWebviewPanel } from '../support/fake-vscode';
import { FakeExtension } from '../support/fake-extension';
import { makeFs, skipReason, type TestFs } from '../support/loopfs';
import { xfsIo } from '../support/xfs-fixture';
import type { WireSummary } from '../../src/protocol/messages';

const host = new FakeExtension<Api>();
const { state, exec } = host;
const MiB = 1024 * 1024;

type Api = { openInspectors(): Array<{ path: string; summary?: WireSummary }> };
let api: Api;
let xfs: TestFs | undefined;
const skip = skipReason('xfs');

before(() => {
  api = host.activate();
  if (!skip) xfs = makeFs('xfs');
});

after(async () => {
  await host.close();
  xfs?.cleanup();
});

/** Inspect `file` and wait for its summary (the model read). */
async function inspect(file: string): Promise<{ summary: WireSummary; panel: FakeWebviewPanel }> {
  await exec('extentLens.inspect', Uri.file(file));
  const panel = state.panels.at(-1)!;
  let summary: WireSummary | undefined;
  await waitUntil(() => {
    summary = api.openInspectors().find((x) => x.path === file)?.summary;
    return summary !== undefined;
  }, `the summary of ${file}`);
  return { summary: summary!, panel };
}

describe('inspector host: what the summary says', { skip }, () => {
  test('extents past EOF: pastEof and a note with the bytes; Allocated is du (st_blocks)', async () => {
    const f = path.join(xfs!.mountPoint, 'past-eof.bin');
    xfsIo(f, 'pwrite 0 1m', 'falloc -k 1m 4m', 'fsync');
    const { summary, panel } = await inspect(f);
    assert.equal(summary.size, String(MiB));
    assert.equal(summary.pastEof, String(4 * MiB));
    assert.equal(summary.allocated, String(fs.statSync(f).blocks * 512), 'Allocated is what du counts');
    assert.equal(summary.sparseRatio, 0, 'the logical size is all data');
    const note = (summary.notes ?? []).find((n) => /past that end/.test(n));
    assert.match(note ?? '', /^The file is 1048576 bytes long and 4194304 bytes of its extents lie past that end \(preallocated/);
    panel.dispose();
  });

  test('a file with no extents past EOF has no such note', async () => {
    const f = path.join(xfs!.mountPoint, 'inside.bin');
    xfsIo(f, 'pwrite 0 1m', 'fsync');
    const { summary, panel } = await inspect(f);
    assert.equal(summary.pastEof, undefined);
    assert.ok(!(summary.notes ?? []).some((n) => /past that end/.test(n)));
    panel.dispose();
  });

  test('mapDetail "ranges" on a preallocated file: the note gives what the block count holds beyond the data ranges', async () => {
    const f = path.join(xfs!.mountPoint, 'prealloc.bin');
    xfsIo(f, 'falloc 0 12m', 'pwrite 0 128k', 'fsync');
    state.config['extentLens.inspector.mapDetail'] = 'ranges';
    try {
      const { summary, panel } = await inspect(f);
      assert.equal(summary.source, 'seek');
      assert.equal(summary.allocated, String(128 * 1024), 'Allocated there is what SEEK_DATA finds');
      const held = 12 * MiB - 128 * 1024;
      assert.equal(fs.statSync(f).blocks * 512, 12 * MiB);
      const notes = summary.notes ?? [];
      assert.equal(notes.length, 1, JSON.stringify(notes));
      assert.match(
        notes[0],
        new RegExp(
          `^xfs counts ${12 * MiB} bytes in use for this file .* SEEK_DATA finds data in ${128 * 1024} bytes of blocks: the other ${held} bytes .*unwritten \\(preallocated\\) extents`,
        ),
      );
      panel.dispose();
    } finally {
      delete state.config['extentLens.inspector.mapDetail'];
    }
  });
});

describe('commands with offsets: nothing to ask for in a FIFO or an empty file', { skip }, () => {
  let fifo: string;
  let empty: string;
  before(() => {
    fifo = path.join(xfs!.mountPoint, 'pipe');
    execFileSync('mkfifo', [fifo]);
    empty = path.join(xfs!.mountPoint, 'empty.bin');
    fs.writeFileSync(empty, '');
  });

  for (const [command, name] of [
    ['extentLens.punchHole', 'Punch Hole'],
    ['extentLens.cloneRange', 'Clone Range'],
  ] as const) {
    test(`${name} on a FIFO: refused up front with the E_NOT_REGULAR sentence, no offset asked`, async () => {
      state.inputBoxes = [];
      const before = state.messages.length;
      state.inputAnswers = ['0', '1']; // would be typed, were anything asked
      try {
        assert.equal(await exec(command, Uri.file(fifo)), undefined);
      } finally {
        state.inputAnswers = [];
      }
      assert.deepEqual(state.inputBoxes, [], 'no question');
      const said = state.messages.slice(before);
      assert.ok(
        said.some((m) => m.level === 'error' && /is a FIFO \(named pipe\), not a regular file \(E_NOT_REGULAR\)/.test(m.text)),
        JSON.stringify(said),
      );
    });

    test(`${name} on an empty file: says there is nothing to do, no offset asked`, async () => {
      state.inputBoxes = [];
      const before = state.messages.length;
      assert.equal(await exec(command, Uri.file(empty)), undefined);
      assert.deepEqual(state.inputBoxes, [], 'no question');
      const said = state.messages.slice(before);
      assert.ok(
        said.some(
          (m) => m.level === 'info' && /^empty\.bin is empty \(0 bytes\): there is (nothing to punch|no range to clone)\.$/.test(m.text),
        ),
        JSON.stringify(said),
      );
    });
  }
});

describe('inspector export: counts in words', { skip }, () => {
  test('one extent exported: "Exported 1 extent to …"', async () => {
    const f = path.join(xfs!.mountPoint, 'one.bin');
    xfsIo(f, 'pwrite 0 64k', 'fsync');
    const { panel } = await inspect(f);
    const out = path.join(xfs!.mountPoint, 'one.json');
    state.saveDialogAnswer = Uri.file(out);
    const before = state.messages.length;
    try {
      panel.send({ type: 'export', format: 'json' });
      await waitUntil(() => state.messages.slice(before).some((m) => /^Exported /.test(m.text)), 'the export message');
    } finally {
      state.saveDialogAnswer = undefined;
    }
    assert.deepEqual(
      state.messages.slice(before).map((m) => m.text),
      [`Exported 1 extent to ${out}.`],
    );
    panel.dispose();
  });

  test('many extents exported: the count grouped, "Exported 1,536 extents to …"', async () => {
    const f = path.join(xfs!.mountPoint, 'many.bin');
    const punches = Array.from({ length: 1536 }, (_, i) => `fpunch ${i * 8192 + 4096} 4096`);
    xfsIo(f, 'falloc 0 12m', ...punches, 'fsync');
    const { panel, summary } = await inspect(f);
    assert.equal(summary.extentCount, 1536);
    const out = path.join(xfs!.mountPoint, 'many.csv');
    state.saveDialogAnswer = Uri.file(out);
    const before = state.messages.length;
    try {
      panel.send({ type: 'export', format: 'csv' });
      await waitUntil(() => state.messages.slice(before).some((m) => /^Exported /.test(m.text)), 'the export message');
    } finally {
      state.saveDialogAnswer = undefined;
    }
    assert.deepEqual(
      state.messages.slice(before).map((m) => m.text),
      [`Exported 1,536 extents to ${out}.`],
    );
    panel.dispose();
  });
});

describe('inspector host: a tab brought back after its file went', { skip }, () => {
  test('the rebuilt view gets the last read, then the error of the read again', async () => {
    const f = path.join(xfs!.mountPoint, 'goes.img');
    xfsIo(f, 'truncate 8m', 'pwrite 0 1m', 'fsync');
    await exec('extentLens.inspect', Uri.file(f));
    const panel = state.panels.at(-1)!;
    panel.send({ type: 'ready' });
    await panel.waitFor((m) => m.type === 'summary');
    await waitUntil(() => api.openInspectors().some((x) => x.path === f && x.summary), 'the first read');
    // the tab goes behind another; the file is renamed; the watcher says so
    panel.setVisible(false);
    fs.renameSync(f, `${f}.moved`);
    const w = state.watchers.find((x) => !x.disposed && x.pattern.pattern === path.basename(f));
    assert.ok(w, 'a watcher on the file');
    w.change.fire(Uri.file(f));
    await waitUntil(() => state.log.some((l) => l.text === `inspector: ${f} changed; refreshing`), 'the change seen');
    // back in front: VS Code rebuilds the webview, which says ready
    const from = panel.posted.length;
    panel.setVisible(true);
    panel.send({ type: 'ready' });
    await panel.waitFor((m) => m.type === 'error' && panel.posted.indexOf(m) >= from);
    const types = panel.posted.slice(from).map((m) => (m as { type: string }).type);
    const summary = types.indexOf('summary');
    assert.ok(summary >= 0 && summary < types.lastIndexOf('error'), `the last read, then the error: ${types.join(', ')}`);
    const last = panel.posted.slice(from).find((m) => (m as { type: string }).type === 'summary') as { summary: WireSummary };
    assert.equal(last.summary.size, String(8 * 1024 * 1024), "the last read's figures");
    panel.dispose();
  });
});
