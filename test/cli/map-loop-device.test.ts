// `extent-lens map /dev/loopN`: a device node has no extents; the refusal names the loop
// device's backing file and the command that maps the part of it the device shows (losetup
// --offset/--sizelimit). Real loop devices; root only.

import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { cli, ensureBuilt } from './run-cli';
import { skipReason, tempDir } from './loop';

const skip = skipReason('ext4');
const MiB = 1024 * 1024;

describe('map of a loop device', { skip }, () => {
  let dir = '';
  const devices: string[] = [];
  const attach = (...args: string[]): string => {
    const d = execFileSync('losetup', ['-f', '--show', ...args], { encoding: 'utf8' }).trim();
    devices.push(d);
    return d;
  };

  before(() => {
    ensureBuilt();
    dir = tempDir('map-loop');
  });
  after(() => {
    for (const d of devices) spawnSync('losetup', ['-d', d]);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('names the backing file and the command that maps it, and exits 1', () => {
    const image = path.join(dir, 'disk image.img'); // (a space: the command is one shell word)
    fs.writeFileSync(image, Buffer.alloc(8 * MiB, 0x5a));
    const dev = attach(image);
    const r = cli(['map', dev]);
    assert.equal(r.code, 1, r.stderr);
    assert.equal(
      r.stderr,
      `extent-lens map: ${dev} is a block device, not a regular file (E_NOT_REGULAR): a loop device over ${image}; ` +
        `its extents are that file's: extent-lens map '${image}'.\n`,
    );
    const j = cli(['map', dev, '--json']);
    assert.equal(JSON.parse(j.stdout).error.code, 'E_NOT_REGULAR');
    assert.match(JSON.parse(j.stdout).error.message, /a loop device over .*disk image\.img/);
  });

  test('a loop device over part of a file (--offset, --sizelimit): the window it shows', () => {
    const image = path.join(dir, 'part.img');
    fs.writeFileSync(image, Buffer.alloc(8 * MiB, 0x5a));
    const dev = attach('-o', String(MiB), '--sizelimit', String(4 * MiB), image);
    const r = cli(['map', dev]);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      new RegExp(`extent-lens map ${image} --offset 1048576 --length 4194304 \\(the part of it the device shows\\)\\.\\n$`),
    );
    // the command given works, and maps what the device shows
    const m = cli(['map', image, '--offset', '1048576', '--length', '4194304']);
    assert.equal(m.code, 0, m.stderr);
  });

  // A trial: --offset 7 MiB --sizelimit 4 MiB over an 8 MiB file shows 1 MiB (blockdev
  // --getsize64), and the command said --length 4194304, past the file's end
  test('a --sizelimit past the end of the file: the length the device shows, not the limit', () => {
    const image = path.join(dir, 'short.img');
    fs.writeFileSync(image, Buffer.alloc(8 * MiB, 0x5a));
    const dev = attach('-o', String(7 * MiB), '--sizelimit', String(4 * MiB), image);
    const shows = execFileSync('blockdev', ['--getsize64', dev], { encoding: 'utf8' }).trim();
    assert.equal(shows, String(MiB));
    const r = cli(['map', dev]);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      new RegExp(`extent-lens map ${image} --offset 7340032 --length ${shows} \\(the part of it the device shows\\)\\.\\n$`),
    );
  });

  // the device's size is set when it is attached (losetup -c reads the file's again)
  test('a file grown since its loop device was attached: the length the device shows', () => {
    const image = path.join(dir, 'grown.img');
    fs.writeFileSync(image, Buffer.alloc(2 * MiB, 0x5a));
    const dev = attach(image);
    fs.appendFileSync(image, Buffer.alloc(MiB, 0x5a));
    const r = cli(['map', dev]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`extent-lens map ${image} --length ${2 * MiB} \\(the part of it the device shows\\)\\.\\n$`));
  });

  // A trial: losetup over another loop device gave "extent-lens map /dev/loopM", itself refused
  test('a loop device over another loop device: the file at the end of the chain, the windows added up', () => {
    const image = path.join(dir, 'chain.img');
    fs.writeFileSync(image, Buffer.alloc(8 * MiB, 0x5a));
    const inner = attach('-o', String(MiB), image);
    const outer = attach('-o', String(2 * MiB), '--sizelimit', String(3 * MiB), inner);
    const r = cli(['map', outer]);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      new RegExp(
        `a loop device over ${inner}, a loop device over ${image}; its extents are that file's: extent-lens map ${image} --offset ${3 * MiB} --length ${3 * MiB} \\(the part of it the device shows\\)\\.\\n$`,
      ),
    );
  });

  test('a chain whose file was deleted: the device holding the file is the one to detach', () => {
    const image = path.join(dir, 'chain-gone.img');
    fs.writeFileSync(image, Buffer.alloc(MiB));
    const inner = attach(image);
    const outer = attach(inner);
    fs.unlinkSync(image);
    const r = cli(['map', outer]);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      new RegExp(`a loop device over ${inner}, a loop device over ${image}; its name has been deleted .*losetup -d ${inner} `),
    );
  });

  test('a backing file whose name was deleted: said so, with no command that cannot work', () => {
    const image = path.join(dir, 'gone.img');
    fs.writeFileSync(image, Buffer.alloc(MiB));
    const dev = attach(image);
    fs.unlinkSync(image);
    const r = cli(['map', dev]);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      new RegExp(`: a loop device over ${image}; its name has been deleted since it was attached, .*losetup -d ${dev} `),
    );
    assert.doesNotMatch(r.stderr, /extent-lens map \//);
  });

  test('any other block device keeps the plain refusal', () => {
    // a node of its own (major 1, the RAM disks; minor 250, which none has): a loop device
    // detached for this could be attached again meanwhile by a test running beside this one
    const dev = path.join(dir, 'not-a-loop');
    execFileSync('mknod', [dev, 'b', '1', '250']);
    const r = cli(['map', dev]);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, `extent-lens map: ${dev} is a block device, not a regular file (E_NOT_REGULAR); choose a regular file.\n`);
  });
});
