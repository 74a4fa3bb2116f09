// The one place that chooses a backend: smb:// URIs go to the SMB backend, everything else to
// this OS's backend. Backends load lazily, so koffi loads on first use, not at activation.

import type { Backend } from './backend';
import { isSmbPath } from './smb-path';

export { isSmbPath };

let local: Backend | undefined;

/**
 * The backend for `path`: the SMB backend for smb:// URIs, otherwise this OS's backend.
 * Backends are loaded lazily so koffi loads on first use, not at activation.
 */
export async function backendFor(path: string): Promise<Backend> {
  if (isSmbPath(path)) {
    const { smbBackend } = await import('./backends/smb');
    return smbBackend();
  }
  return localBackend();
}

export function localBackend(): Backend {
  if (local) return local;
  switch (process.platform) {
    case 'linux':
      local = (require('./backends/linux') as typeof import('./backends/linux')).createLinuxBackend();
      break;
    case 'win32':
      local = (require('./backends/win32') as typeof import('./backends/win32')).createWin32Backend();
      break;
    case 'darwin':
      local = (require('./backends/darwin') as typeof import('./backends/darwin')).createDarwinBackend();
      break;
    default:
      throw new Error(`Extent Lens has no backend for ${process.platform}`);
  }
  return local;
}
