// The smb: provider's record of read-only resources for the Explorer menus' `when`
// (src/host/logic/read-only-items.ts): what a listing or a stat says, what leaves it, its limit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { READ_ONLY_ITEMS, ReadOnlyItems } from '../../src/host/logic/read-only-items';

const RO = 'smb://reader@srv/ro';
const RW = 'smb://writer@srv/rw';
const keys = (r: ReadOnlyItems): string[] => Object.keys(r.contextValue()).sort();

test('read-only items: the key is the one package.json menus name', () => {
  assert.equal(READ_ONLY_ITEMS, 'extentLens.readOnlyItems');
});

test('read-only items: a read-only share listed and stated is in the key; a writable share is not', () => {
  const r = new ReadOnlyItems();
  assert.deepEqual(r.contextValue(), {});
  assert.equal(r.stated(RO, true), true);
  assert.equal(r.stated(RW, false), false);
  assert.equal(
    r.listed(RO, [
      { uri: `${RO}/a.img`, readOnly: true },
      { uri: `${RO}/sub`, readOnly: true },
    ]),
    true,
  );
  assert.equal(
    r.listed(RW, [
      { uri: `${RW}/a.img`, readOnly: false },
      { uri: `${RW}/locked.txt`, readOnly: true },
    ]),
    true,
  );
  assert.deepEqual(keys(r), [RO, `${RO}/a.img`, `${RO}/sub`, `${RW}/locked.txt`]);
  // the same answers again change nothing (no new value for the workbench)
  assert.equal(r.stated(RO, true), false);
  assert.equal(
    r.listed(RO, [
      { uri: `${RO}/a.img`, readOnly: true },
      { uri: `${RO}/sub`, readOnly: true },
    ]),
    false,
  );
});

test('read-only items: listing a folder again replaces what it said; a stat that says writable takes it out', () => {
  const r = new ReadOnlyItems();
  r.listed(RW, [
    { uri: `${RW}/a`, readOnly: true },
    { uri: `${RW}/b`, readOnly: true },
  ]);
  // b deleted on the server, a made writable, c new and read-only
  assert.equal(
    r.listed(RW, [
      { uri: `${RW}/a`, readOnly: false },
      { uri: `${RW}/c`, readOnly: true },
    ]),
    true,
  );
  assert.deepEqual(keys(r), [`${RW}/c`]);
  assert.equal(r.stated(`${RW}/c`, false), true);
  assert.deepEqual(keys(r), []);
  // a stat said read-only, the folder's listing then says writable
  r.stated(`${RW}/d`, true);
  assert.equal(r.listed(RW, [{ uri: `${RW}/d`, readOnly: false }]), true);
  assert.deepEqual(keys(r), []);
});

test('read-only items: a deleted folder takes what was recorded inside it along, not its namesakes', () => {
  const r = new ReadOnlyItems();
  r.listed(RO, [
    { uri: `${RO}/sub`, readOnly: true },
    { uri: `${RO}/sub2`, readOnly: true },
  ]);
  r.listed(`${RO}/sub`, [{ uri: `${RO}/sub/x`, readOnly: true }]);
  r.stated(`${RO}/sub/y`, true);
  assert.equal(r.forget(`${RO}/sub`), true);
  assert.deepEqual(keys(r), [`${RO}/sub2`]);
  assert.equal(r.forget(`${RO}/gone`), false);
  // listing the share again after the deletion changes nothing more
  assert.equal(r.listed(RO, [{ uri: `${RO}/sub2`, readOnly: true }]), false);
});

test('read-only items: past the limit, more are not recorded, and it says so', () => {
  const r = new ReadOnlyItems(2);
  r.listed(
    RO,
    [1, 2, 3].map((i) => ({ uri: `${RO}/${i}`, readOnly: true })),
  );
  assert.deepEqual(keys(r), [`${RO}/1`, `${RO}/2`]);
  assert.equal(r.leftSomeOut, true);
  assert.equal(r.stated(`${RO}/4`, true), false);
  assert.deepEqual(keys(r), [`${RO}/1`, `${RO}/2`]);
});
