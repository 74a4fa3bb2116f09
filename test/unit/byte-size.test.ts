// The byte-size grammar (src/protocol/byte-size.ts): one implementation that the CLI's
// arguments (src/cli/numbers.ts) and the extension's input boxes (src/host/logic/bytes.ts)
// both parse with, so "64k" or "0x1000" means the same bytes in either.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { INT64_MAX, parseByteSize } from '../../src/protocol/byte-size';
import { parseSize } from '../../src/cli/numbers';
import { byteArgument, parseByteInput, setNumberLocale } from '../../src/host/logic/bytes';
import { plainT } from '../../src/host/logic/translate';

const GOOD: [string, bigint][] = [
  ['0', 0n],
  [' 4096 ', 4096n],
  ['1_048_576', 1048576n],
  ['0x1000', 4096n],
  ['0X10', 16n],
  ['4k', 4096n],
  ['4KiB', 4096n],
  ['4Ki', 4096n],
  ['1MiB', 1n << 20n],
  ['7E', 7n << 60n],
  ['1KB', 1000n],
  ['2MB', 2_000_000n],
  ['512b', 512n],
  ['8s', 4096n],
  ['4 KiB', 4096n], // a space before the suffix, as people write it
  ['64 k', 65536n],
  [' 1 MB ', 1_000_000n],
  ['9007199254740993', 9007199254740993n], // 2^53 + 1: a Number would round it to 2^53
  ['9223372036854775807', INT64_MAX],
  ['0x7fffffffffffffff', INT64_MAX],
  // digits grouped as the views show them, pasted back (a trial: "4,096" was "not a byte count")
  ['4,096', 4096n],
  ['9,007,199,254,740,993', 9007199254740993n],
  ['1,048,576 bytes', 1048576n],
  ['1,048,576 b', 1048576n],
  ['1 byte', 1n],
  ['9,223,372,036,854,775,807', INT64_MAX],
];

const BAD: [string, 'form' | 'too-large' | 'negative' | 'separator-and-suffix'][] = [
  ['', 'form'],
  // underscores only between digits (a trial: "_1", "1_" and "1k_" were taken as 1, 1 and 1024)
  ['_1', 'form'],
  ['1_', 'form'],
  ['1k_', 'form'],
  ['1__0', 'form'],
  ['4q', 'form'],
  ['1.5M', 'separator-and-suffix'], // a fraction before a unit: said so
  ['k', 'form'],
  ['0x', 'form'],
  ['1e6', 'form'],
  ['4 q', 'form'],
  ['-1', 'negative'],
  ['- 4 KiB', 'negative'],
  ['-x', 'form'],
  ['9223372036854775808', 'too-large'],
  ['8E', 'too-large'],
  ['0x8000000000000000', 'too-large'],
  // commas other than the views' grouping of a byte count
  ['1,5M', 'separator-and-suffix'],
  ['1,500k', 'separator-and-suffix'], // a German 1.5k: grouped digits are bytes only
  ['1,500 KiB', 'separator-and-suffix'],
  ['8,192s', 'separator-and-suffix'],
  ['1.5G', 'separator-and-suffix'], // a fraction: not read
  ['-1,500k', 'separator-and-suffix'],
  ['1,0485', 'form'],
  ['10485,76', 'form'],
  ['1,048,576,', 'form'],
  [',4096', 'form'],
  ['0x1,000', 'form'],
  ['12.582.912', 'form'],
  ['1,048_576', 'form'],
  ['-4,096', 'negative'],
  ['9,223,372,036,854,775,808', 'too-large'],
];

test('parseByteSize: exact bigints for every form of the grammar', () => {
  for (const [text, want] of GOOD) assert.deepEqual(parseByteSize(text), { value: want }, text);
});

test('parseByteSize: says why a text is not a byte count', () => {
  for (const [text, why] of BAD) assert.deepEqual(parseByteSize(text), { error: why }, text);
});

test('the CLI and the extension accept and refuse the same texts, with the same values', () => {
  for (const [text, want] of GOOD) {
    assert.equal(parseSize(text, 'X'), want, text);
    assert.deepEqual(parseByteInput(text), { value: want }, text);
  }
  for (const [text] of BAD) {
    assert.throws(() => parseSize(text, 'X'), Error, text);
    assert.ok('error' in parseByteInput(text), text);
  }
});

test("the extension's input boxes also take digits grouped as the display language groups them (its notifications' numbers)", () => {
  try {
    setNumberLocale('de');
    assert.deepEqual(parseByteInput('12.582.912'), { value: 12582912n });
    assert.deepEqual(parseByteInput('12.582.912 bytes'), { value: 12582912n });
    assert.deepEqual(parseByteInput('4,096'), { value: 4096n }, "the webviews' grouping, in any language");
    assert.ok('error' in parseByteInput('1.500k'), 'grouped digits are bytes only');
    assert.ok('error' in parseByteInput('1.5'), 'no fractions');
    assert.ok('error' in parseByteInput('1.048,576'), 'one separator throughout: to a German reader this is 1048.576');
    assert.ok('error' in parseByteInput('12.582.912', plainT, { displayGrouping: false }), "settings and arguments: the views' commas only");
    assert.equal(byteArgument('12.582.912'), undefined, 'a command argument reads alike in every display language');
    setNumberLocale('fr');
    assert.deepEqual(parseByteInput('12\u202f582\u202f912'), { value: 12582912n });
  } finally {
    setNumberLocale('en');
  }
  assert.ok('error' in parseByteInput('12.582.912'), 'in English a dot is no group separator');
  assert.ok('error' in parseByteSize('12.582.912'), 'nor in the CLI');
});

test('"1,500k" (a comma or point before a unit) is refused as such, in the CLI and the input boxes, with what to write instead', () => {
  for (const text of ['1,500k', '1,5M', '1.5G', '8,192 s']) {
    assert.throws(() => parseSize(text, '--length'), {
      message: new RegExp(
        `^--length: "${text.replace('.', '\\.')}" has a comma or point before its unit.*write it without, in a smaller unit for a fraction \\(1536k for 1\\.5M\\), or the bytes in full`,
      ),
    });
    const box = parseByteInput(text);
    assert.ok('error' in box && box.error.startsWith(`"${text}" has a separator between its digits before the unit`), JSON.stringify(box));
  }
  try {
    setNumberLocale('de');
    const box = parseByteInput('1.500k');
    assert.ok('error' in box && /has a separator between its digits before the unit/.test(box.error), JSON.stringify(box));
    // French groups digits with a narrow no-break space: the message names no comma or point it does not hold
    setNumberLocale('fr');
    const fr = parseByteInput('1\u202f500k');
    assert.ok('error' in fr && /has a separator between its digits before the unit/.test(fr.error), JSON.stringify(fr));
  } finally {
    setNumberLocale('en');
  }
  assert.deepEqual(parseByteInput('1,536,000 bytes'), { value: 1536000n }, 'what it suggests is read');
  assert.deepEqual(parseByteInput('1500k'), { value: 1536000n });
});
