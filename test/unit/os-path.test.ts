// Names that are not UTF-8 (issue 11 item 11), without a file system: the surrogateescape
// mapping (src/engine/os-path.ts), the CLI's raw argv (src/cli/argv.ts) and how names are shown
// (src/cli/format.ts escapeControls). The real files are in test/linux/non-utf8-names.test.ts
// and test/cli/non-utf8-names.test.ts.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { commandLineArgs } from '../../src/cli/argv';
import { escapeControls } from '../../src/cli/format';
import { cPath, fromOsBytes, fromOsBytesAt, hasLoneSurrogate, osByteLength, osPath, osPathBytes } from '../../src/engine/os-path';

test('fromOsBytes decodes as Python\'s bytes.decode("utf-8", "surrogateescape")', () => {
  // Expected values from CPython 3: b.decode('utf-8', 'surrogateescape').
  const cases: [number[], string][] = [
    [[...Buffer.from('bad')], 'bad'],
    [[0x62, 0x61, 0x64, 0xff, 0x2e, 0x62], 'bad\udcff.b'],
    [[0x73, 0xed, 0xa0, 0x80, 0x78], 's\udced\udca0\udc80x'], // an encoded surrogate is not UTF-8
    [[0x74, 0xe2, 0x82, 0x2e], 't\udce2\udc82.'], // a truncated sequence
    [[0xf0, 0x9f, 0x98], '\udcf0\udc9f\udc98'],
    [[0xc0, 0xaf], '\udcc0\udcaf'], // an overlong "/"
    [[0xf4, 0x90, 0x80, 0x80], '\udcf4\udc90\udc80\udc80'], // past U+10FFFF
    [[0xe0, 0x80, 0x80], '\udce0\udc80\udc80'],
    [[0x6f, 0x6b, 0xf0, 0x9f, 0x98, 0x80], 'ok\u{1f600}'],
    [[0x80, 0xbf, 0xfe], '\udc80\udcbf\udcfe'],
    [[0xef, 0xbf, 0xbd], '\ufffd'], // U+FFFD itself is valid UTF-8
  ];
  for (const [bytes, s] of cases) {
    assert.equal(fromOsBytes(Buffer.from(bytes)), s, Buffer.from(bytes).toString('hex'));
    assert.deepEqual([...osPathBytes(s)], bytes);
    // the same from the middle of a bigger buffer (the space walk's folder reads)
    const around = Buffer.from([0x41, ...bytes, 0xff]);
    assert.equal(fromOsBytesAt(around, 1, 1 + bytes.length), s);
  }
});

test('bytes -> string -> the same bytes, for any bytes; valid UTF-8 decodes as Node decodes it', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), (a) => {
      const b = Buffer.from(a);
      const s = fromOsBytes(b);
      assert.deepEqual(osPathBytes(s), b);
      assert.equal(osByteLength(s), b.length);
      const node = b.toString('utf8');
      if (Buffer.from(node, 'utf8').equals(b)) assert.equal(s, node);
      else assert.equal(hasLoneSurrogate(s), true);
    }),
    { numRuns: 2000, seed: 11 },
  );
  fc.assert(
    fc.property(fc.string({ unit: 'grapheme', maxLength: 32 }), (t) => {
      assert.equal(fromOsBytes(Buffer.from(t, 'utf8')), t);
      assert.equal(osPath(t), t); // plain Unicode goes to node:fs unchanged
      assert.equal(cPath(t), t);
    }),
    { numRuns: 500, seed: 11 },
  );
});

test('osPath and cPath: the string when it is plain Unicode, else the exact bytes (NUL-terminated for C)', () => {
  assert.equal(osPath('/mnt/a 😀.bin'), '/mnt/a 😀.bin');
  assert.deepEqual(osPath('/mnt/a\udcff'), Buffer.from('/mnt/a\xff', 'latin1'));
  assert.deepEqual(cPath('/mnt/a\udcff'), Buffer.from('/mnt/a\xff\0', 'latin1'));
  // A pair that happens to use U+DC80 is one character (U+10080), not a carried byte.
  assert.equal(hasLoneSurrogate('\ud800\udc80'), false);
  assert.equal(osPath('\ud800\udc80'), '\ud800\udc80');
  assert.equal(osByteLength('a\udcffb'), 3);
  assert.equal(osByteLength('é'), 2);
});

