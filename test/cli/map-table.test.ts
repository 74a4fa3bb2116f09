// The one CLI map writer (src/cli/commands/map-packed.ts) against fixed expected bytes: the
// table and the --json text for edge-case maps (2^32, 2^53, 2^63, an end at 2^64, totals past
// 2^64, unknown physical offsets, a window), every flag combination, every digit count, ReFS
// reference counts and 60 random maps (test/cli/map-cases.ts). The expected bytes were made by
// the writers this one replaces: the WebAssembly table writer and the JavaScript writer, which
// agreed byte for byte on every case (the old cross-check), and, for the reference counts, the
// object-form writer that printed Windows maps. Big outputs are compared by SHA-256. Changed
// since, on purpose, and checked line by line against the bytes before: the header names a
// window, a percentage is never rounded to 0.0% or 100.0% (<0.1%, >99.9%), and more bytes
// mapped than shown (whole blocks) is said in words, not as 200.0%, and sizes have two decimals
// at most (humanBytes, the one rule of every view: only the sizes in parentheses changed).

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import type { PackedExtentMap } from '../../src/engine';
import { writePackedMapHumanTo, writePackedMapJsonTo } from '../../src/cli/commands/map-packed';
import { ChunkWriter } from '../../src/cli/output';
import { digitCounts, edgeCases, flagCombinations, randomMaps, refcountMap } from './map-cases';

/** The writer's bytes; a small chunk size so that rows cross many output chunks. */
function render(m: PackedExtentMap, format: 'human' | 'json'): Buffer {
  const parts: Buffer[] = [];
  const w = new ChunkWriter((chunk) => parts.push(Buffer.from(chunk)), 4096);
  if (format === 'human') writePackedMapHumanTo(w, m);
  else writePackedMapJsonTo(w, m);
  w.flush();
  return Buffer.concat(parts);
}

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** Same bytes as `expected`; on a difference, name the first line (or JSON object) that differs. */
function sameText(actual: Buffer, expected: string, what: string): void {
  const text = actual.toString('latin1');
  if (text === expected) return;
  const sep = text.startsWith('{') ? '},' : '\n';
  const a = text.split(sep);
  const b = expected.split(sep);
  const i = a.findIndex((piece, k) => piece !== b[k]);
  assert.fail(`${what}: piece ${i} differs\n  got:      ${JSON.stringify(a[i])}\n  expected: ${JSON.stringify(b[i])}`);
}

