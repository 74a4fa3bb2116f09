// The client side of the hostile-server tests (test/smb/hostile*.test.ts): connection options
// for a server on 127.0.0.1, a server for the length of one call, the EPROTO check, and the SMB
// state reset after a file's tests.
import assert from 'node:assert/strict';
import { after } from 'node:test';
import { closeSmbConnections, configureSmb, setSmbPasswordProvider } from '../../src/engine/backends/smb';
import type { SmbConnectOptions } from '../../src/engine/backends/smb/protocol/client';
import { FsctlError } from '../../src/engine/errors';
import { startHostileServer, type HostileOptions, type HostileServer } from './hostile-server';

export const QAR = 0x940cf; // FSCTL_QUERY_ALLOCATED_RANGES
export const qarInput = Buffer.alloc(16); // offset 0, length 0

export function opts(port: number, more: Partial<SmbConnectOptions> = {}): SmbConnectOptions {
  return {
    host: '127.0.0.1',
    port,
    user: 'alice',
    password: 'pw',
    share: 'data',
    dialects: ['2.1'],
    sign: false,
    timeoutMs: 3000,
    ...more,
  };
}

export async function withServer<T>(o: HostileOptions, fn: (s: HostileServer) => Promise<T>): Promise<T> {
  const s = await startHostileServer(o);
  try {
    return await fn(s);
  } finally {
    await s.stop();
  }
}

/** A protocol error: FsctlError EPROTO naming the command and the field, with no trace of a RangeError. */
export function isProtocolError(command: string, field: RegExp) {
  return (e: unknown) => {
    assert.ok(e instanceof FsctlError, `not an FsctlError: ${String(e)} (${(e as Error)?.name} ${(e as { code?: string })?.code})`);
    assert.equal(e.code, 'EPROTO', e.message);
    assert.ok(e.message.includes(command), `the message should name ${command}: ${e.message}`);
    assert.match(e.message, field);
    assert.match(e.message, /127\.0\.0\.1:\d+/);
    assert.doesNotMatch(e.message, /ERR_OUT_OF_RANGE|ERR_BUFFER_OUT_OF_BOUNDS|RangeError/);
    assert.notEqual(e.syscall, 'open');
    return true;
  };
}

/** After the file's tests: no SMB settings, password provider or connection left behind. */
export function resetSmbAfter(): void {
  after(async () => {
    configureSmb({});
    setSmbPasswordProvider(undefined);
    await closeSmbConnections();
  });
}
