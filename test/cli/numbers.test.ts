// Exact parsing of sizes and offsets, and the human/JSON formatting helpers of the CLI (notes
// wrapped to a terminal's width, one line when piped).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dec, writeObjectWithArray } from '../../src/cli/json';
import { exactAndHuman, humanUnit, noteLine } from '../../src/cli/format';
import { fractionPercent, percentOf } from '../../src/protocol/format';
import { INT64_MAX, parseCount, parseSize } from '../../src/cli/numbers';
import { ChunkWriter } from '../../src/cli/output';
import { UsageError } from '../../src/cli/usage-error';

test('parseSize: decimals, hex and suffixes are exact bigints', () => {
  const cases: [string, bigint][] = [
    ['0', 0n],
    ['4096', 4096n],
    ['1_048_576', 1048576n],
    ['0x1000', 4096n],
    ['0X10', 16n],
    ['4k', 4096n],
    ['4K', 4096n],
    ['4KiB', 4096n],
    ['4Ki', 4096n],
    ['1MiB', 1n << 20n],
    ['1m', 1n << 20n],
    ['3G', 3n << 30n],
    ['1T', 1n << 40n],
    ['1P', 1n << 50n],
    ['7E', 7n << 60n],
    ['1KB', 1000n],
    ['2MB', 2_000_000n],
    ['512b', 512n],
    ['8s', 4096n],
    ['9007199254740993', 9007199254740993n], // 2^53 + 1: a Number would round it to 2^53
    ['1152921504606846977', 1152921504606846977n], // 2^60 + 1
    ['9223372036854775807', INT64_MAX],
    ['0x7fffffffffffffff', INT64_MAX],
  ];
  for (const [text, want] of cases) assert.equal(parseSize(text, 'X'), want, text);
});

test('parseSize: refuses what is not a byte count, negative or above 2^63 - 1', () => {
  for (const bad of ['', '-1', '4q', '1.5M', 'k', '0x', '4 q', 'abc', '9223372036854775808', '8E', '1e6']) {
    assert.throws(() => parseSize(bad, '--offset'), (e: unknown) => e instanceof UsageError && e.message.startsWith('--offset'), bad);
  }
  assert.throws(() => parseSize('-1', '--offset'), { message: '--offset: -1 is negative; offsets and sizes start at 0.' });
  assert.throws(() => parseSize('-0', '--offset'), { message: '--offset: -0 has a minus sign; offsets and sizes take none (write 0).' });
  assert.throws(() => parseSize('-0k', '--offset'), { message: '--offset: -0k has a minus sign; offsets and sizes take none (write 0).' });
  assert.equal(parseSize('4 k', '--offset'), 4096n, 'a space before the suffix');
});

test('parseCount: small positive integers only', () => {
  assert.equal(parseCount('64k', '--block-size'), 65536);
  assert.throws(() => parseCount('0', '--block-size'), UsageError);
  assert.throws(() => parseCount('1E', '--block-size'), UsageError);
});

test('humanUnit / exactAndHuman / percentOf are computed on bigints', () => {
  assert.equal(humanUnit(0n), '0 bytes');
  assert.equal(humanUnit(1n), '1 byte');
  assert.equal(humanUnit(1023n), '1023 bytes');
  assert.equal(humanUnit(1024n), '1 KiB');
  assert.equal(humanUnit(1536n), '1.5 KiB');
  assert.equal(humanUnit(1n << 30n), '1 GiB');
  assert.equal(humanUnit((1n << 60n) + 1n), '1 EiB');
  assert.equal(humanUnit(INT64_MAX), '8 EiB');
  assert.equal(exactAndHuman(1073741824n), '1073741824 (1 GiB)');
  assert.equal(exactAndHuman(1152921504606846977n), '1152921504606846977 (1 EiB)');
  assert.equal(percentOf(1n, 3n), '33.3%');
  assert.equal(percentOf(0n, 0n), '0%');
  // never 100.0% or 0.0% unless exactly so (the trial's 8,388,608 of 8,392,704 shared)
  assert.equal(percentOf(8388608n, 8392704n), '>99.9%');
  assert.equal(percentOf(8392704n, 8392704n), '100.0%');
  assert.equal(percentOf(4097n, 1n << 53n), '<0.1%');
  assert.equal(percentOf(0n, 5n), '0.0%');
  assert.equal(fractionPercent(1 - 1e-12), '>99.9');
  assert.equal(fractionPercent(1), '100.0');
  assert.equal(fractionPercent(1e-12), '<0.1');
  assert.equal(fractionPercent(0), '0.0');
  assert.equal(fractionPercent(0.125), '12.5');
});

test('JSON: bigints become decimal strings, arrays stream in batches', () => {
  assert.equal(dec(9007199254740993n), '"9007199254740993"');
  const chunks: string[] = [];
  // A small buffer, so that the document crosses many chunk boundaries.
  const capture = (): ChunkWriter => new ChunkWriter((c) => chunks.push(Buffer.from(c).toString('utf8')), 4096);
  const items = Array.from({ length: 10_000 }, (_, i) => BigInt(i) << 40n);
  writeObjectWithArray(capture(), [['a', '"x"'], ['path', JSON.stringify('/tmp/é ü/')]], 'items', items, (b) => dec(b), [['n', '1']]);
  const text = chunks.join('');
  const parsed = JSON.parse(text);
  assert.equal(parsed.a, 'x');
  assert.equal(parsed.path, '/tmp/é ü/');
  assert.ok(chunks.length >= 2, `${chunks.length} chunks`);
  assert.equal(parsed.n, 1);
  assert.equal(parsed.items.length, 10_000);
  assert.equal(parsed.items[9999], (9999n << 40n).toString());
  // empty array and no tail
  chunks.length = 0;
  writeObjectWithArray(capture(), [], 'items', [], (b: bigint) => dec(b), []);
  assert.deepEqual(JSON.parse(chunks.join('')), { items: [] });
});

test('noteLine: one line when piped; on a terminal wrapped at spaces, indented, paths never cut', () => {
  const text = 'btrfs: Deleting these files frees about 0 to 1048576 bytes, by the bytes they reference: /a/very/long/path/that/does/not/fit/on/one/line/of/forty/columns/at/all ends it.';
  assert.equal(noteLine(text, 0), `note: ${text}`);
  const wrapped = noteLine(text, 40).split('\n');
  assert.ok(wrapped.length > 3);
  assert.ok(wrapped[0].startsWith('note: btrfs:'));
  for (const l of wrapped.slice(1)) assert.match(l, /^ {6}\S/);
  for (const l of wrapped) if (!l.includes('/a/very')) assert.ok(l.length <= 40, l);
  assert.ok(wrapped.some((l) => l.trim() === '/a/very/long/path/that/does/not/fit/on/one/line/of/forty/columns/at/all'));
  assert.equal(wrapped.map((l) => l.trim()).join(' '), `note: ${text}`, 'only spaces became line breaks');
  assert.equal(noteLine('short', 80), 'note: short');
});
