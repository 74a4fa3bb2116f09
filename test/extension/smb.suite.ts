// SMB shares inside VS Code, against a real Samba on 127.0.0.1 sharing a btrfs loop mount
// (prepared by test/vscode/smb.test.ts before code-server starts): Open SMB Share… with the
// inputs passed to the command (a wrong password and a missing share first), then the Explorer's
// operations through vscode.workspace.fs (the smb: provider), and Extent Lens's commands on smb:
// resources. Every answer is checked on the server's disk (this machine) with plain fs calls,
// filefrag and a SEEK_DATA walk, never with the client itself.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import type { OperationReport } from '../../src/engine/types';
import { env } from './env';
import {
  activateExtension,
  filefrag,
  inspectorSummary,
  makeDataFile,
  makeSparseFile,
  sleep,
  tempDir,
  waitFor,
  type TestApi,
} from './helpers';

const SMB_USER = 'el-smbtest';

/** The smb: Uri of a path in the share (the workspace folder's form: user in the authority). */
function shareUri(rel = ''): vscode.Uri {
  const u = vscode.Uri.parse(env.smbUri!);
  return u.with({ path: rel ? `${u.path}/${rel}` : u.path });
}

/** The engine's smb:// path of the same (what the selection and the inspectors hold). */
const enginePath = (rel: string): string => `${env.smbUri}/${rel}`;

const onServer = (rel: string): string => path.join(env.smbRoot!, rel);

/** Files made as root on the server's disk, handed to the share's user (smbd acts as that user). */
function give(p: string): void {
  execFileSync('chown', ['-R', SMB_USER, p]);
}

/** Data ranges by SEEK_DATA/SEEK_HOLE on the server's file (python's os.lseek: node has no SEEK_DATA). */
function seekDataRanges(file: string): Array<[number, number]> {
  const py = [
    'import os,sys,json',
    'fd=os.open(sys.argv[1],os.O_RDONLY); end=os.fstat(fd).st_size; off=0; out=[]',
    'while off<end:',
    '  try: d=os.lseek(fd,off,os.SEEK_DATA)',
    '  except OSError: break',
    '  h=os.lseek(fd,d,os.SEEK_HOLE); out.append([d,h-d]); off=h',
    'print(json.dumps(out))',
  ].join('\n');
  return JSON.parse(execFileSync('python3', ['-c', py, file], { encoding: 'utf8' }));
}

/**
 * Ask test/vscode/smb.test.ts (which holds smbd) to kill or restart it, and wait for its answer:
 * a request file in EL_SMB_CONTROL, answered by `killed` / `restarted` (or `error` with why).
 */
async function smbControl(action: 'kill' | 'restart'): Promise<void> {
  const dir = env.smbControl!;
  const answer = path.join(dir, action === 'kill' ? 'killed' : 'restarted');
  const error = path.join(dir, 'error');
  fs.writeFileSync(path.join(dir, action), '');
  await waitFor(`the runner to ${action} smbd (${answer})`, () => {
    if (fs.existsSync(error)) assert.fail(`the runner could not ${action} smbd: ${fs.readFileSync(error, 'utf8')}`);
    return fs.existsSync(answer) ? true : undefined;
  });
  fs.rmSync(answer);
}

async function openShare(args: { address: string; password: string }): Promise<{ uri?: string; error?: string; code?: string }> {
  return (await vscode.commands.executeCommand('extentLens.openSmbShare', { ...args, where: 'workspace' })) as {
    uri?: string;
    error?: string;
    code?: string;
  };
}

