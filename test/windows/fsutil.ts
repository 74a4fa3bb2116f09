// Parsing what Windows' fsutil prints, for the independent checks in refs.test.ts. Pure text in,
// values out, so the parsing is unit-tested on Linux (test/unit/fsutil-output.test.ts) although
// fsutil itself only runs on the Windows CI runner.
//
// fsutil's output is localized; the GitHub-hosted runner is English (en-US), which is what these
// patterns read. Output they do not recognise is reported as such (`recognised: false`, or no
// runs), and the tests fail on it rather than skip: a check that silently stops checking is what
// this file exists to avoid.
//
// Formats (docs/facts/windows-fsctl.md#reference-counts):
//   fsutil fsinfo volumeinfo R:\            "File System Name : ReFS", then one line per volume
//                                            capability, e.g. "Supports Sparse files",
//                                            "Supports Block Cloning"
//   fsutil file queryExtentsAndRefCounts F  one line per run of clusters:
//                                            "VCN: 0x0   Clusters: 0x400   LCN: 0x2c40   Ref: 0x2"

export interface VolumeInfoText {
  /** Whether the text looked like fsutil's English volumeinfo output at all. */
  recognised: boolean;
  fileSystemName?: string;
  supportsSparseFiles: boolean;
  supportsBlockCloning: boolean;
}

export function parseVolumeInfo(text: string): VolumeInfoText {
  const name = /^\s*File System Name\s*:\s*(\S+)\s*$/im.exec(text)?.[1];
  return {
    recognised: name !== undefined,
    fileSystemName: name,
    supportsSparseFiles: /^\s*Supports Sparse files\s*$/im.test(text),
    supportsBlockCloning: /^\s*Supports Block Cloning\s*$/im.test(text),
  };
}

/** One run of clusters: `clusters` clusters from virtual cluster `vcn`, at logical cluster `lcn`
 *  (-1: not allocated), used `ref` times on the volume. */
export interface RefcountRun {
  vcn: bigint;
  clusters: bigint;
  lcn: bigint;
  ref: number;
}

/** A number as fsutil prints it: 0x-prefixed hex (usual) or decimal, possibly negative. */
function num(s: string): bigint {
  const neg = s.startsWith('-');
  const body = neg ? s.slice(1) : s;
  const v = BigInt(body.toLowerCase()); // BigInt() reads both "0x1a" and "26"
  return neg ? -v : v;
}

const NUMBER = '(-?(?:0x[0-9a-f]+|\\d+))';
const RUN_LINE = new RegExp(`VCN:\\s*${NUMBER}\\s+Clusters:\\s*${NUMBER}\\s+LCN:\\s*${NUMBER}\\s+Ref(?:Count)?s?:\\s*${NUMBER}`, 'i');

/** The runs of `fsutil file queryExtentsAndRefCounts`; lines that are not runs are ignored. */
export function parseExtentsAndRefCounts(text: string): RefcountRun[] {
  const runs: RefcountRun[] = [];
  for (const line of text.split(/\r?\n/)) {
    const m = RUN_LINE.exec(line);
    if (!m) continue;
    let lcn = num(m[3]);
    // An unallocated run may be printed as the unsigned form of -1.
    if (lcn === 0xffffffffffffffffn) lcn = -1n;
    runs.push({ vcn: num(m[1]), clusters: num(m[2]), lcn, ref: Number(num(m[4])) });
  }
  return runs;
}

/**
 * Allocated runs only, cut to the first `fileClusters` clusters, with neighbours merged where
 * they continue each other (next VCN and next LCN, same count): two listings of the same layout
 * compare equal however each tool happened to split its runs.
 */
export function normaliseRuns(runs: readonly RefcountRun[], fileClusters: bigint): RefcountRun[] {
  const out: RefcountRun[] = [];
  for (const r of [...runs].sort((a, b) => (a.vcn < b.vcn ? -1 : a.vcn > b.vcn ? 1 : 0))) {
    if (r.lcn < 0n || r.vcn >= fileClusters || r.clusters <= 0n) continue;
    const clusters = r.vcn + r.clusters > fileClusters ? fileClusters - r.vcn : r.clusters;
    const last = out.at(-1);
    if (last && last.vcn + last.clusters === r.vcn && last.lcn + last.clusters === r.lcn && last.ref === r.ref) last.clusters += clusters;
    else out.push({ vcn: r.vcn, clusters, lcn: r.lcn, ref: r.ref });
  }
  return out;
}