const EDGE: Array<[string, string, string]> = [
  [
    'empty',
    [
      '/mnt/x/file.bin: size 0 bytes, block size 4096, source fiemap',
      "0 extents, 0 holes; mapped 0 bytes (the file's size is 0); 3 calls, 12.5 ms",
      '',
    ].join('\n'),
    '{"path":"/mnt/x/file.bin","size":"0","blockSize":4096,"extents":[],"source":"fiemap","calls":3,"dura' + 'tionMs":12.5}\n',
  ],
  [
    'around 2^32',
    [
      '/mnt/x/file.bin: size 8589934591 (8 GiB), block size 4096, source fiemap',
      '#      offset         end      length    physical  flags',
      '1  4294963200  4294967296        4096  4294967295',
      '2  4294967296  8589934591  4294967295  4294967296  unwritten',
      '2 extents, 1 hole; mapped 4294971391 (4 GiB) (50.0%), unwritten 4294967295 (4 GiB); 3 calls, 12.5 ms',
      '',
    ].join('\n'),
    '{"path":"/mnt/x/file.bin","size":"8589934591","blockSize":4096,"extents":[{"offset":"4294963200","le' +
      'ngth":"4096","physical":"4294967295","flags":[]},{"offset":"4294967296","length":"4294967295","physi' +
      'cal":"4294967296","flags":["unwritten"]}],"source":"fiemap","calls":3,"durationMs":12.5}\n',
  ],
  [
    '2^53 + 1 and 2^60',
    [
      '/mnt/x/file.bin: size 1152921504606846977 (1 EiB), block size 4096, source fiemap',
      '#               offset                  end  length           physical  flags',
      '1     9007199254740993     9007199254740994       1   9007199254740991',
      '2  1152921504606846976  1152921504606851072    4096   9007199254740995  last',
      '2 extents, 2 holes; mapped 4097 (4 KiB) (<0.1%); 3 calls, 12.5 ms',
      '',
    ].join('\n'),
    '{"path":"/mnt/x/file.bin","size":"1152921504606846977","blockSize":4096,"extents":[{"offset":"900719' +
      '9254740993","length":"1","physical":"9007199254740991","flags":[]},{"offset":"1152921504606846976","' +
      'length":"4096","physical":"9007199254740995","flags":["last"]}],"source":"fiemap","calls":3,"duratio' +
      'nMs":12.5}\n',
  ],
  [
    'lengths above 2^53 (width slack)',
    [
      '/mnt/x/file.bin: size 54043195528445953 (48 PiB), block size 4096, source fiemap',
      '#             offset                end              length  physical  flags',
      '1                  0   9007199254740999    9007199254740999         0  shared',
      '2  18014398509481984  54043195528445953   36028797018963969         -  delalloc',
      '2 extents, 1 hole; mapped 45035996273704968 (40 PiB) (83.3%), shared 9007199254740999 (8 PiB); 3 calls, 12.5 ms',
      '',
    ].join('\n'),
    '{"path":"/mnt/x/file.bin","size":"54043195528445953","blockSize":4096,"extents":[{"offset":"0","leng' +
      'th":"9007199254740999","physical":"0","flags":["shared"]},{"offset":"18014398509481984","length":"36' +
      '028797018963969","physical":null,"flags":["delalloc"]}],"source":"fiemap","calls":3,"durationMs":12.' +
      '5}\n',
  ],
  [
    'offsets at and above 2^63 (negative as int64)',
    [
      '/mnt/x/file.bin: size 9223372036854775807 (8 EiB), block size 4096, source fiemap',
      '#                offset                   end  length              physical  flags',
      '1   9223372036854771712   9223372036854775808    4096                 12288',
      '2   9223372036854775808   9223372036854784000    8192   4611686018427387904  unwritten',
      '3  18446744073709541616  18446744073709551615    9999                     -  last,shared',
      // (the extents from 2^63 lie past the end of the file, and the summary says so)
      '3 extents, 1 hole; mapped 22287 (21.76 KiB): 4096 (4 KiB) within the file (<0.1%) and 18191 (17.76 KiB) past its end ' +
        '(preallocated, as fallocate --keep-size does), unwritten 8192 (8 KiB), shared 9999 (9.76 KiB); 3 calls, 12.5 ms',
      '',
    ].join('\n'),
    '{"path":"/mnt/x/file.bin","size":"9223372036854775807","blockSize":4096,"extents":[{"offset":"922337' +
      '2036854771712","length":"4096","physical":"12288","flags":[]},{"offset":"9223372036854775808","lengt' +
      'h":"8192","physical":"4611686018427387904","flags":["unwritten"]},{"offset":"18446744073709541616","' +
      'length":"9999","physical":null,"flags":["last","shared"]}],"source":"fiemap","calls":3,"durationMs":' +
      '12.5}\n',
  ],
  [
    'an end at 2^64',
    [
      '/mnt/x/file.bin: size 18446744073709555712 (16 EiB), block size 4096, source fiemap',
      '#                offset                   end  length  physical  flags',
      '1  18446744073709547520  18446744073709555712    8192         0  last',
      '1 extent, 1 hole; mapped 8192 (8 KiB) (<0.1%); 3 calls, 12.5 ms',
      '',
    ].join('\n'),
    '{"path":"/mnt/x/file.bin","size":"18446744073709555712","blockSize":4096,"extents":[{"offset":"18446' +
      '744073709547520","length":"8192","physical":"0","flags":["last"]}],"source":"fiemap","calls":3,"dura' +
      'tionMs":12.5}\n',
  ],
  [
    'totals past 2^64 (bogus overlapping extents)',
    [
      '/mnt/x/file.bin: size 9223372036854775808 (8 EiB), block size 4096, source fiemap',
      '#               offset                  end                length  physical  flags',
      '1                    0  9223372036854775808   9223372036854775808         0  unwritten',
      '2                    0  9223372036854775808   9223372036854775808         0  unwritten',
      '2 extents, 0 holes; mapped 18446744073709551616 (16 EiB) (more than the 9223372036854775808 bytes shown: blocks are allocated whole), unwritten 18446744073709551616 (16 EiB); 3 calls, 12.5 ms',
      '',
    ].join('\n'),
    '{"path":"/mnt/x/file.bin","size":"9223372036854775808","blockSize":4096,"extents":[{"offset":"0","le' +
      'ngth":"9223372036854775808","physical":"0","flags":["unwritten"]},{"offset":"0","length":"9223372036' +
      '854775808","physical":"0","flags":["unwritten"]}],"source":"fiemap","calls":3,"durationMs":12.5}\n',
  ],
  [
    'every physical unknown',
    [
      '/mnt/x/file.bin: size 65636 (64.1 KiB), block size 4096, source fiemap',
      '#  offset    end  length  physical  flags',
      '1    4096   8192    4096         -  inline',
      '2   65536  65636     100         -  last,delalloc',
      '2 extents, 2 holes; mapped 4196 (4.1 KiB) (6.4%); 3 calls, 12.5 ms',
      '',
    ].join('\n'),
    '{"path":"/mnt/x/file.bin","size":"65636","blockSize":4096,"extents":[{"offset":"4096","length":"4096' +
      '","physical":null,"flags":["inline"]},{"offset":"65536","length":"100","physical":null,"flags":["las' +
      't","delalloc"]}],"source":"fiemap","calls":3,"durationMs":12.5}\n',
  ],
  [
    'a window (holes counted from its start, summary against its end)',
    [
      '/mnt/x/file.bin: size 4456448 (4.25 MiB), window 65536..5065536, block size 4096, source fiemap',
      '#   offset      end  length   physical  flags',
      '1    70000   131072   61072  412836208',
      '2   131072  1048576  917504  412897280  unwritten',
      '2 extents, 2 holes; mapped 978576 (955.64 KiB) (22.3%), unwritten 917504 (896 KiB); 3 calls, 12.5 ms',
      '',
    ].join('\n'),
    '{"path":"/mnt/x/file.bin","size":"4456448","blockSize":4096,"extents":[{"offset":"70000","length":"6' +
      '1072","physical":"412836208","flags":[]},{"offset":"131072","length":"917504","physical":"412897280"' +
      ',"flags":["unwritten"]}],"source":"fiemap","window":{"offset":"65536","length":"5000000"},"calls":3,' +
      '"durationMs":12.5}\n',
  ],
];

