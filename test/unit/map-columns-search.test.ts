// The two binary searches over a map's columns (src/views/map-columns.ts), against a linear scan
// of the same extents: every offset at, just before and just after each extent's start and end,
// with offsets that differ only above 2^32 (the columns keep each offset as two 32-bit halves)
// and above 2^53.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { columnsOf, firstEndingAfter, firstStartingAtOrAfter } from '../../src/views/map-columns';
import { P53, ext, mapOf } from './map-model-fixtures';

const G4 = 1n << 32n;

test('firstEndingAfter and firstStartingAtOrAfter agree with a linear scan, across the 32-bit halves and past 2^53', () => {
  const extents = [
    ext(0n, 4096n),
    ext(8192n, 4096n),
    ext(G4 - 4096n, 8192n), // crosses 2^32
    ext(G4 + 8192n, 4096n),
    ext(3n * G4 + 4096n, 4096n), // the same low half as the second extent's end, another high half
    ext(P53 - 4096n, 8192n),
    ext(P53 + 65536n, 4096n, ['last']),
  ];
  const c = columnsOf(mapOf(extents, P53 + 1048576n));
  const probes = new Set<bigint>([0n, P53 + 1048576n]);
  for (const e of extents) {
    for (const at of [e.offset, e.offset + e.length]) for (const d of [-1n, 0n, 1n]) if (at + d >= 0n) probes.add(at + d);
  }
  for (const o of probes) {
    const ending = extents.findIndex((e) => e.offset + e.length > o);
    const starting = extents.findIndex((e) => e.offset >= o);
    assert.equal(firstEndingAfter(c, o), ending === -1 ? extents.length : ending, `first ending after ${o}`);
    assert.equal(firstStartingAtOrAfter(c, o), starting === -1 ? extents.length : starting, `first starting at or after ${o}`);
  }
  const none = columnsOf(mapOf([], 4096n));
  assert.equal(firstEndingAfter(none, 0n), 0);
  assert.equal(firstStartingAtOrAfter(none, 0n), 0);
});
