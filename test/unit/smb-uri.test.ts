// The host's pure SMB logic: what "Open SMB Share…" accepts, the smb: resource <-> engine
// smb:// path mapping (round trips through the engine's own parser), the password key, and
// the sentences for the open's failures and the provider's error kinds.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseSmbUri } from '../../src/engine/backends/smb/protocol/uri';
import { fileSystemErrorKind, nameTakenSentence, openShareFailure } from '../../src/host/logic/smb-errors';
import {
  enginePathOf,
  folderUriParts,
  parseShareAddress,
  passwordKey,
  shareAddressOfUri,
  uriPartsOf,
  type ShareAddress,
} from '../../src/host/logic/smb-uri';
import { enginePathOfUri, pathsFromArgs } from '../../src/host/logic/clone-selection';
import { plainT } from '../../src/host/logic/translate';

const parse = (s: string) => parseShareAddress(s, plainT);

test('addresses: user, domain, port, share and folder; the mistakes named', () => {
  assert.deepEqual(parse('smb://alice@nas.local/projects'), { domain: '', user: 'alice', host: 'nas.local', port: 445, share: 'projects', folder: '' });
  assert.deepEqual(parse(' smb://CORP;bob@10.0.0.5:1445/data/a b/c/ '), { domain: 'CORP', user: 'bob', host: '10.0.0.5', port: 1445, share: 'data', folder: 'a b/c' });
  assert.deepEqual(parse('//bob@[fe80::1]/s'), { domain: '', user: 'bob', host: 'fe80::1', port: 445, share: 's', folder: '' });
  assert.match(parse('smb://nas.local/projects') as string, /smb:\/\/\[DOMAIN;\]user@host/);
  assert.match(parse('smb://alice@nas.local') as string, /smb:\/\/\[DOMAIN;\]user@host/);
  assert.match(parse('smb://alice@nas.local:70000/x') as string, /Port 70000 is out of range/);
  assert.match(parse('smb://alice:secret@nas.local/x') as string, /Leave the password out/);
  assert.match(parse('smb://alice@nas.local/x/../y') as string, /"\." and "\.\." are not allowed/);
});

test('the engine refuses a password in an smb:// path, and its message and paths never show it', () => {
  for (const uri of ['smb://alice:s3cret@nas.local/x/f.bin', 'smb://alice%3As3cret@nas.local/x', 'smb:/CORP;alice:s3cr%40t@nas.local:1445/x']) {
    assert.throws(
      () => parseSmbUri(uri),
      (e: Error & { code?: string; paths?: string[] }) =>
        e.code === 'E_BAD_INPUT' &&
        /holds a password \(E_BAD_INPUT\).*EXTENT_LENS_SMB_PASSWORD/.test(e.message) &&
        !/s3cr/.test(e.message + JSON.stringify(e.paths)) &&
        /alice:\*\*\*@nas\.local/.test(e.message),
      uri,
    );
  }
  assert.equal(parseSmbUri('smb://CORP;alice@nas.local/x').user, 'alice');
});

test('smb: resources map to engine paths the engine parses back to the same target', () => {
  for (const text of ['smb://alice@nas.local/projects', 'smb://CORP;bob@10.0.0.5:1445/data/a b/c#1/%x', 'smb://bob@[fe80::1]/s/ünï']) {
    const a = parse(text) as ShareAddress;
    const parts = folderUriParts(a);
    const enginePath = enginePathOf(parts);
    const t = parseSmbUri(enginePath);
    assert.deepEqual({ domain: t.domain, user: t.user, host: t.host, port: t.port, share: t.share, folder: t.path }, a);
    // and back: the engine path's Uri parts are the resource's
    assert.deepEqual(uriPartsOf(enginePath), parts);
  }
  assert.equal(uriPartsOf('/local/file'), undefined);
});

test('commands take smb: Uris as engine paths, file: Uris as local paths, and drop the rest', () => {
  const smb = { scheme: 'smb', fsPath: '/data/x', authority: 'alice@nas:1445', path: '/data/a b.img' };
  assert.equal(enginePathOfUri(smb), 'smb://alice@nas:1445/data/a%20b.img');
  assert.deepEqual(pathsFromArgs(smb, [smb, { scheme: 'file', fsPath: '/tmp/l' }, { scheme: 'untitled', fsPath: 'x' }]), ['smb://alice@nas:1445/data/a%20b.img', '/tmp/l']);
});

