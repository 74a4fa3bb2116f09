// What punch says about a range that is not all deallocated (src/engine/punch-parts.ts): the
// partial blocks zeroed, the part past the end, the holes already there, one byte said as one.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { punchNotes } from '../../src/engine/punch-parts';

test('punch notes: partial blocks, past the end (one byte is "1 byte"), holes already', () => {
  assert.equal(punchNotes(0n, 4096n, 8192n, 4096, 4096n, 'FIEMAP'), undefined, 'all of it deallocated: nothing to say');
  assert.deepEqual(punchNotes(9223372036854775806n, 1n, 10n, 4096, 0n, 'FIEMAP'), [
    '1 byte asked for; 0 bytes deallocated (measured with FIEMAP)',
    '1 byte lies past the end of the file (10 bytes)',
  ]);
  // the last byte of a file of the largest size: in a partial block (a trial read "1 bytes lie")
  assert.deepEqual(punchNotes(9223372036854775806n, 1n, 9223372036854775807n, 4096, 0n, 'FIEMAP'), [
    '1 byte asked for; 0 bytes deallocated (measured with FIEMAP)',
    '1 byte lies in partial 4096-byte blocks at the ends of the range: zeroed, not deallocated',
  ]);
  assert.deepEqual(punchNotes(0n, 12288n, 8192n, 4096, 4096n, 'st_blocks'), [
    '12288 bytes asked for; 4096 bytes deallocated (measured with st_blocks)',
    '4096 bytes lie past the end of the file (8192 bytes)',
    'of the 12288 bytes in whole blocks, 8192 were not allocated (holes already, or past the end)',
  ]);
});
