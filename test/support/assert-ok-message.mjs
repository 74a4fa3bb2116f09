// Loaded before every test file (scripts/test.sh: --import). A failing assert.ok(value) without a
// message makes node write one from the call's source: it reads the file at the line and column
// of the code that ran. Under tsx those are the compiled code's (line 2, column 38,987 of a
// 1,000-line test), not the .ts file's, and node 20 then reads and re-parses the file in a
// recursion that took more than five minutes (one failing check held up a CI run). With a
// message given it reads nothing: the value is named instead, and the stack (source-mapped by
// tsx) says which line it was. Plain JavaScript: node loads it into the engine's worker threads
// too (they inherit --import), where tsx does not load .ts files.

import assert from 'node:assert';
import { inspect } from 'node:util';

// assert.strict copied ok from assert when node made it: both are replaced
for (const target of [assert, assert.strict]) {
  /** @type {(value: unknown, message?: string | Error) => asserts value} */
  const ok = function ok(value, message) {
    if (value) return;
    if (message instanceof Error) throw message;
    throw new assert.AssertionError({
      message: message ?? `assert.ok got ${inspect(value)}, a falsy value (the failing line is at the top of the stack)`,
      actual: value,
      expected: true,
      operator: '==',
      stackStartFn: ok,
    });
  };
  target.ok = ok;
}