suite('SMB share (Samba on 127.0.0.1, btrfs)', () => {
  let api: TestApi;

  suiteSetup(async function () {
    if (!env.smbUri || !env.smbRoot || env.restricted) return this.skip();
    ({ api } = await activateExtension());
    fs.mkdirSync(onServer('clones'), { recursive: true });
    makeSparseFile(onServer('sparse.bin'));
    makeDataFile(onServer('data.bin'), 8 * 1024 * 1024, 11);
    fs.writeFileSync(onServer('hello.txt'), 'hello from the server\n');
    give(env.smbRoot);
  });

  test('a wrong password and a missing share: one sentence with the NT status, nothing opened', async () => {
    const before = vscode.workspace.workspaceFolders?.length ?? 0;
    const bad = await openShare({ address: env.smbUri!, password: 'not-the-password' });
    assert.equal(bad.code, 'STATUS_LOGON_FAILURE');
    assert.match(bad.error!, /refused the password for el-smbtest \(STATUS_LOGON_FAILURE\)/);
    const missing = await openShare({ address: env.smbUri!.replace(/\/[^/]+$/, '/no-such-share'), password: env.smbPassword });
    assert.equal(missing.code, 'STATUS_BAD_NETWORK_NAME');
    assert.match(missing.error!, /no share named "no-such-share" \(STATUS_BAD_NETWORK_NAME\)/);
    assert.equal(vscode.workspace.workspaceFolders?.length ?? 0, before);
  });

  test('Open SMB Share… adds the share as a workspace folder', async () => {
    const r = await openShare({ address: env.smbUri!, password: env.smbPassword });
    assert.ok(r.uri, `opened: ${JSON.stringify(r)}`);
    await waitFor('the share among the workspace folders', () =>
      vscode.workspace.workspaceFolders?.some((f) => f.uri.toString() === shareUri().toString()) ? true : undefined,
    );
  });

  test('the Explorer operations: list, read, write, rename, delete (checked on the server disk)', async () => {
    const listed = (await vscode.workspace.fs.readDirectory(shareUri())).map(([n]) => n).sort();
    assert.deepEqual(listed, fs.readdirSync(env.smbRoot!).sort());
    const st = await vscode.workspace.fs.stat(shareUri('data.bin'));
    assert.equal(st.type, vscode.FileType.File);
    assert.equal(st.size, fs.statSync(onServer('data.bin')).size);
    assert.ok(Buffer.from(await vscode.workspace.fs.readFile(shareUri('data.bin'))).equals(fs.readFileSync(onServer('data.bin'))));

    const text = Buffer.from('written through VS Code\n'.repeat(5000));
    await vscode.workspace.fs.writeFile(shareUri('written.txt'), text);
    assert.ok(fs.readFileSync(onServer('written.txt')).equals(text));
    await assert.rejects(
      Promise.resolve(vscode.workspace.fs.rename(shareUri('written.txt'), shareUri('hello.txt'), { overwrite: false })),
      /STATUS_OBJECT_NAME_COLLISION|exists/i,
    );
    await vscode.workspace.fs.rename(shareUri('written.txt'), shareUri('renamed.txt'), { overwrite: false });
    assert.equal(fs.existsSync(onServer('written.txt')), false);
    assert.ok(fs.readFileSync(onServer('renamed.txt')).equals(text));
    await vscode.workspace.fs.createDirectory(shareUri('made/deeper'));
    assert.ok(fs.statSync(onServer('made/deeper')).isDirectory());
    await vscode.workspace.fs.delete(shareUri('renamed.txt'));
    await vscode.workspace.fs.delete(shareUri('made'), { recursive: true });
    assert.equal(fs.existsSync(onServer('renamed.txt')), false);
    assert.equal(fs.existsSync(onServer('made')), false);
    assert.deepEqual(
      fs.readdirSync(env.smbRoot!).filter((n) => n.includes('extent-lens')),
      [],
      'no temporary name left behind',
    );
    await assert.rejects(Promise.resolve(vscode.workspace.fs.stat(shareUri('renamed.txt'))), /STATUS_OBJECT_NAME_NOT_FOUND|not found/i);
  });

  test('a file on the share opens in the text editor', async () => {
    const doc = await vscode.workspace.openTextDocument(shareUri('hello.txt'));
    assert.equal(doc.getText(), 'hello from the server\n');
    await vscode.window.showTextDocument(doc);
  });

  test('Set Sparse, then Inspect: the allocated ranges equal a SEEK_DATA walk of the server file', async () => {
    // A server reports the holes of a file only once it carries the sparse attribute (before,
    // FSCTL_QUERY_ALLOCATED_RANGES answers with the whole file, as Windows does).
    const set = (await vscode.commands.executeCommand('extentLens.setSparse', shareUri('sparse.bin'))) as OperationReport;
    assert.equal(set.method, 'FSCTL_SET_SPARSE');
    await vscode.commands.executeCommand('extentLens.inspect', shareUri('sparse.bin'));
    const s = await inspectorSummary(api, enginePath('sparse.bin'));
    const walk = seekDataRanges(onServer('sparse.bin'));
    assert.equal(s.source, 'allocated-ranges', 'the server reports allocated ranges only');
    assert.equal(s.extentCount, walk.length);
    assert.equal(BigInt(s.allocated), BigInt(walk.reduce((n, [, len]) => n + len, 0)));
    assert.equal(BigInt(s.size), BigInt(fs.statSync(onServer('sparse.bin')).size));
  });

  test('Select for Block Clone, then Block Clone Here: FSCTL_DUPLICATE_EXTENTS_TO_FILE, shared extents on the server', async () => {
    await vscode.commands.executeCommand('extentLens.selectForClone', shareUri('data.bin'), [shareUri('data.bin')]);
    assert.deepEqual(api.cloneSelection(), [enginePath('data.bin')]);
    const reports = (await vscode.commands.executeCommand('extentLens.cloneHere', shareUri('clones'), [shareUri('clones')], {
      onExisting: 'fail',
      showResults: true,
    })) as OperationReport[];
    assert.equal(reports.length, 1, 'one clone');
    assert.match(reports[0].method, /FSCTL_DUPLICATE_EXTENTS_TO_FILE/);
    assert.match(api.lastCloneResults()!.method, /FSCTL_DUPLICATE_EXTENTS_TO_FILE/);
    const clone = onServer('clones/data.bin');
    assert.ok(fs.readFileSync(clone).equals(fs.readFileSync(onServer('data.bin'))));
    const a = filefrag(onServer('data.bin'));
    const b = filefrag(clone);
    assert.deepEqual(
      b.map((e) => [e.offset, e.length, e.physical]),
      a.map((e) => [e.offset, e.length, e.physical]),
    );
    for (const e of [...a, ...b]) assert.ok(e.flags.includes('shared'), `extent without the shared flag: ${e.flags.join(',')}`);
  });

  test('Show Volume Capabilities on the share: FileFsAttributeInformation says block refcounting and sparse files', async () => {
    const v = (await vscode.commands.executeCommand('extentLens.showVolume', shareUri('data.bin'))) as {
      supportsClone?: boolean;
      supportsSparse: boolean;
      blockSize: number;
      cloneEvidence: string;
    };
    assert.equal(v.supportsClone, true, v.cloneEvidence);
    assert.equal(v.supportsSparse, true);
    assert.equal(v.blockSize, 4096);
  });

  test('Punch Hole and Clone Range on the share (checked with SEEK_DATA and the bytes)', async () => {
    const before = seekDataRanges(onServer('sparse.bin'));
    assert.deepEqual(before[0], [0, 64 * 1024], 'the first data range of the fixture');
    const punched = (await vscode.commands.executeCommand('extentLens.punchHole', shareUri('sparse.bin'), {
      offset: '0',
      length: '32KiB',
    })) as OperationReport;
    assert.ok(punched, 'a report');
    const after = seekDataRanges(onServer('sparse.bin'));
    assert.deepEqual(after[0], [32 * 1024, 32 * 1024], 'the first 32 KiB are a hole now');
    assert.ok(
      fs
        .readFileSync(onServer('sparse.bin'))
        .subarray(0, 32 * 1024)
        .equals(Buffer.alloc(32 * 1024)),
    );
    // The inspector opened above follows the change (the provider's CHANGE_NOTIFY watch).
    const allocatedNow = String(after.reduce((n, [, len]) => n + len, 0));
    await waitFor('the open inspector to show the punched file', () =>
      api.openInspectors().some((i) => i.path === enginePath('sparse.bin') && i.summary?.allocated === allocatedNow) ? true : undefined,
    );

    fs.copyFileSync(onServer('data.bin'), onServer('range-target.bin'));
    give(onServer('range-target.bin'));
    const r = (await vscode.commands.executeCommand('extentLens.cloneRange', undefined, {
      source: enginePath('data.bin'),
      sourceOffset: '1MiB',
      target: enginePath('range-target.bin'),
      targetOffset: '0',
      length: '1MiB',
      showResults: false,
    })) as OperationReport;
    assert.match(r.method, /FSCTL_DUPLICATE_EXTENTS_TO_FILE/);
    const src = fs.readFileSync(onServer('data.bin'));
    assert.ok(
      fs
        .readFileSync(onServer('range-target.bin'))
        .subarray(0, 1024 * 1024)
        .equals(src.subarray(1024 * 1024, 2 * 1024 * 1024)),
    );
  });

  test('Server-Side Copy on the share: bytes equal', async () => {
    const report = (await vscode.commands.executeCommand('extentLens.serverSideCopy', shareUri('data.bin'), shareUri('copy.bin'), {
      onExisting: 'fail',
      showResults: false,
    })) as OperationReport;
    assert.ok(report, 'a report');
    assert.match(report.method, /COPYCHUNK|DUPLICATE_EXTENTS/);
    assert.ok(fs.readFileSync(onServer('copy.bin')).equals(fs.readFileSync(onServer('data.bin'))));
  });

  test('Server-Side Copy to another share: read and written through this client by the engine, holes kept', async () => {
    // A trial: this went through the streamed copy for a share and this computer, which wrote
    // every hole as zeros (6 GiB on disk for 1.5 GiB of data) and reported nothing.
    const { data } = makeSparseFile(onServer('sparse.bin'));
    give(onServer('sparse.bin'));
    const to = vscode.Uri.parse(env.smbOtherUri!);
    const report = (await vscode.commands.executeCommand(
      'extentLens.serverSideCopy',
      shareUri('sparse.bin'),
      to.with({ path: `${to.path}/sparse-copy.bin` }),
      {
        onExisting: 'fail',
        showResults: false,
      },
    )) as OperationReport;
    assert.ok(report, 'a report (the engine copied)');
    assert.equal(report.method, 'sparse-copy');
    assert.equal(report.bytes, BigInt(data.reduce((n, [, len]) => n + len, 0)), 'the data bytes were written, no more');
    const copy = onServer('other/sparse-copy.bin');
    assert.ok(fs.readFileSync(copy).equals(fs.readFileSync(onServer('sparse.bin'))), 'the same bytes');
    assert.deepEqual(seekDataRanges(copy), data, 'the holes kept');
  });

  test('from this computer to the share: not cloned (E_CROSS_VOLUME), copied when asked', async () => {
    const local = path.join(tempDir('smb-local'), 'local.bin');
    makeDataFile(local, 3 * 1024 * 1024 + 4096, 3);
    const reports = (await vscode.commands.executeCommand('extentLens.cloneHere', shareUri('clones'), [shareUri('clones')], {
      sources: [local],
      fallback: 'copy',
      onExisting: 'fail',
      showResults: false,
    })) as OperationReport[];
    assert.deepEqual(reports, [], 'nothing was cloned');
    assert.ok(fs.readFileSync(onServer('clones/local.bin')).equals(fs.readFileSync(local)));
  });

  test('from the share to this computer: not cloned, copied (streamed) when asked', async () => {
    const here = tempDir('smb-here');
    const reports = (await vscode.commands.executeCommand('extentLens.cloneHere', vscode.Uri.file(here), [vscode.Uri.file(here)], {
      sources: [enginePath('data.bin')],
      fallback: 'copy',
      onExisting: 'fail',
      showResults: false,
    })) as OperationReport[];
    assert.deepEqual(reports, [], 'nothing was cloned');
    assert.ok(fs.readFileSync(path.join(here, 'data.bin')).equals(fs.readFileSync(onServer('data.bin'))));
    assert.deepEqual(fs.readdirSync(here), ['data.bin'], 'no temporary file left');
  });

  test('smbd killed mid-copy: the copy fails naming the dropped connection, nothing half-written is left, the next operations reconnect', async function () {
    if (!env.smbControl) return this.skip(); // the runner does not hold smbd
    this.timeout(180_000);
    // The streamed copy from this computer (Block Clone Here → copy): long enough to be
    // interrupted. A server-side copy on this share cannot be: vfs_btrfs answers copychunk
    // with a clone, done in one call before a kill could land (test/smb/reconnect-samba.test.ts
    // kills smbd in the middle of a byte-copying copychunk on a plain folder instead).
    const local = path.join(tempDir('smb-kill'), 'big.bin');
    makeDataFile(local, 400 * 1024 * 1024, 5);
    const temps = () => fs.readdirSync(onServer('clones')).filter((n) => n.startsWith('.big.bin.extent-lens-'));
    const errors: string[] = [];
    const showErrorMessage = vscode.window.showErrorMessage;
    (vscode.window as { showErrorMessage: unknown }).showErrorMessage = (message: string, ...rest: unknown[]) => {
      errors.push(message);
      return (showErrorMessage as (m: string, ...r: unknown[]) => Thenable<unknown>)(message, ...rest);
    };
    try {
      const copying = Promise.resolve(
        vscode.commands.executeCommand('extentLens.cloneHere', shareUri('clones'), [shareUri('clones')], {
          sources: [local],
          fallback: 'copy',
          onExisting: 'fail',
          showResults: false,
        }),
      );
      // The copy is under way once its temporary file on the server's disk holds bytes.
      const until = Date.now() + 60_000;
      while (!temps().some((n) => fs.statSync(onServer(`clones/${n}`)).size > 0)) {
        if (Date.now() > until) assert.fail('the copy never started writing its temporary file on the share');
        await sleep(5);
      }
      await smbControl('kill');
      const reports = await copying;
      assert.deepEqual(reports, [], 'nothing was cloned');
      assert.equal(
        fs.existsSync(onServer('clones/big.bin')),
        false,
        'no file under the final name (the copy was not done before the kill)',
      );
      assert.equal(errors.length, 1, `one error shown: ${JSON.stringify(errors)}`);
      console.log(`shown after the kill: ${errors[0]}`);
      assert.match(errors[0], /(ECONNRESET|EPIPE)/);
      assert.match(errors[0], /was dropped: (the server closed the connection|the connection was reset)/);
      assert.match(errors[0], /next request reconnects/);
    } finally {
      (vscode.window as { showErrorMessage: unknown }).showErrorMessage = showErrorMessage;
    }

    await smbControl('restart');
    // The next operations, in this window: a listing, then a Server-Side Copy.
    const listed = (await vscode.workspace.fs.readDirectory(shareUri('clones'))).map(([n]) => n);
    assert.ok(listed.includes('data.bin') && !listed.includes('big.bin'), `listed after the restart: ${listed.join(', ')}`);
    const report = (await vscode.commands.executeCommand('extentLens.serverSideCopy', shareUri('data.bin'), shareUri('after-restart.bin'), {
      onExisting: 'fail',
      showResults: false,
    })) as OperationReport;
    assert.ok(report, 'the Server-Side Copy after the restart made a report');
    assert.ok(fs.readFileSync(onServer('after-restart.bin')).equals(fs.readFileSync(onServer('data.bin'))));
    assert.equal(fs.existsSync(onServer('clones/big.bin')), false, 'still no file under the final name');
    // A killed smbd never ran the delete-on-close of the copy's temporary file: the client
    // remembered it and deleted it on its next connection to the share (orphans.ts).
    assert.deepEqual(temps(), [], 'no temporary file of the killed copy left on the share');
    fs.rmSync(path.dirname(local), { recursive: true, force: true });
  });
});

