// A mistyped subcommand or option names the most similar ones, as git does ("The most similar
// command is"): by edit distance (a swap of two letters counts as one edit). Still a usage
// error: exit 2, nothing on stdout, the usage line after. Runs the built dist/cli.js.

import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { cli, ensureBuilt } from './run-cli';
import { mostSimilar } from '../../src/cli/similar';

before(() => ensureBuilt());

function usageError(args: string[]): string {
  const r = cli(args);
  assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
  assert.equal(r.stdout, '');
  return r.stderr;
}

describe('did you mean', () => {
  test('a mistyped subcommand names the most similar one', () => {
    assert.match(
      usageError(['rangse', 'f']),
      /^extent-lens: unknown command "rangse" \(did you mean "ranges"\?\); run 'extent-lens --help' for the list\.$/m,
    );
    assert.match(usageError(['clone-rnage', 'a', '0', 'b', '0', '0']), /did you mean "clone-range"\?/);
    assert.match(usageError(['dig-hole', 'f']), /did you mean "dig-holes"\?/);
    assert.match(usageError(['help', 'mpa']), /unknown command "mpa" \(did you mean "map"\?\)/);
    // nothing close: no guess
    assert.doesNotMatch(usageError(['frobnicate']), /did you mean/);
  });

  test("a mistyped option names the most similar of that subcommand's options", () => {
    assert.match(
      usageError(['clone', 'a', 'b', '--on-exsting', 'rename']),
      /^extent-lens clone: unknown option --on-exsting \(did you mean --on-existing\?\); clone takes /m,
    );
    assert.match(usageError(['clone', 'a', 'b', '--on-exsting=rename']), /unknown option --on-exsting \(did you mean --on-existing\?\)/);
    assert.match(usageError(['map', 'f', '--ofset', '4k']), /did you mean --offset\?/);
    assert.match(usageError(['zero', 'f', '0', '4k', '--keep-alocated']), /did you mean --keep-allocated\?/);
    assert.match(usageError(['ranges', 'f', '--jsno']), /did you mean --json\?/);
    // only the subcommand's own: --apply is dedupe's, not clone's
    assert.doesNotMatch(usageError(['clone', 'a', 'b', '--aply']), /did you mean/);
    assert.doesNotMatch(usageError(['map', 'f', '--bogus']), /did you mean/);
  });

  test('ties are all named; distance counts a transposition as one edit', () => {
    assert.deepEqual(mostSimilar('rangse', ['ranges', 'map']), ['ranges']);
    assert.deepEqual(mostSimilar('clone-rnage', ['clone', 'clone-range']), ['clone-range']);
    assert.deepEqual(mostSimilar('xero', ['zero', 'hero']), ['zero', 'hero']);
    assert.deepEqual(mostSimilar('bogus', ['offset', 'length', 'json', 'help']), []);
    assert.deepEqual(mostSimilar('x', ['map']), []);
  });
});
