// What a host sets on the SMB client without loading it up front: the password provider (the
// extension asks SecretStorage), whether unsigned SMB 2.0.2 is allowed, and closing pooled
// connections at shutdown. The SMB code loads
// on the first call, with a dynamic import, so importing the engine's index stays cheap.

import type { SmbLogonVerdict, SmbPasswordProvider, SmbTargetInfo } from './backends/smb/protocol/pool';

export type { SmbLogonVerdict, SmbPasswordProvider, SmbTargetInfo } from './backends/smb/protocol/pool';

/** Ask `provider` for smb:// passwords from now on (undefined: the environment only). */
export async function configureSmbPasswords(provider: SmbPasswordProvider | undefined, verdict?: SmbLogonVerdict): Promise<void> {
  const { setSmbPasswordProvider } = await import('./backends/smb/protocol/pool');
  setSmbPasswordProvider(provider, verdict);
}

/** extentLens.smb.allowUnsignedLegacy: connect to SMB 2.0.2 servers that do not require signing. */
export async function configureSmbAllowUnsignedLegacy(allow: boolean): Promise<void> {
  const { setSmbAllowUnsignedLegacy } = await import('./backends/smb/protocol/pool');
  await setSmbAllowUnsignedLegacy(allow);
}

/**
 * A password was just entered for `account` (user@host:port, every share): its pooled connections
 * close (those with a request under way once it is done), so the next request logs on with it.
 */
export async function reconnectSmbAccount(account: Omit<SmbTargetInfo, 'share'>): Promise<void> {
  const { reconnectSmbAccount: reconnect } = await import('./backends/smb/protocol/pool');
  await reconnect(account);
}

/** Log off and close every pooled SMB connection (loads the SMB client if it is not loaded yet). */
export async function closeSmbConnections(): Promise<void> {
  const { closeSmbConnections: closeAll } = await import('./backends/smb/protocol/pool');
  await closeAll();
}
