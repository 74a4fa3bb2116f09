// XXH3-128 from the system's libxxhash (src/engine/backends/linux/libxxhash.ts) against hash-wasm's
// WebAssembly build, which the engine uses where the library is missing: the dedupe find's keys
// must be the same whichever a thread has (threads could differ; a key made by one is compared
// with keys made by another). Streaming in pieces of every size, the short texts the keys mix in,
// and text longer than the native hasher's reused buffer. Debian: libxxhash0 (scripts/setup.d/10-apt.sh).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createXXHash128 } from 'hash-wasm/dist/xxhash128.umd.min.js';
import { nativeXxh128 } from '../../src/engine/backends/linux/libxxhash';
import { newXxh128 } from '../../src/engine/dedupe-hash';

const native = process.platform === 'linux' ? nativeXxh128() : undefined;

test('libxxhash and WebAssembly give the same XXH3-128 digests', { skip: native ? false : 'libxxhash.so.0 cannot be loaded here' }, async () => {
  const wasm = await createXXHash128();
  const data = randomBytes(3 * 1024 * 1024 + 17);
  const cases: (string | Buffer)[][] = [
    [],
    [Buffer.alloc(0)],
    ['131072:', '0+131072:', data.subarray(0, 131072)],
    [data], // > 1 MiB in one piece
    [data.subarray(0, 1), data.subarray(1, 240), data.subarray(240, 4096 + 3), data.subarray(4099)],
    ['x'.repeat(1000), 'é→😀', data.subarray(0, 64)], // longer than the 256-byte text buffer; not ASCII
  ];
  for (const pieces of cases) {
    native!.init();
    wasm.init();
    for (const p of pieces) {
      native!.update(p);
      wasm.update(p);
    }
    assert.equal(Buffer.from(native!.digest()).toString('hex'), Buffer.from(wasm.digest('binary')).toString('hex'));
  }
  // XXH3-128 of nothing, seed 0 (xxHash's test vector), in canonical form
  assert.equal(Buffer.from(native!.init().digest()).toString('hex'), '99aa06d3014798d86001c324468d497f');
});

test('the engine takes the native hasher where the library loads', { skip: native ? false : 'libxxhash.so.0 cannot be loaded here' }, async () => {
  const h = await newXxh128();
  // hash-wasm's hasher has a `setSeed`/`blockSize`; ours is the three-method object of libxxhash.ts
  assert.equal('blockSize' in h, false);
  assert.equal(Buffer.from(h.init().update('abc').digest()).toString('hex'), Buffer.from((await createXXHash128()).init().update('abc').digest('binary')).toString('hex'));
});
