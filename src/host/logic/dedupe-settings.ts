// The Find Duplicate Data settings: extentLens.dedupe.chunkSize (the hash chunk, default
// 128 KiB) and extentLens.dedupe.minSize (smaller files are skipped, default 4 KiB). Written in
// the byte-size grammar ("128 KiB", "1M", "0x20000") or as a plain number of bytes; a value
// that is not one is reported with the setting's name, never replaced by the default silently.
// package.json declares them strings (a union type gets no text box in the Settings editor), but a
// number written in settings.json is still read as bytes.

import { parseByteInput } from './bytes';
import { plainT, type Translate } from './translate';

export const DEDUPE_CHUNK_SETTING = 'extentLens.dedupe.chunkSize';
const DEDUPE_MIN_SIZE_SETTING = 'extentLens.dedupe.minSize';
const DEDUPE_CHUNK_DEFAULT = 128n * 1024n;
const DEDUPE_MIN_SIZE_DEFAULT = 4096n;

type DedupeOptionsOrError = { chunk: bigint; minSize: bigint } | { error: string; setting: string };

function readSize(v: unknown, fallback: bigint, t: Translate): { value: bigint } | { error: string } {
  if (v === undefined || v === null || v === '') return { value: fallback };
  if (typeof v === 'number')
    return Number.isSafeInteger(v) && v >= 0 ? { value: BigInt(v) } : { error: t('{0} is not a byte count.', String(v)) };
  if (typeof v !== 'string') return { error: t('{0} is not a byte count.', JSON.stringify(v)) };
  // (a setting reads alike in every display language: Settings Sync carries it between machines)
  return parseByteInput(v, t, { displayGrouping: false });
}

/** Both settings as bigints (chunk at least 4 KiB), or the first that is wrong and why. */
export function readDedupeOptions(chunkSetting: unknown, minSizeSetting: unknown, t: Translate = plainT): DedupeOptionsOrError {
  const chunk = readSize(chunkSetting, DEDUPE_CHUNK_DEFAULT, t);
  if ('error' in chunk) return { error: chunk.error, setting: DEDUPE_CHUNK_SETTING };
  if (chunk.value < 4096n) return { error: t('The chunk size must be at least 4 KiB.'), setting: DEDUPE_CHUNK_SETTING };
  const minSize = readSize(minSizeSetting, DEDUPE_MIN_SIZE_DEFAULT, t);
  if ('error' in minSize) return { error: minSize.error, setting: DEDUPE_MIN_SIZE_SETTING };
  return { chunk: chunk.value, minSize: minSize.value };
}
