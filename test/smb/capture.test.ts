// What this client sends, seen by an independent decoder: tshark captures one unsigned,
// unencrypted SMB 3.1.1 session on the loopback interface while the FSCTL algorithms run, and
// the decoded IOCTL function codes must be the FSCTLs of docs/facts/windows-fsctl.md#control-codes (tshark shows
// DUPLICATE_EXTENTS as an unknown code, which the raw field still carries). The atomic option
// (FSCTL_DUPLICATE_EXTENTS_TO_FILE_EX and its buffer, byte by byte) is in clone-atomic-samba.test.ts.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { closeSmbConnections, configureSmb, createSmbBackend } from '../../src/engine/backends/smb';
import { SMB_PASSWORD, makeLoopFs, sambaSkipReason, startSamba, type LoopFs, type SambaServer, BTRFS_CLONING, stopSamba } from '../support/samba';
import { ctx, makeDenseFile, makeSparseFile } from './helpers';
import { startCapture, tsharkSkipReason } from './tshark';

const skip = sambaSkipReason() ?? tsharkSkipReason();

describe('tshark sees the FSCTL codes on the wire', { skip, timeout: 120000 }, () => {
  let fs: LoopFs;
  let smb: SambaServer;
  let dir: string;
  const saved = process.env.EXTENT_LENS_SMB_PASSWORD;

  before(async () => {
    fs = makeLoopFs('btrfs', 200);
    smb = await startSamba({ shares: [{ name: 'data', path: fs.mnt, options: BTRFS_CLONING }] });
    dir = mkdtempSync(join(tmpdir(), 'el-smb-cap-'));
    process.env.EXTENT_LENS_SMB_PASSWORD = SMB_PASSWORD;
  });

  after(async () => {
    await closeSmbConnections();
    configureSmb({});
    await stopSamba(smb, fs);
    if (dir) rmSync(dir, { recursive: true, force: true });
    if (saved === undefined) delete process.env.EXTENT_LENS_SMB_PASSWORD;
    else process.env.EXTENT_LENS_SMB_PASSWORD = saved;
  });

  test('QUERY_ALLOCATED_RANGES, REQUEST_RESUME_KEY, COPYCHUNK_WRITE, SET_SPARSE, DUPLICATE_EXTENTS', async () => {
    makeSparseFile(join(fs.mnt, 's.bin'), 1 << 20, [[0, 4096], [512 * 1024, 4096]]);
    makeDenseFile(join(fs.mnt, 'd.bin'), 256 * 1024);
    const cap = await startCapture(smb.port, join(dir, 'smb.pcapng'));
    const pcap = cap.file;
    try {
      configureSmb({ dialects: ['3.1.1'], sign: false });
      await closeSmbConnections();
      const b = createSmbBackend();
      await b.setSparse(smb.uri('data', 's.bin'), true, ctx);
      const r = await b.allocatedRanges(smb.uri('data', 's.bin'), undefined, ctx);
      assert.equal(r.ranges.length, 2);
      await b.copyFile(smb.uri('data', 'd.bin'), smb.uri('data', 'd-copy.bin'), ctx);
      await b.cloneFile(smb.uri('data', 'd.bin'), smb.uri('data', 'd-clone.bin'), ctx);
      await closeSmbConnections();
    } finally {
      configureSmb({});
      await cap.stop(); // waits for the last packets to reach the capture
    }
    const out = execFileSync('tshark', ['-r', pcap, '-d', `tcp.port==${smb.port},nbss`, '-Y', 'smb2.cmd == 11 && smb2.flags.response == 0', '-T', 'fields', '-e', 'smb2.ioctl.function', '-e', 'smb2.flags.signature'])
      .toString()
      .split('\n')
      .map((l) => l.trim().split('\t'))
      .filter((f) => f[0]);
    // Unsigned and unencrypted, as configured: the payload above is what the client wrote.
    assert.ok(out.every((f) => f[1] === 'False' || f[1] === '0'), JSON.stringify(out.slice(0, 3)));
    const seen = new Set(out.map((f) => Number(f[0])));
    for (const [name, code] of [
      ['FSCTL_SET_SPARSE', 0x900c4],
      ['FSCTL_QUERY_ALLOCATED_RANGES', 0x940cf],
      ['FSCTL_SRV_REQUEST_RESUME_KEY', 0x140078],
      ['FSCTL_SRV_COPYCHUNK_WRITE', 0x1480f2],
      ['FSCTL_DUPLICATE_EXTENTS_TO_FILE', 0x98344],
    ] as const) {
      assert.ok(seen.has(code), `${name} (0x${code.toString(16)}) not on the wire; saw ${[...seen].map((c) => '0x' + c.toString(16)).join(', ')}`);
    }
    // A clone without the atomic option never sends the _EX code.
    assert.ok(!seen.has(0x983e8), 'FSCTL_DUPLICATE_EXTENTS_TO_FILE_EX only with the atomic option');
  });
});
