// tshark as an independent witness of what the SMB client puts on the wire: capture the loopback
// traffic of one Samba port into a pcapng, then read every SMB2 PDU back with tshark's own
// decoded fields (-T json) and its raw bytes (-x), so a test can check both what tshark names
// (smb2.ioctl.function, smb2.fid, smb2.nt_status) and the exact buffer layout, decoded by hand
// from MS-SMB2 offsets rather than by the client's codec.

import { execFileSync, spawn, spawnSync } from 'node:child_process';

export function tsharkSkipReason(): string | undefined {
  return spawnSync('sh', ['-c', 'command -v tshark']).status !== 0 ? 'tshark is not installed (apt install tshark)' : undefined;
}

export interface Capture {
  file: string;
  /** Let the last packets land, then stop tshark (SIGINT, so the pcapng is complete). */
  stop(): Promise<void>;
}

/** Start capturing `tcp port PORT` on lo into `file`; resolves once tshark says it is capturing. */
export async function startCapture(port: number, file: string): Promise<Capture> {
  const cap = spawn('tshark', ['-i', 'lo', '-f', `tcp port ${port}`, '-w', file], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`tshark did not start capturing:\n${err}`)), 20000);
    cap.stderr.on('data', (d) => {
      err += d;
      if (/Capturing on/.test(err)) {
        clearTimeout(t);
        // "Capturing on" is printed as dumpcap opens the interface, a moment before the filter
        // is live: on a loaded machine the first packets after it were missed (the first IOCTL
        // of a run went unseen). A short settle time closes that gap.
        setTimeout(resolve, 1000);
      }
    });
    cap.once('exit', (c) => {
      clearTimeout(t);
      reject(new Error(`tshark exited ${c}:\n${err}`));
    });
  });
  let stopped = false;
  const kill = () => {
    try {
      cap.kill('SIGKILL');
    } catch {
      // already gone
    }
  };
  process.once('exit', kill); // never leave a capture running behind a crashed test
  return {
    file,
    async stop() {
      if (stopped) return;
      stopped = true;
      process.off('exit', kill);
      await new Promise((r) => setTimeout(r, 500));
      if (cap.exitCode !== null) return;
      const exited = new Promise((r) => cap.once('exit', r));
      cap.kill('SIGINT');
      await exited;
    },
  };
}

/** One SMB2 PDU as tshark decoded it: leaf fields by name (first occurrence; `x_raw` = hex) and its bytes. */
export interface Smb2Pdu {
  frame: number;
  stream: number;
  raw: Buffer;
  f: Record<string, string>;
}

function flatten(o: unknown, out: Record<string, string>): void {
  if (o === null || typeof o !== 'object' || Array.isArray(o)) return;
  for (const [k, v] of Object.entries(o as Record<string, unknown>)) {
    if (k.endsWith('_raw') && Array.isArray(v)) {
      if (!(k in out) && typeof v[0] === 'string') out[k] = v[0];
    } else if (typeof v === 'string') {
      if (!(k in out)) out[k] = v;
    } else flatten(v, out);
  }
}

/** Every SMB2 PDU of the frames matching `filter` (a display filter), compounds and batches split. */
export function readSmb2(pcap: string, port: number, filter: string): Smb2Pdu[] {
  const json = execFileSync('tshark', ['-r', pcap, '-d', `tcp.port==${port},nbss`, '-Y', filter, '-T', 'json', '-x'], { maxBuffer: 512 << 20, stdio: ['ignore', 'pipe', 'pipe'] }).toString();
  const packets = JSON.parse(json) as Array<{ _source: { layers: Record<string, unknown> } }>;
  const out: Smb2Pdu[] = [];
  for (const p of packets) {
    const l = p._source.layers;
    const frame = Number((l.frame as Record<string, string>)['frame.number']);
    const stream = Number((l.tcp as Record<string, string>)['tcp.stream']);
    // One PDU: smb2 is an object and smb2_raw [hex, pos, len, ...]; several: arrays of those.
    const trees = Array.isArray(l.smb2) ? (l.smb2 as unknown[]) : [l.smb2];
    const raws = Array.isArray((l.smb2_raw as unknown[])?.[0]) ? (l.smb2_raw as unknown[][]) : [l.smb2_raw as unknown[]];
    trees.forEach((tree, i) => {
      const f: Record<string, string> = {};
      flatten(tree, f);
      out.push({ frame, stream, raw: Buffer.from(String(raws[i]?.[0] ?? ''), 'hex'), f });
    });
  }
  return out;
}

/** An SMB2 IOCTL request decoded from its bytes (MS-SMB2 2.2.31: offsets from the SMB2 header). */
export interface IoctlRequest {
  stream: number;
  messageId: bigint;
  ctlCode: number;
  fileId: string; // hex, 16 bytes (Persistent + Volatile)
  flags: number;
  input: Buffer;
  /** What tshark called the function code (smb2.ioctl.function), for cross-checking. */
  tsharkFunction: number;
  tsharkFileId: string;
}

const SMB2_HEADER = 64;

export function decodeIoctlRequest(p: Smb2Pdu): IoctlRequest {
  const r = p.raw;
  const b = SMB2_HEADER;
  const inputOffset = r.readUInt32LE(b + 24);
  const inputCount = r.readUInt32LE(b + 28);
  return {
    stream: p.stream,
    messageId: r.readBigUInt64LE(24),
    ctlCode: r.readUInt32LE(b + 4),
    fileId: r.subarray(b + 8, b + 24).toString('hex'),
    flags: r.readUInt32LE(b + 48),
    input: Buffer.from(r.subarray(inputOffset, inputOffset + inputCount)),
    tsharkFunction: Number(p.f['smb2.ioctl.function']),
    tsharkFileId: p.f['smb2.fid_raw'] ?? '',
  };
}

export const isResponse = (p: Smb2Pdu) => (p.raw.readUInt32LE(16) & 1) === 1;
export const command = (p: Smb2Pdu) => p.raw.readUInt16LE(12);
export const messageId = (p: Smb2Pdu) => p.raw.readBigUInt64LE(24);
export const ntStatus = (p: Smb2Pdu) => p.raw.readUInt32LE(8);

/** File name -> FileId (hex) of every successful CREATE, from tshark's request name and the response's id. */
export function createdFileIds(pdus: Smb2Pdu[]): Map<string, string[]> {
  const names = new Map<string, string>();
  for (const p of pdus) if (command(p) === 5 && !isResponse(p) && p.f['smb2.filename'] !== undefined) names.set(`${p.stream}/${messageId(p)}`, p.f['smb2.filename']);
  const out = new Map<string, string[]>();
  for (const p of pdus) {
    if (command(p) !== 5 || !isResponse(p) || ntStatus(p) !== 0) continue;
    const name = names.get(`${p.stream}/${messageId(p)}`);
    // CREATE response (MS-SMB2 2.2.14): FileId at body offset 64.
    const id = p.raw.subarray(SMB2_HEADER + 64, SMB2_HEADER + 80).toString('hex');
    if (name !== undefined) out.set(name, [...(out.get(name) ?? []), id]);
  }
  return out;
}
