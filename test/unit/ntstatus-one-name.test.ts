// One name for each NTSTATUS: an SMB2 command's refusal (SmbStatusError, the SMB client) and an
// FSCTL's outcome (ntStatusName, the FSCTL algorithms over the SMB transport) must never call the
// same status by two names, nor one of them by its hex alone.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SmbStatusError } from '../../src/engine/backends/smb/protocol/errors';
import { ntStatusName } from '../../src/engine/nt/codec/ntstatus';

// Every success, informational, warning and error code up to 0x500 of each kind, and the
// signing range: far past the statuses either side knows.
function* someStatuses(): Generator<number> {
  for (const base of [0x00000000, 0x40000000, 0x80000000, 0xc0000000]) for (let c = base; c < base + 0x500; c++) yield c;
  for (let c = 0xc000a000; c < 0xc000a100; c++) yield c;
}

test('the SMB client and the FSCTL algorithms give every status the same name', () => {
  const where = '//127.0.0.1:445/data';
  const disagree: string[] = [];
  for (const status of someStatuses()) {
    const smb = new SmbStatusError(status, 'CREATE', [where], where).code;
    const fsctl = ntStatusName(status);
    if (smb !== fsctl) disagree.push(`0x${status.toString(16)}: SMB2 ${smb}, FSCTL ${fsctl}`);
  }
  assert.deepEqual(disagree, []);
});
