// Paths as the OS has them: bytes. Linux names are any bytes but "/" and NUL, not necessarily
// UTF-8; the engine keeps paths as JavaScript strings and carries each byte that is not part of
// valid UTF-8 as the lone surrogate U+DC80..U+DCFF (U+DC00 + the byte): Python's
// "surrogateescape" (PEP 383). The mapping is lossless both ways: valid UTF-8 never encodes a
// surrogate, so every byte string decodes to one string and encodes back to the same bytes.
//
// Conversions happen only at the boundaries, here:
//   in   fromOsBytes: raw bytes (the CLI's argv from /proc/self/cmdline, realpath) -> string;
//   out  osPath: the string for node:fs (unchanged when it is plain Unicode, else the exact
//        bytes as a Buffer, which node:fs accepts as a path); cPath: the same for a C
//        `const char *` parameter through koffi (a NUL-terminated Buffer: koffi would encode a
//        string as UTF-8 and turn each lone surrogate into U+FFFD, another name).
// Dependency-free (Buffer only), so the CLI may import it directly (docs/ARCHITECTURE.md).

/** A surrogate that is not half of a pair: U+D800..U+DBFF not followed by a low one, or a low one not after a high one. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** True when `s` has a lone surrogate, i.e. it cannot be written as UTF-8 as it is (it carries raw bytes). */
export function hasLoneSurrogate(s: string): boolean {
  return LONE_SURROGATE.test(s);
}

/**
 * The exact bytes of `s` on the OS: UTF-8, except that each lone U+DC80..U+DCFF is the byte it
 * carries. Other lone surrogates (which no byte string decodes to) are written as UTF-8 writes
 * them in Node (U+FFFD), as before this mapping existed.
 */
export function osPathBytes(s: string): Buffer {
  if (!LONE_SURROGATE.test(s)) return Buffer.from(s, 'utf8');
  const parts: Buffer[] = [];
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        i++; // a pair: one character, UTF-8 as usual
        continue;
      }
    }
    if (c >= 0xdc80 && c <= 0xdcff) {
      parts.push(Buffer.from(s.slice(start, i), 'utf8'), Buffer.of(c - 0xdc00));
      start = i + 1;
    }
  }
  parts.push(Buffer.from(s.slice(start), 'utf8'));
  return Buffer.concat(parts);
}

/** A path for node:fs: `p` itself when it is plain Unicode (the common case), else its exact bytes. */
export function osPath(p: string): string | Buffer {
  return LONE_SURROGATE.test(p) ? osPathBytes(p) : p;
}

/** A path for a C `const char *` through koffi: `p` itself (koffi writes UTF-8), else its bytes and a NUL. */
export function cPath(p: string): string | Buffer {
  if (!LONE_SURROGATE.test(p)) return p;
  const b = osPathBytes(p);
  return Buffer.concat([b, Buffer.alloc(1)]);
}

/** How many bytes `s` takes on the OS (a carried byte is one byte, not the three of U+FFFD). */
export function osByteLength(s: string): number {
  return LONE_SURROGATE.test(s) ? osPathBytes(s).length : Buffer.byteLength(s, 'utf8');
}

/** Length of the valid UTF-8 sequence at `b[i]` (no overlong forms, no surrogates, at most U+10FFFF), or 0. */
function utf8SequenceAt(b: Uint8Array, i: number): number {
  const b0 = b[i];
  if (b0 < 0x80) return 1;
  const cont = (k: number, lo = 0x80, hi = 0xbf): boolean => i + k < b.length && b[i + k] >= lo && b[i + k] <= hi;
  if (b0 >= 0xc2 && b0 <= 0xdf) return cont(1) ? 2 : 0;
  if (b0 >= 0xe0 && b0 <= 0xef) {
    const ok1 = b0 === 0xe0 ? cont(1, 0xa0) : b0 === 0xed ? cont(1, 0x80, 0x9f) : cont(1);
    return ok1 && cont(2) ? 3 : 0;
  }
  if (b0 >= 0xf0 && b0 <= 0xf4) {
    const ok1 = b0 === 0xf0 ? cont(1, 0x90) : b0 === 0xf4 ? cont(1, 0x80, 0x8f) : cont(1);
    return ok1 && cont(2) && cont(3) ? 4 : 0;
  }
  return 0;
}

/** Bytes from the OS as a string: UTF-8, each byte that is not part of valid UTF-8 as U+DC00 + the byte. */
export function fromOsBytes(bytes: Uint8Array): string {
  const b = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let out = '';
  let start = 0;
  for (let i = 0; i < b.length;) {
    const n = utf8SequenceAt(b, i);
    if (n > 0) {
      i += n;
      continue;
    }
    out += b.toString('utf8', start, i) + String.fromCharCode(0xdc00 + b[i]);
    i++;
    start = i;
  }
  return start === 0 ? b.toString('utf8') : out + b.toString('utf8', start);
}

/**
 * fromOsBytes of `b[start, end)` without a view of it: plain ASCII (most names) is read as it
 * is; anything else goes through fromOsBytes. The space walk decodes every name of a folder
 * read this way (a Buffer view per name was a tenth of its garbage).
 */
export function fromOsBytesAt(b: Buffer, start: number, end: number): string {
  for (let i = start; i < end; i++) if (b[i] >= 0x80) return fromOsBytes(b.subarray(start, end));
  return b.toString('latin1', start, end);
}

/**
 * `name` inside the folder `dir`, joined as text and nothing more: node:path's join would also
 * fold `l/..` into nothing, but after a symbolic link `l` the kernel resolves `..` to the parent
 * of the link's target, so the folded name can be another file or none (a/link/.. is not a).
 */
export function childPath(dir: string, name: string): string {
  const sep = process.platform === 'win32' ? '\\' : '/';
  const last = dir.charCodeAt(dir.length - 1);
  return last === 0x2f || (sep === '\\' && last === 0x5c) ? dir + name : dir + sep + name;
}