suite('SMB share in restricted mode', () => {
  let api: TestApi;

  suiteSetup(async function () {
    if (!env.smbUri || !env.smbRoot || !env.restricted) return this.skip();
    ({ api } = await activateExtension());
    makeSparseFile(onServer('restricted.bin'));
    give(env.smbRoot);
  });

  test('the share opens and inspects; the commands that change files refuse and change nothing', async () => {
    assert.equal(vscode.workspace.isTrusted, false, 'the workspace is not trusted');
    const r = await openShare({ address: env.smbUri!, password: env.smbPassword });
    assert.ok(r.uri, JSON.stringify(r));
    await vscode.commands.executeCommand('extentLens.inspect', shareUri('restricted.bin'));
    await inspectorSummary(api, enginePath('restricted.bin'));
    const before = fs.readFileSync(onServer('restricted.bin'));
    const listing = fs.readdirSync(env.smbRoot!).sort();
    assert.equal(
      await vscode.commands.executeCommand('extentLens.punchHole', shareUri('restricted.bin'), { offset: '0', length: '4KiB' }),
      undefined,
    );
    assert.equal(await vscode.commands.executeCommand('extentLens.setSparse', shareUri('restricted.bin')), undefined);
    const cloned = await vscode.commands.executeCommand('extentLens.cloneHere', shareUri(), [shareUri()], {
      sources: [enginePath('restricted.bin')],
      onExisting: 'rename',
      showResults: false,
    });
    assert.deepEqual(cloned, []);
    assert.ok(fs.readFileSync(onServer('restricted.bin')).equals(before));
    assert.deepEqual(fs.readdirSync(env.smbRoot!).sort(), listing);
  });
});
