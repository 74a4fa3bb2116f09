// A private temporary directory (/tmp/el-cli-XXXX) for tests that need the root file system.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export function tempDir(area = 'cli'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `el-${area}-`));
}
