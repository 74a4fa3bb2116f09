// CHANGE_NOTIFY on the wire (MS-SMB2 2.2.35/2.2.36, MS-FSCC 2.7.1): the request's fields, and
// the response parser's bounds checks (a hostile server's lengths never read past the message).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Malformed } from '../../src/engine/backends/smb/protocol/errors';
import { NotifyAction, changeNotifyBody, parseChangeNotify } from '../../src/engine/backends/smb/protocol/messages';

const fileId = Buffer.from('00112233445566778899aabbccddeeff', 'hex');

function entry(action: number, name: string, last: boolean): Buffer {
  const n = Buffer.from(name, 'utf16le');
  const size = last ? 12 + n.length : (12 + n.length + 3) & ~3;
  const b = Buffer.alloc(size);
  b.writeUInt32LE(last ? 0 : size, 0);
  b.writeUInt32LE(action, 4);
  b.writeUInt32LE(n.length, 8);
  n.copy(b, 12);
  return b;
}

/** A CHANGE_NOTIFY response body (StructureSize 9) with its output right after the 8-byte fixed part. */
function response(output: Buffer, lengthField = output.length): Buffer {
  const b = Buffer.alloc(8);
  b.writeUInt16LE(9, 0);
  b.writeUInt16LE(64 + 8, 2);
  b.writeUInt32LE(lengthField, 4);
  return Buffer.concat([b, output]);
}

test('CHANGE_NOTIFY request: StructureSize 32, WATCH_TREE, output length, FileId, filter', () => {
  const b = changeNotifyBody(fileId, true, 0x5f, 65536);
  assert.equal(b.length, 32);
  assert.equal(b.readUInt16LE(0), 32);
  assert.equal(b.readUInt16LE(2), 1);
  assert.equal(b.readUInt32LE(4), 65536);
  assert.ok(b.subarray(8, 24).equals(fileId));
  assert.equal(b.readUInt32LE(24), 0x5f);
  assert.equal(changeNotifyBody(fileId, false, 1, 4096).readUInt16LE(2), 0);
});

test('CHANGE_NOTIFY response: entries in order, names with backslashes and non-ASCII', () => {
  const out = Buffer.concat([entry(NotifyAction.ADDED, 'sub\\ünï.txt', false), entry(NotifyAction.RENAMED_OLD_NAME, 'a', false), entry(NotifyAction.RENAMED_NEW_NAME, 'b', true)]);
  assert.deepEqual(parseChangeNotify(response(out), 65536), [
    { action: 1, name: 'sub\\ünï.txt' },
    { action: 4, name: 'a' },
    { action: 5, name: 'b' },
  ]);
});

test('CHANGE_NOTIFY response: lengths that do not fit are Malformed, naming the field', () => {
  const good = entry(NotifyAction.MODIFIED, 'x.bin', true);
  const long = Buffer.from(good);
  long.writeUInt32LE(1000, 8); // FileNameLength past the end
  assert.throws(() => parseChangeNotify(response(long), 65536), (e: unknown) => e instanceof Malformed && /FileName/.test(e.field));
  const inside = Buffer.concat([entry(NotifyAction.ADDED, 'abc', false), good]);
  inside.writeUInt32LE(4, 0); // NextEntryOffset into the entry itself
  assert.throws(() => parseChangeNotify(response(inside), 65536), (e: unknown) => e instanceof Malformed && /NextEntryOffset/.test(e.field));
  assert.throws(() => parseChangeNotify(response(good, 100), 65536), Malformed); // OutputBufferLength past the message
  assert.throws(() => parseChangeNotify(response(good), 8), Malformed); // more than asked for
});
