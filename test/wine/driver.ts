// Runs INSIDE Windows node.exe under wine (bundled by test/wine/win32-abi.test.ts with esbuild).
// It drives the real win32 backend (src/engine/backends/win32/index.ts: koffi -> kernel32.dll) against real files
// on the Z: drive and writes what it observed to a JSON file; the Linux side makes the assertions
// and checks the files independently. Not a test file itself (no .test.ts suffix).

import fs from 'node:fs';
import koffi = require('koffi');
import { KERNEL32_PROTOTYPES, bindKernel32, INVALID_HANDLE_VALUE, OPEN_EXISTING, GENERIC_READ } from '../../src/engine/backends/win32/kernel32';
import { createWin32Transport, createWin32Backend } from '../../src/engine/backends/win32';
import { DUPLICATE_EXTENTS_DATA_EX_SOURCE_ATOMIC, FSCTL } from '../../src/engine/nt/codec/fsctl-codes';
import { encodeAllocatedRange, encodeZeroData, encodeDuplicateExtents, encodeDuplicateExtentsEx } from '../../src/engine/nt/codec/windows';
import { duplicateExtents } from '../../src/engine/nt/clone';
import { queryAllocatedRanges } from '../../src/engine/nt/ranges';
import type { OpContext } from '../../src/engine/backend';

const dir = process.env.EL_DIR!; // Z:\tmp\el-windows-XXXX
const resultFile = process.env.EL_RESULT!;
const results: Record<string, unknown> = {};
const ctx: OpContext = { checkCancelled() {}, progress() {} };

function errInfo(e: unknown): unknown {
  const x = e as { name?: string; code?: string; errno?: number; message?: string; syscall?: string; operation?: string };
  return { name: x?.name, code: x?.code, errno: x?.errno, message: x?.message, syscall: x?.syscall, operation: x?.operation };
}

async function step(name: string, fn: () => Promise<unknown> | unknown): Promise<void> {
  try {
    results[name] = { ok: true, value: await fn() };
  } catch (e) {
    results[name] = { ok: false, error: errInfo(e) };
  }
}

const json = (v: unknown) => JSON.parse(JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? `${x}n` : x)));

