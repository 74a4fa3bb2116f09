// What the outer runner tells the suite, through the extension host's environment
// (code-server: the payload's extensionEnvironment; Electron: runTests' extensionTestsEnv).
// Every folder is prepared by the runner BEFORE VS Code starts (loop mounts need root).
export const env = {
  /** Folder of ordinary fixture files on the workspace's own file system (ext4 here). */
  fixtures: process.env.EL_FIXTURES,
  /** A folder on an XFS (reflink=1) loop mount; unset when not root. */
  xfsDir: process.env.EL_XFS_DIR,
  /** Why xfsDir is unset, for the skip message. */
  xfsSkip: process.env.EL_XFS_SKIP ?? 'EL_XFS_DIR not set (the runner creates an XFS loop image only as root)',
  /** smb://el-smbtest@127.0.0.1:PORT/share: a real Samba sharing a btrfs loop mount (test/vscode/smb.test.ts). */
  smbUri: process.env.EL_SMB_URI,
  /** Its password, typed into Open SMB Share… by the suite. */
  smbPassword: process.env.EL_SMB_PASSWORD ?? '',
  /** The shared folder on the server's disk (this machine), to check every answer against. */
  smbRoot: process.env.EL_SMB_ROOT,
  /** smb://…/other: a second share of the same server, the folder `other` of smbRoot (copies between shares). */
  smbOtherUri: process.env.EL_SMB_OTHER_URI,
  /** A folder the runner watches: the suite writes `kill` / `restart` there and waits for `killed` / `restarted` (smbd). */
  smbControl: process.env.EL_SMB_CONTROL,
  /** "1": this run is in an untrusted (restricted mode) workspace. */
  restricted: process.env.EL_RESTRICTED === '1',
  /** Where index.ts writes the JSON outcome. */
  resultFile: process.env.EL_RESULT_FILE,
  /** Mocha --grep. */
  grep: process.env.EL_GREP,
};
