// The CLI's JSON string literal (src/cli/json.ts str): plain printable ASCII is quoted as it is
// (the fast path most paths take), everything else goes through JSON.stringify; both must give
// exactly JSON.stringify's text.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { str } from '../../src/cli/json';

test('str gives exactly JSON.stringify, on the fast path and off it', () => {
  const samples = [
    '',
    '/mnt/tree/d00001/00000004a.bin',
    'a "quoted" name',
    'back\\slash',
    'tab\there',
    'new\nline',
    '\u0000\u001f\u007f',
    'café',
    'emoji 😀',
    'lone \udcff surrogate (a non-UTF-8 byte carried by os-path)',
    '\ud800',
    "~!#$%&'()*+,-./:;<=>?@[]^_`{|}",
  ];
  for (const s of samples) {
    assert.equal(str(s), JSON.stringify(s), s);
    assert.equal(JSON.parse(str(s)), s);
  }
});