test('edge cases: 2^32, 2^53, 2^63, 2^64, unknown physical, a window (table and --json)', () => {
  const maps = new Map(edgeCases());
  assert.equal(maps.size, EDGE.length);
  for (const [what, human, json] of EDGE) {
    const m = maps.get(what);
    assert.ok(m, what);
    sameText(render(m, 'human'), human, `${what} (table)`);
    sameText(render(m, 'json'), json, `${what} (--json)`);
  }
});

test('reference counts: "xN" after the flags when above 1, "refcount" in --json when given', () => {
  const m = refcountMap();
  sameText(
    render(m, 'human'),
    [
      '/mnt/x/file.bin: size 1048576 (1 MiB), block size 4096, source refcount',
      '#  offset     end  length  physical  flags',
      '1       0   65536   65536   1048576',
      '2  131072  327680  196608   2097152  shared x2',
      '3  458752  524288   65536   4194304  shared x3',
      '4  589824  655360   65536   8388608',
      '5  720896  917504  196608  16777216  shared x4294967295',
      '5 extents, 5 holes; mapped 589824 (576 KiB) (56.3%), shared 458752 (448 KiB); 3 calls, 12.5 ms',
      '',
    ].join('\n'),
    'refcounts (table)',
  );
  sameText(
    render(m, 'json'),
    '{"path":"/mnt/x/file.bin","size":"1048576","blockSize":4096,"extents":[{"offset":"0","length":"65536' +
      '","physical":"1048576","flags":[],"refcount":1},{"offset":"131072","length":"196608","physical":"209' +
      '7152","flags":["shared"],"refcount":2},{"offset":"458752","length":"65536","physical":"4194304","fla' +
      'gs":["shared"],"refcount":3},{"offset":"589824","length":"65536","physical":"8388608","flags":[]},{"' +
      'offset":"720896","length":"196608","physical":"16777216","flags":["shared"],"refcount":4294967295}],' +
      '"source":"refcount","calls":3,"durationMs":12.5}\n',
    'refcounts (--json)',
  );
});

test('every combination of the flag bits (names in bit order, unnamed bits ignored)', () => {
  const m = flagCombinations();
  // (changed with the summary's "encoded N", inline extents not counted: only that summary line differs, checked by diff)
  assert.equal(sha256(render(m, 'human')), '62fb293742fb07c6e34a82f0f1ffe673ae492dc1b917f4c777a0f9486e08649f');
  assert.equal(sha256(render(m, 'json')), 'c8d1ae1ec53edd1485b698d282b668bd97b0a49c9016bb530319cf92a320ef02');
});

test('every digit count, up to 2^64 - 1', () => {
  const m = digitCounts();
  // (its summary says how much lies past the end of the file: changed with that sentence; sizes
  // with two decimals at most, the one rule: only the sizes in parentheses changed, checked;
  // "19 holes", not 37: the gaps between extents past the end of the file are no holes of it,
  // checked line by line: only that count changed)
  assert.equal(sha256(render(m, 'human')), '3b949b3fc09b7b6f52f6bcf820887e0b0b95b1b920625788254329e50e9c71e1');
  assert.equal(sha256(render(m, 'json')), 'a8dd6853bb476ddc1f63a0f1d5bfadf10bd3996124842dbb52c33dba28003f72');
});

test('random maps, including several 16,384-extent chunks and windows', () => {
  const maps = randomMaps();
  const all = (format: 'human' | 'json'): Buffer => Buffer.concat(maps.map((m) => render(m, format)));
  // (changed with the summary's "encoded N", inline extents not counted: only summary lines differ, each by that figure, checked by diff)
  assert.equal(sha256(all('human')), '2340f4a119395db9837438ae84f4e7e8b304e6ff1582d577024d4d7dee04781c');
  assert.equal(sha256(all('json')), 'b5f91d2ff8e15822dbeecd906a0b30938a8b8153ea814cf454d34cb12b2c364c');
});
