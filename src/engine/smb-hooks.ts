// What a host sets on the SMB client without loading it up front: the password provider (the
// extension asks SecretStorage) and closing pooled connections at shutdown. The SMB code loads
// on the first call, with a dynamic import, so importing the engine's index stays cheap.

import type { SmbPasswordProvider } from './backends/smb/protocol/pool';

export type { SmbPasswordProvider, SmbTargetInfo } from './backends/smb/protocol/pool';

/** Ask `provider` for smb:// passwords from now on (undefined: the environment only). */
export async function configureSmbPasswords(provider: SmbPasswordProvider | undefined): Promise<void> {
  const { setSmbPasswordProvider } = await import('./backends/smb/protocol/pool');
  setSmbPasswordProvider(provider);
}

/** Log off and close every pooled SMB connection (loads the SMB client if it is not loaded yet). */
export async function closeSmbConnections(): Promise<void> {
  const { closeSmbConnections: closeAll } = await import('./backends/smb/protocol/pool');
  await closeAll();
}
