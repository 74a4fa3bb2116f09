// The notification after Block Clone Here of several files groups its numbers as the display
// language does, as every other message: it used the extension host's own locale
// (toLocaleString()), so a German VS Code on an English server said "12,582,912 bytes in 3.2 ms"
// next to messages saying "12.582.912 Bytes", and the bytes had no unit in brief.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clonedFilesText } from '../../src/commands/logic/clone-here-text';
import { setNumberLocale } from '../../src/host/logic/bytes';

test('several files cloned: bytes and time in the display language, as bytesText', () => {
  assert.equal(
    clonedFilesText('Block Clone Here', 3, 0, 12582912n, 3.25),
    'Block Clone Here: 3 files cloned, 12,582,912 bytes (12 MiB) in 3.3 ms.',
  );
  setNumberLocale('de');
  try {
    assert.equal(
      clonedFilesText('Block Clone Here', 1200, 0, 12582912n, 1234.5),
      'Block Clone Here: 1.200 files cloned, 12.582.912 bytes (12 MiB) in 1.234,5 ms.',
    );
    assert.equal(
      clonedFilesText('Block Clone Here', 3, 1, 12582912n, 3.25),
      'Block Clone Here: 3 files, 1 copied (cloning was impossible), 12.582.912 bytes (12 MiB) in 3,3 ms.',
    );
  } finally {
    setNumberLocale('en');
  }
});