test("a resource's address gives the password key the engine asks with (a closed question is found by it)", () => {
  for (const text of ['smb://alice@nas.local/projects/sub', 'smb://CORP;bob@10.0.0.5:1445/data/a b', 'smb://bob@[fe80::1]/s/ünï']) {
    const parts = folderUriParts(parse(text) as ShareAddress);
    const a = shareAddressOfUri(parts);
    assert.ok(a, text);
    assert.equal(passwordKey(a), passwordKey(parseSmbUri(enginePathOf(parts))), text);
    assert.equal(a.share, (parse(text) as ShareAddress).share);
  }
  assert.equal(shareAddressOfUri({ scheme: 'smb', authority: 'nas', path: '/data' }), undefined, 'no user');
});

test('password keys: per domain\\user@host:port, as the engine asks', () => {
  assert.equal(passwordKey({ domain: '', user: 'alice', host: 'nas', port: 445 }), 'extentLens.smb.alice@nas:445');
  assert.equal(passwordKey({ domain: 'CORP', user: 'bob', host: 'h', port: 1445 }), 'extentLens.smb.CORP\\bob@h:1445');
});

test('open failures: one sentence with the NT status; only a refused password asks again', () => {
  const a = parse('smb://CORP;bob@nas:1445/data/sub') as ShareAddress;
  const logon = openShareFailure('STATUS_LOGON_FAILURE', 'engine', a, plainT);
  assert.equal(logon.sentence, 'nas:1445 refused the password for CORP\\bob (STATUS_LOGON_FAILURE); enter it again.');
  assert.equal(logon.askPassword, true);
  assert.match(openShareFailure('STATUS_BAD_NETWORK_NAME', 'engine', a, plainT).sentence, /no share named "data" \(STATUS_BAD_NETWORK_NAME\)/);
  assert.match(openShareFailure('STATUS_OBJECT_PATH_NOT_FOUND', 'engine', a, plainT).sentence, /no folder "sub" \(STATUS_OBJECT_PATH_NOT_FOUND\)/);
  assert.match(openShareFailure('ECONNREFUSED', 'engine', a, plainT).sentence, /No SMB server answered at nas:1445 \(ECONNREFUSED\)/);
  const sign = openShareFailure('EPROTONOSUPPORT', 'The share requires encryption ... (EPROTONOSUPPORT).', a, plainT);
  assert.equal(sign.sentence, 'The share requires encryption ... (EPROTONOSUPPORT).');
  assert.equal(sign.askPassword, false);
});

test('provider errors: NT statuses map to the FileSystemError VS Code understands', () => {
  assert.equal(fileSystemErrorKind('STATUS_OBJECT_NAME_NOT_FOUND'), 'FileNotFound');
  assert.equal(fileSystemErrorKind('STATUS_OBJECT_NAME_COLLISION'), 'FileExists');
  assert.equal(fileSystemErrorKind('STATUS_ACCESS_DENIED'), 'NoPermissions');
  assert.equal(fileSystemErrorKind('STATUS_FILE_IS_A_DIRECTORY'), 'FileIsADirectory');
  assert.equal(fileSystemErrorKind('ECONNRESET'), 'Unavailable');
  assert.equal(fileSystemErrorKind('STATUS_DIRECTORY_NOT_EMPTY'), undefined);
});

test("a name taken under the provider is said in VS Code's terms: the name, its folder, the code; not the CLI's options", () => {
  const s = nameTakenSentence('smb://alice@nas:4450/data/vm%20dir/disk%20copy.img', 'STATUS_OBJECT_NAME_COLLISION', plainT);
  assert.match(
    s,
    /^"disk copy\.img" already exists in smb:\/\/alice@nas:4450\/data\/vm dir \(STATUS_OBJECT_NAME_COLLISION\); it was left as it is\./,
  );
  assert.match(s, /try again, and VS Code picks a free name or asks whether to replace it\.$/);
  assert.doesNotMatch(s, /ask to rename|overwrite|--on-existing/);
  assert.match(
    nameTakenSentence('smb://alice@nas/data/sub/', 'E_EXISTS', plainT),
    /^"sub" already exists in smb:\/\/alice@nas\/data \(E_EXISTS\)/,
  );
});
