// The extentLens.clone.onExisting setting and the modal's answer, as the engine's policy.
// Never overwrite without an explicit choice: anything unexpected means "ask".

import type { ExistingPolicy } from '../../engine';
import { plainT, type Translate } from './translate';

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

/**
 * The modal's buttons; undefined (Cancel / Escape) means stop. The "… all" answers are offered
 * only while more of one command's files meet taken names (Block Clone Here of several files).
 */
export type AskAnswer = 'rename' | 'overwrite' | 'rename-all' | 'overwrite-all' | undefined;

/** Names shown in full up to this many; more are counted. */
const NAMED = 5;

/** "a, b, c, d, e and 3 more": names in a sentence, the first five of them. */
export function namedList(names: readonly string[], t: Translate = plainT): string {
  const shown = names.slice(0, NAMED).join(', ');
  return names.length > NAMED ? t('{0} and {1} more', shown, names.length - NAMED) : shown;
}

/**
 * The modal's detail: what Rename and Overwrite do, and, where more of the command's files meet
 * taken names (`later`: their shown names), that the "All" buttons answer for them too, naming
 * them, since Overwrite All replaces each of those files. `made`: what the new file is, whose word
 * the renamed name carries (the engine's rule: a clone's fallback copy is "(copy)" too).
 */
export function existingDetail(later: readonly string[], t: Translate = plainT, made: 'clone' | 'copy' = 'clone'): string {
  const what =
    made === 'copy'
      ? t('Rename keeps both files (the new one gets a "(copy)" name); Overwrite replaces the existing file.')
      : t('Rename keeps both files (the new one gets a "(clone)" name); Overwrite replaces the existing file.');
  if (later.length === 0) return what;
  const more =
    later.length === 1
      ? t('The name of 1 more selected file is taken here too: {0}. Rename All and Overwrite All answer for it as well.', later[0])
      : t(
          'The names of {0} more selected files are taken here too: {1}. Rename All and Overwrite All answer for them as well.',
          later.length,
          namedList(later, t),
        );
  return `${what} ${more}`;
}

/**
 * One command's answers about taken names (Block Clone Here of several files): an "… all" answer
 * is kept for the rest of that command. Rename All renames every later file whose name is taken
 * (renaming loses nothing); Overwrite All overwrites only the files the question listed, so a
 * name taken after it was asked is asked about again, never overwritten unasked.
 */
export class ExistingAnswers {
  private forAll: { policy: 'rename' | 'overwrite'; covers: readonly string[] } | undefined;

  /** `same`: whether two destination paths name one file (samePath). */
  constructor(private readonly same: (a: string, b: string) => boolean) {}

  /** The policy an earlier "… all" answer gives `destination`; undefined: ask. */
  given(destination: string): ExistingPolicy | undefined {
    if (this.forAll?.policy === 'rename') return 'rename';
    if (this.forAll?.policy === 'overwrite' && this.forAll.covers.some((c) => this.same(c, destination))) return 'overwrite';
    return undefined;
  }

  /**
   * The answer to the question about `destination` (asked with `later` listed), as the policy for
   * that file; an "… all" answer is kept for the later ones. undefined: stop.
   */
  take(answer: AskAnswer, destination: string, later: readonly string[]): ExistingPolicy | undefined {
    if (answer === 'rename-all' || answer === 'overwrite-all') {
      const policy = answer === 'rename-all' ? 'rename' : 'overwrite';
      this.forAll = { policy, covers: [destination, ...later] };
      return policy;
    }
    return answer;
  }
}
