// XXH3-128 from the system's libxxhash (Debian: libxxhash0, which rsync, zstd tools and many
// others already pull in), for the dedupe find's chunk keys (dedupe-hash.ts). The find reads and
// hashes every byte of candidate data; the WebAssembly build of the same function (hash-wasm)
// does ~3.3 GiB/s per core here plus a copy into its memory, libxxhash ~12 GiB/s on the Buffer
// itself (bench/NOTES.md, dedupe). Both compute XXH3_128bits with seed 0 and give the digest in
// its canonical (big-endian) form, so the keys are the same whichever a thread uses
// (test/linux/xxh128.test.ts); where the library is missing the engine uses WebAssembly.
//
// One of the files allowed to load koffi (docs/ARCHITECTURE.md): a second library, not libc.

import koffi = require('koffi');
import type { Xxh128Hasher } from '../../backend-ext';

interface Lib {
  createState(): unknown;
  reset(state: unknown): number;
  update(state: unknown, data: Uint8Array, length: number): number;
  digest(state: unknown): { b: Uint8Array };
}

let lib: Lib | null | undefined;

function load(): Lib | null {
  if (lib !== undefined) return lib;
  try {
    const so = koffi.load('libxxhash.so.0');
    // XXH128_hash_t is { uint64 low64, high64 }, returned by value; declared as 16 bytes (the same
    // two integer registers on x86_64 and arm64) so the digest arrives as bytes: low64 then high64,
    // each little-endian; reversed, that is the canonical form.
    const Digest = koffi.struct({ b: koffi.array('uint8_t', 16) });
    const createState = so.func('void *XXH3_createState(void)');
    const reset = so.func('int XXH3_128bits_reset(void *state)');
    const update = so.func('int XXH3_128bits_update(void *state, const void *input, size_t length)');
    const digest = so.func('XXH3_128bits_digest', Digest, ['void *']);
    lib = {
      createState: () => createState(),
      reset: (s) => reset(s) as number,
      update: (s, d, n) => update(s, d, n) as number,
      digest: (s) => digest(s) as { b: Uint8Array },
    };
  } catch {
    lib = null;
  }
  return lib;
}

/**
 * A streaming XXH3-128 hasher on libxxhash, or undefined where the library cannot be loaded. Its
 * state (~600 bytes of native memory) lives as long as the thread: dedupe-hash.ts keeps its
 * hashers for reuse and never drops one.
 */
export function nativeXxh128(): Xxh128Hasher | undefined {
  const l = load();
  if (!l) return undefined;
  const state = l.createState();
  if (!state) return undefined;
  const text = Buffer.allocUnsafe(256);
  const h: Xxh128Hasher = {
    init() {
      l.reset(state);
      return h;
    },
    update(data) {
      if (typeof data === 'string') {
        // the keys' short texts ("131072:", "0+4096:") go through one reused buffer
        const bytes = Buffer.byteLength(data, 'utf8');
        if (bytes <= text.length) l.update(state, text, text.write(data, 'utf8'));
        else l.update(state, Buffer.from(data, 'utf8'), bytes);
      } else if (data.length > 0) l.update(state, data, data.length);
      return h;
    },
    digest() {
      return Uint8Array.from(l.digest(state).b).reverse();
    },
  };
  return h;
}