// A trial: files named lit\nname (a backslash and an n) and lit<newline>name both printed as
// lit\nname. A backslash is escaped as ls -b escapes it; on Windows it is the path separator.
test('escapeControls: a backslash as \\\\, so a name with "\\n" reads apart from one with a newline; not on Windows', () => {
  assert.equal(escapeControls('/d/lit\\nname', 'linux'), '/d/lit\\\\nname');
  assert.equal(escapeControls('/d/lit\nname', 'linux'), '/d/lit\\nname');
  assert.notEqual(escapeControls('/d/lit\\nname', 'linux'), escapeControls('/d/lit\nname', 'linux'));
  assert.equal(escapeControls('Z:\\tmp\\a.bin', 'win32'), 'Z:\\tmp\\a.bin');
});

test('escapeControls: a carried byte as \\xNN, other lone surrogates as \\uNNNN, pairs and U+FFFD as they are', () => {
  assert.equal(escapeControls('/mnt/bad\udcff.bin'), '/mnt/bad\\xff.bin');
  assert.equal(escapeControls('s\udced\udca0\udc80x'), 's\\xed\\xa0\\x80x');
  assert.equal(escapeControls('a\ud800b\udc00c'), 'a\\ud800b\\udc00c');
  assert.equal(escapeControls('ok 😀 \ufffd'), 'ok 😀 \ufffd');
  assert.equal(escapeControls('a\x1b[2Jb\udcff\n'), 'a\\x1b[2Jb\\xff\\n');
});

test('commandLineArgs: raw bytes from /proc/self/cmdline where process.argv lost them, lined up from the end', () => {
  const cmdline = (...args: (string | Buffer)[]) => Buffer.concat(args.flatMap((a) => [Buffer.from(a), Buffer.alloc(1)]));
  const bad = Buffer.from('bad\xff.bin', 'latin1');
  const argv = ['/usr/bin/node', '/x/dist/cli.js', 'ranges', bad.toString('utf8'), '--json'];
  let reads = 0;
  const read = (b: Buffer) => () => {
    reads++;
    return b;
  };
  // node flags before the script, an empty argument after it
  assert.deepEqual(commandLineArgs(argv, read(cmdline('node', '--no-warnings', '/x/dist/cli.js', 'ranges', bad, '--json'))), [
    'ranges',
    'bad\udcff.bin',
    '--json',
  ]);
  assert.deepEqual(commandLineArgs([...argv, ''], read(cmdline('node', '/x/dist/cli.js', 'ranges', bad, '--json', ''))), [
    'ranges',
    'bad\udcff.bin',
    '--json',
    '',
  ]);
  // No U+FFFD in process.argv: /proc is not read at all.
  reads = 0;
  assert.deepEqual(commandLineArgs(['node', 'cli.js', 'map', 'ok.bin'], read(Buffer.alloc(0))), ['map', 'ok.bin']);
  assert.equal(reads, 0);
  // A name that really holds U+FFFD (valid UTF-8) stays U+FFFD.
  assert.deepEqual(commandLineArgs(['node', 'cli.js', 'map', 'a\ufffd'], read(cmdline('node', 'cli.js', 'map', 'a\ufffd'))), [
    'map',
    'a\ufffd',
  ]);
  // Not lined up (a changed process title, fewer entries, no /proc): process.argv as it is.
  assert.deepEqual(commandLineArgs(argv, read(cmdline('extent-lens worker'))), argv.slice(2));
  assert.deepEqual(commandLineArgs(argv, read(cmdline('node', 'cli.js', 'ranges', 'other\xff', '--json'))), argv.slice(2));
  assert.deepEqual(
    commandLineArgs(argv, () => undefined),
    argv.slice(2),
  );
});
