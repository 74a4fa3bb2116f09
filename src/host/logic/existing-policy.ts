// The extentLens.clone.onExisting setting and the modal's answer, as the engine's policy.
// Never overwrite without an explicit choice: anything unexpected means "ask".

import type { ExistingPolicy } from '../../engine';

export type OnExistingSetting = 'ask' | 'rename' | 'overwrite';

export function readOnExistingSetting(v: unknown): OnExistingSetting {
  return v === 'rename' || v === 'overwrite' ? v : 'ask';
}

/**
 * The policy to pass to the engine for one destination. `exists` is what the host saw just
 * before the call; when the setting is 'ask' and the name is free the engine gets 'fail', so a
 * file that appears meanwhile is still never overwritten.
 */
export function policyFor(setting: OnExistingSetting, exists: boolean): ExistingPolicy | 'ask' {
  if (setting === 'rename' || setting === 'overwrite') return setting;
  return exists ? 'ask' : 'fail';
}

/** The modal's buttons, in order; undefined (Cancel / Escape) means stop. */
export type AskAnswer = 'rename' | 'overwrite' | undefined;
