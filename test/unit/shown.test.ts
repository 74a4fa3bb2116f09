// Paths as messages show them (src/host/logic/shown.ts): smb:// URIs decoded, local paths as
// they are (a trial read "Copying big%20sparse%206G.img to smb://…/big%20sparse%206G%20(copy).img").

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { shownName, shownPath, shownText } from '../../src/host/logic/shown';

test('smb:// paths are shown decoded; local ones as they are, a literal %20 included', () => {
  const uri = 'smb://u@h:445/data/dir%20with%20space%20%C3%BCn%C3%AFc%C3%B8d%C3%A9/big%20sparse%206G.img';
  assert.equal(shownPath(uri), 'smb://u@h:445/data/dir with space ünïcødé/big sparse 6G.img');
  assert.equal(shownName(uri), 'big sparse 6G.img');
  assert.equal(shownName('/mnt/a%20b.img'), 'a%20b.img');
  assert.equal(shownPath('/mnt/a%20b.img'), '/mnt/a%20b.img');
  // a name holding % (written %25) and bytes that are not UTF-8 (left as they are)
  assert.equal(shownName('smb://h/s/100%25.img'), '100%.img');
  assert.equal(shownName('smb://h/s/bad%FF.img'), 'bad%FF.img');
});

test('a sentence shows the smb:// URIs in it decoded, and nothing else changed', () => {
  assert.equal(
    shownText('clone: smb://h/s/a%20b.img is open elsewhere (STATUS_SHARING_VIOLATION); /tmp/x%20y stays.'),
    'clone: smb://h/s/a b.img is open elsewhere (STATUS_SHARING_VIOLATION); /tmp/x%20y stays.',
  );
  assert.equal(shownText('"smb://h/s/d%20e/f.img" already exists.'), '"smb://h/s/d e/f.img" already exists.');
});
