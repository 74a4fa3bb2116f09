// src/cli/digits.ts writes the CLI's table digits straight into bytes: every value below 2^53
// must give exactly String(v), with the length decimalLength says, at any position.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decimalLength, writeAscii, writeDigits, writeSpaces } from '../../src/cli/digits';

function render(v: number): string {
  const buf = new Uint8Array(40);
  const n = decimalLength(v);
  writeDigits(buf, 3, v, n);
  return Buffer.from(buf.subarray(3, 3 + n)).toString('latin1');
}

test('writeDigits/decimalLength equal String(v) for every length up to 2^53 - 1', () => {
  const values = [0, 1, 9, 10, 99, 100, 4095, 4096, 65535, 99999, 100000, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 32 + 1, 1e15 - 1, 1e15, 2 ** 53 - 1];
  for (let k = 0; k < 16; k++) values.push(10 ** k - 1, 10 ** k, 10 ** k + 1);
  let x = 0x9e3779b9;
  for (let i = 0; i < 20000; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    const hi = x % 0x200000;
    x = (x * 1103515245 + 12345) >>> 0;
    values.push(hi * 4294967296 + x, x, x % 100000);
  }
  for (const v of values) {
    if (v > Number.MAX_SAFE_INTEGER) continue;
    assert.equal(render(v), String(v), `value ${v}`);
    assert.equal(decimalLength(v), String(v).length, `length of ${v}`);
  }
});

test('writeSpaces and writeAscii return the next position; no spaces for n <= 0', () => {
  const buf = new Uint8Array(32).fill(0x2e);
  let p = writeSpaces(buf, 0, 3);
  p = writeAscii(buf, p, 'ab');
  p = writeSpaces(buf, p, 0);
  p = writeSpaces(buf, p, -2);
  p = writeSpaces(buf, p, 9);
  assert.equal(p, 14);
  assert.equal(Buffer.from(buf.subarray(0, 15)).toString('latin1'), '   ab         .');
});