async function main(): Promise<void> {
  results.platform = { platform: process.platform, arch: process.arch, node: process.version };
  const lib = koffi.load('kernel32.dll');

  // 1. Every declared kernel32 function resolves (lib.func throws for a missing symbol).
  await step('resolve', () => {
    const k = bindKernel32(lib);
    return Object.keys(KERNEL32_PROTOTYPES).filter((n) => typeof (k as unknown as Record<string, unknown>)[n] === 'function');
  });

  const k = bindKernel32(lib);
  // 2. Raw CreateFileW on a missing file + GetLastError right after (koffi preserves it).
  await step('createMissingRaw', () => {
    const h = k.CreateFileW(`${dir}\\does-not-exist.bin`, GENERIC_READ, 7, null, OPEN_EXISTING, 0x80, 0);
    return { invalid: h === INVALID_HANDLE_VALUE, lastError: k.GetLastError() };
  });

  const t = createWin32Transport({ kernel32: k });
  const b = createWin32Backend({ kernel32: k });
  await step('openMissing', () => t.open(`${dir}\\does-not-exist.bin`, { access: 'read', disposition: 'open' }));

  // 3. Real files on Z:.
  const src = `${dir}\\source.bin`;
  await step('queryInfo', async () => {
    const h = await t.open(src, { access: 'read', disposition: 'open' });
    try {
      const info = await t.queryInfo(h);
      const head = await t.read(h, 0n, 16);
      return json({ ...info, head: Buffer.from(head).toString('hex') });
    } finally {
      await t.close(h);
    }
  });
  await step('volume', async () => json(await b.volume(src)));
  await step('volumeOfFolder', async () => json(await b.volume(dir)));

  // Exact 64-bit EOF through SetFileInformationByHandle, read back through FileStandardInfo.
  await step('bigEof', async () => {
    const h = await t.open(`${dir}\\big.bin`, { access: 'read-write', disposition: 'create-new' });
    try {
      await t.setEndOfFile(h, (1n << 40n) + 1n);
      return json((await t.queryInfo(h)).endOfFile);
    } finally {
      await t.close(h);
    }
  });

  // Delete-on-close through FileDispositionInfo: one file dropped, one kept after clearing it.
  await step('deleteOnClose', async () => {
    const gone = await t.open(`${dir}\\temp-dropped.bin`, { access: 'read-write', disposition: 'create-new', deleteOnClose: true });
    await t.write(gone, 0n, Buffer.from('dropped'));
    await t.close(gone);
    const kept = await t.open(`${dir}\\temp-kept.bin`, { access: 'read-write', disposition: 'create-new', deleteOnClose: true });
    await t.write(kept, 0n, Buffer.from('kept'));
    await t.setDeleteOnClose(kept, false);
    await t.close(kept);
    return { droppedExists: await t.exists(`${dir}\\temp-dropped.bin`), keptExists: await t.exists(`${dir}\\temp-kept.bin`) };
  });
  await step('createExisting', () => t.open(src, { access: 'read-write', disposition: 'create-new' }));
  await step('rename', async () => {
    await b.rename!(`${dir}\\temp-kept.bin`, `${dir}\\renamed.bin`, false);
    return { from: await t.exists(`${dir}\\temp-kept.bin`), to: await t.exists(`${dir}\\renamed.bin`) };
  });
  await step('renameNoReplace', () => b.rename!(`${dir}\\renamed.bin`, src, false));
  await step('stat', async () => json({ file: await b.stat!(src), dir: await b.stat!(dir), missing: await b.stat!(`${dir}\\nope`) }));

  // 4. Raw FSCTL outcomes: what Wine answers for each control code.
  await step('rawFsctl', async () => {
    const h = await t.open(src, { access: 'read-write', disposition: 'open' });
    const h2 = await t.open(`${dir}\\renamed.bin`, { access: 'read-write', disposition: 'open' });
    try {
      const out: Record<string, unknown> = {};
      const send = async (name: string, hh: typeof h, code: number, input: Uint8Array | null, max: number) => {
        const o = await t.fsctl(hh, code, input, max);
        out[name] = { kind: o.kind, code: o.code, codeName: o.codeName, bytes: o.output.byteLength, hex: Buffer.from(o.output.subarray(0, 64)).toString('hex') };
      };
      await send('QUERY_ALLOCATED_RANGES', h, FSCTL.FSCTL_QUERY_ALLOCATED_RANGES, encodeAllocatedRange({ offset: 0n, length: 1n << 20n }), 1024);
      await send('SET_SPARSE', h2, FSCTL.FSCTL_SET_SPARSE, null, 0);
      await send('SET_ZERO_DATA', h2, FSCTL.FSCTL_SET_ZERO_DATA, encodeZeroData({ fileOffset: 0n, beyondFinalZero: 4096n }), 0);
      await send('DUPLICATE_EXTENTS_TO_FILE', h2, FSCTL.FSCTL_DUPLICATE_EXTENTS_TO_FILE, encodeDuplicateExtents({ sourceRef: t.sourceReference(h), sourceOffset: 0n, targetOffset: 0n, byteCount: 4096n }), 0);
      // The atomic form: the 48-byte DUPLICATE_EXTENTS_DATA_EX (docs/facts/windows-fsctl.md#duplicate_extents_data_ex) with SOURCE_ATOMIC.
      await send('DUPLICATE_EXTENTS_TO_FILE_EX', h2, FSCTL.FSCTL_DUPLICATE_EXTENTS_TO_FILE_EX, encodeDuplicateExtentsEx({ sourceRef: t.sourceReference(h), sourceOffset: 0n, targetOffset: 0n, byteCount: 4096n, flags: DUPLICATE_EXTENTS_DATA_EX_SOURCE_ATOMIC }), 0);
      await send('SRV_REQUEST_RESUME_KEY', h, FSCTL.FSCTL_SRV_REQUEST_RESUME_KEY, null, 32);
      await send('GET_RETRIEVAL_POINTERS', h, FSCTL.FSCTL_GET_RETRIEVAL_POINTERS, new Uint8Array(8), 1024);
      await send('GET_RETRIEVAL_POINTERS_AND_REFCOUNT', h, FSCTL.FSCTL_GET_RETRIEVAL_POINTERS_AND_REFCOUNT, new Uint8Array(8), 1024);
      return out;
    } finally {
      await t.close(h);
      await t.close(h2);
    }
  });

  // 5. The algorithms' unsupported paths.
  await step('qarLoop', async () => {
    const h = await t.open(src, { access: 'read', disposition: 'open' });
    try {
      return json(await queryAllocatedRanges(t, h, { offset: 0n, length: 1n << 20n }, { initialOutputBytes: 16 }));
    } finally {
      await t.close(h);
    }
  });
  await step('ranges', async () => json(await b.allocatedRanges(src, undefined, ctx)));
  await step('map', async () => json(await b.extentMap(src, undefined, ctx)));
  // a file with holes on the Linux side, which Wine's volume (no sparse files) counts short
  await step('rangesHoles', async () => json(await b.allocatedRanges(`${dir}\\holes.bin`, undefined, ctx)));
  await step('mapHoles', async () => json(await b.extentMap(`${dir}\\holes.bin`, undefined, ctx)));
  await step('cloneFile', async () => json(await b.cloneFile(src, `${dir}\\clone-target.bin`, ctx)));
  await step('cloneRange', async () => json(await b.cloneRange(src, 0n, `${dir}\\renamed.bin`, 0n, 4096n, {}, ctx)));
  await step('cloneRangeAtomic', async () => json(await b.cloneRange(src, 0n, `${dir}\\renamed.bin`, 0n, 4096n, { atomic: true }, ctx)));
  // Past the volume check (Wine's volume has no block refcounting, so cloneRange stops there):
  // the atomic call itself, as cloneRangeNt sends it, through DeviceIoControl.
  await step('duplicateExtentsAtomic', async () => {
    const h = await t.open(src, { access: 'read', disposition: 'open' });
    const h2 = await t.open(`${dir}\\renamed.bin`, { access: 'read-write', disposition: 'open' });
    try {
      return await duplicateExtents(t, h, h2, 0n, 0n, 4096n, 4096, 'clone-range', { atomic: true }, ctx);
    } finally {
      await t.close(h);
      await t.close(h2);
    }
  });
  // Copy: no resume key on a local volume -> the hole-keeping read/write fallback.
  await step('copyFile', async () => json(await b.copyFile(src, `${dir}\\copy.bin`, ctx)));
  await step('copyExisting', async () => json(await b.copyFile(src, `${dir}\\renamed.bin`, ctx)));
  await step('punchHole', async () => json(await b.punchHole(`${dir}\\renamed.bin`, { offset: 0n, length: 4096n }, ctx)));
  await step('setSparse', async () => json(await b.setSparse(`${dir}\\renamed.bin`, true, ctx)));
  // zero where SET_ZERO_DATA is not supported: zeros written, inside the file only
  await step('zeroRange', async () => json(await b.zeroRange!(`${dir}\\zero.bin`, { offset: 4096n, length: 8192n }, ctx)));
  await step('zeroPastEnd', async () => json(await b.zeroRange!(`${dir}\\zero.bin`, { offset: 61440n, length: 1048576n }, ctx)));
  await step('zeroWhollyPastEnd', async () => json(await b.zeroRange!(`${dir}\\zero.bin`, { offset: 1n << 20n, length: 4096n }, ctx)));
}

main()
  .catch((e) => {
    results.fatal = errInfo(e);
  })
  .finally(() => {
    fs.writeFileSync(resultFile, JSON.stringify(results, null, 1));
  });
