// The steps every clone-like command shares (Block Clone Here / To, Clone Range, Server-Side
// Copy): decide what happens to an existing destination BEFORE touching anything, map both
// files before, run the operation with progress and cancel, offer a hole-keeping copy when
// cloning is impossible, map both files after, log the report and show the results view.

import * as vscode from 'vscode';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { Engine, ExistingPolicy, ExtentMap, OperationReport, Progress, VolumeInfo } from '../engine';
import type { CloneResultsData } from '../protocol/messages';
import { CloneResultsPanel } from '../views/clone-results-panel';
import { resultTotals } from '../protocol/clone-totals';
import { cloneResults, destinationExistedBefore } from './logic/clone-results';
import { acrossText } from './logic/across-text';
import { clonedFilesText } from './logic/clone-here-text';
import { errorFacts, errorLogLine } from '../host/logic/errors';
import { bytesText, callsText, groupNumber } from '../host/logic/bytes';
import { policyFor, type ExistingAnswers } from '../host/logic/existing-policy';
import { mustRename } from '../host/logic/destination';
import type { Services } from '../host/services';
import { askExisting, exists, logReport, offerCopyInstead, showFailure, uriOfPath, withCancellableProgress } from '../host/ui';
import { copyAcrossShare, shareAndLocal } from './copy-across-share';
import { shownName, shownPath, shownText } from '../host/logic/shown';

const t = vscode.l10n.t;

/** Options a caller (a test, another extension) may pass to skip the questions. */
interface FlowOptions {
  /** Overrides the setting extentLens.clone.onExisting for this call. */
  onExisting?: ExistingPolicy;
  /** 'copy': when cloning is impossible, copy (keeping holes) without asking. */
  fallback?: 'none' | 'copy';
  /** Show the clone-results view (default true). */
  showResults?: boolean;
}

export function readFlowOptions(v: unknown): FlowOptions {
  if (typeof v !== 'object' || v === null) return {};
  const o = v as Record<string, unknown>;
  const out: FlowOptions = {};
  if (o.onExisting === 'fail' || o.onExisting === 'rename' || o.onExisting === 'overwrite') out.onExisting = o.onExisting;
  if (o.fallback === 'copy' || o.fallback === 'none') out.fallback = o.fallback;
  if (typeof o.showResults === 'boolean') out.showResults = o.showResults;
  return out;
}

/**
 * Block Clone Here of several files: the answers given for all of them ("Rename All", "Overwrite
 * All"), and the destinations of the files after this one whose names are taken now (the
 * question offers the "All" buttons while there are any, and names them).
 */
export interface ExistingBatch {
  answers: ExistingAnswers;
  later(): Promise<string[]>;
}

/**
 * The policy for one destination, asking the person when the setting says so.
 * undefined = the person cancelled.
 */
async function decideExisting(
  s: Services,
  a: Attempt,
  opts: FlowOptions,
  made: () => Promise<'clone' | 'copy'>,
): Promise<ExistingPolicy | undefined> {
  if (mustRename(a.source, a.destination)) return 'rename';
  if (opts.onExisting) return opts.onExisting;
  const p = policyFor(s.onExisting(), await exists(a.destination));
  return p === 'ask' ? askAbout(a.destination, a.batch, made) : p;
}

/** The question about a taken name, unless an earlier "… All" answered it; undefined = stop. */
async function askAbout(
  destination: string,
  batch: ExistingBatch | undefined,
  made: () => Promise<'clone' | 'copy'>,
): Promise<ExistingPolicy | undefined> {
  const given = batch?.answers.given(destination);
  if (given) return given;
  const later = batch ? await batch.later() : [];
  const answer = await askExisting(destination, later, await made());
  return batch ? batch.answers.take(answer, destination, later) : answer === 'rename' || answer === 'overwrite' ? answer : undefined;
}

/**
 * What the flow will make, the word its renamed name carries (the engine's rule): a copy for
 * Server-Side Copy, between a share and this computer, and once a copy was chosen
 * (`copyChosen`); where a copy is only allowed (`fallback`), a copy where the file systems say
 * cloning cannot happen (across file systems, or one that cannot share blocks); else a clone.
 */
async function whatIsMade(s: Services, a: Attempt, fallback: 'none' | 'copy', copyChosen: boolean): Promise<'clone' | 'copy'> {
  if (!a.clone || copyChosen || shareAndLocal(a.source, a.destination)) return 'copy';
  if (fallback !== 'copy') return 'clone';
  return (await acrossFileSystems(s, a.source, a.destination)) || (await cannotShareBlocks(s, a.source)) ? 'copy' : 'clone';
}

interface Attempt {
  /** Run the operation once; `fallback` is 'copy' on the second try after the person agreed. */
  run(
    engine: Engine,
    fallback: 'none' | 'copy',
    policy: ExistingPolicy,
    signal: AbortSignal,
    onProgress: (p: Progress) => void,
  ): Promise<OperationReport>;
  /** For messages: "Cloning a.img". */
  title: string;
  /** The same once the person chose to copy instead ("Copying a.img"): the progress and a cancel say that. */
  copyTitle?: string;
  source: string;
  /** The destination file (not a folder), for maps and the existing-name check. */
  destination: string;
  /** Clone Range: where its bytes begin in the source and the destination (the results show both, and count what is shared there only). */
  range?: { sourceOffset: bigint; destinationOffset: bigint };
  /** Ask about the destination before starting (false for Clone Range: it writes in place). */
  checkExisting: boolean;
  /** A whole-file clone: source and destination folder must be on one file system (checked first). */
  clone?: boolean;
  /** One of several files of one command (Block Clone Here): "… All" answers about taken names. */
  batch?: ExistingBatch;
}

export interface FlowResult {
  report: OperationReport;
  results: CloneResultsData;
}

/**
 * Run one clone-like operation end to end. undefined: cancelled, declined or failed (already
 * shown); 'copied': between a share and this computer, copied through VS Code's file system
 * (said in its own notification; no report, no maps).
 */
export async function runCloneFlow(s: Services, a: Attempt, opts: FlowOptions): Promise<FlowResult | 'copied' | undefined> {
  let policy: ExistingPolicy = 'fail';
  let fallback: 'none' | 'copy' = opts.fallback ?? 'none';
  /** "Cloning …", or "Copying …" once the person chose a copy instead. */
  let title = a.title;
  /** The person chose a copy (cloning cannot happen here): what is made is a copy. */
  let copyChosen = false;
  const made = (): Promise<'clone' | 'copy'> => whatIsMade(s, a, fallback, copyChosen);
  // Across file systems, or on one that cannot share blocks (ext4), no name can be cloned into:
  // said (with the copy offer) before the question about an existing name, which would otherwise
  // come first, for nothing, and name the new file as a clone.
  if (a.clone && fallback === 'none' && !shareAndLocal(a.source, a.destination)) {
    const impossible = (await acrossFileSystems(s, a.source, a.destination)) ?? (await cannotShareBlocks(s, a.source));
    if (impossible) {
      if (!(await offerCopyInstead(s, impossible))) {
        s.log.info(`${a.title}: ${errorFacts(impossible).code}; the copy was declined, nothing was written`);
        return undefined;
      }
      fallback = 'copy';
      copyChosen = true;
      title = a.copyTitle ?? a.title;
    }
  }
  if (a.checkExisting) {
    const p = await decideExisting(s, a, opts, made);
    if (!p) {
      s.log.info(`${a.title}: cancelled at the "destination exists" question`);
      return undefined;
    }
    policy = p;
  }
  if (shareAndLocal(a.source, a.destination)) {
    // Nothing to map or report as a clone: the copy (if chosen) goes through VS Code's file system.
    return (await copyAcrossShare(s, a.title, a.source, a.destination, policy, opts.fallback === 'copy')) ? 'copied' : undefined;
  }
  const engine = await s.engine();
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await withCancellableProgress(title, async (signal, onProgress) => {
        const sourceBefore = await mapOrUndefined(s, engine, a.source, signal);
        const destExisted = await exists(a.destination);
        const destBefore = destExisted ? await mapOrUndefined(s, engine, a.destination, signal) : undefined;
        const report = await a.run(engine, fallback, policy, signal, onProgress);
        logReport(s, report);
        const finalDest = report.destination ?? a.destination;
        // The operation is done: a Cancel pressed now (it may have come just as the last bytes
        // were written) cannot undo it, and must not turn it into "cancelled; nothing was left
        // behind". The maps for the results are read to the end.
        const sourceAfter = await engine.map(a.source);
        const destAfter = await engine.map(finalDest);
        // a rename after a collision (or a new name) made a new file: it has no "before"
        const existed = destinationExistedBefore(a.destination, finalDest, destExisted);
        const results = cloneResults(
          report,
          a.source,
          finalDest,
          sourceBefore,
          sourceAfter,
          existed ? destBefore : undefined,
          destAfter,
          existed,
          a.destination,
          a.range,
        );
        return { report, results };
      });
    } catch (e) {
      const f = errorFacts(e);
      if (f.exists && a.checkExisting && !opts.onExisting) {
        // The name appeared after we looked (or the engine's check is stricter): ask now.
        const p = await askAbout(a.destination, a.batch, made);
        if (!p) return undefined;
        policy = p;
        continue;
      }
      if (f.cloneImpossible && fallback === 'none') {
        // The offer already says why in one sentence; declining it ends the command quietly.
        if (!(await offerCopyInstead(s, e))) {
          s.log.info(`${a.title}: cloning impossible (${f.code}); the copy was declined, nothing was written`);
          return undefined;
        }
        fallback = 'copy';
        copyChosen = true;
        title = a.copyTitle ?? a.title;
        continue;
      }
      showFailure(s, title, e);
      return undefined;
    }
  }
  return undefined;
}

/**
 * The refusal a clone of `source` into `destination`'s folder would meet (EXDEV) where the two
 * are on different file systems; undefined where they are on one, or where that cannot be told
 * (the engine then says what it meets).
 */
async function acrossFileSystems(s: Services, source: string, destination: string): Promise<Error | undefined> {
  const engine = await s.engine();
  const folder = /^smb:\/\//i.test(destination) ? path.posix.dirname(destination) : path.dirname(destination);
  const [from, into] = await Promise.all([engine.volume(source), engine.volume(folder)].map((v) => v.catch(() => undefined)));
  if (!from || !into || from.volumeId === into.volumeId) return undefined;
  return Object.assign(new Error(acrossText(source, shownName(source), folder, from.filesystem, into.filesystem, t)), { code: 'EXDEV' });
}

/**
 * The refusal any clone of `source` meets where its file system cannot share blocks at all (ext4,
 * tmpfs: known from its type), whatever the destination; undefined where it can, or where that
 * is not known (unprobed, a share: the engine then says what it meets).
 */
export async function cannotShareBlocks(s: Services, source: string): Promise<Error | undefined> {
  const v = await unshareableVolume(s, source);
  if (!v) return undefined;
  // (the evidence names the file system and why: "ext4 cannot share blocks: Linux has no …")
  const why = v.cloneEvidence.replace(/\.$/, '');
  const code = /\bEOPNOTSUPP\b/.test(why) ? '' : ' (EOPNOTSUPP)';
  return Object.assign(new Error(t('{0} cannot be cloned: {1}{2}.', shownName(source), why, code)), { code: 'EOPNOTSUPP' });
}

/**
 * The volume facts of `file` where its file system cannot share blocks at all (known from its
 * type: ext4, tmpfs; elsewhere the engine's one probe per file system); undefined where it can,
 * on a share (the server answers for itself), or where the engine cannot say (the step that
 * runs then names the error).
 */
export async function unshareableVolume(s: Services, file: string): Promise<VolumeInfo | undefined> {
  if (/^smb:\/\//i.test(file)) return undefined;
  const engine = await s.engine().catch(() => undefined);
  const v = await engine?.volume(file).catch(() => undefined);
  return v?.supportsClone === false ? v : undefined;
}

async function mapOrUndefined(s: Services, engine: Engine, file: string, signal: AbortSignal): Promise<ExtentMap | undefined> {
  try {
    return await engine.map(file, { signal });
  } catch (e) {
    if (errorFacts(e).cancelled) throw e;
    s.log.warn(errorLogLine(`map ${file} (before)`, e));
    return undefined;
  }
}

/**
 * After the flows of one command over several files (Block Clone Here of a multi-selection):
 * one results view listing every file, with a total, and one notification. One file: as
 * presentResult.
 */
export function presentResults(s: Services, rs: readonly FlowResult[], opts: FlowOptions, what: string): void {
  if (rs.length === 0) return;
  if (rs.length === 1) return presentResult(s, rs[0], opts);
  const items = rs.map((r) => r.results);
  s.filesChanged(items.flatMap((r) => [r.source.path, r.destination.path]));
  s.lastCloneResults = items[items.length - 1];
  if (opts.showResults !== false) CloneResultsPanel.show(s, items);
  const tot = resultTotals(items);
  const msg = clonedFilesText(what, rs.length, tot.copied, tot.bytes, tot.durationMs, t);
  // the overwrites said here too, as for one file (after Overwrite All the summary said only "3 files cloned")
  const replaced = rs.filter((r) => r.report.replaced).length;
  const also =
    replaced === 0
      ? ''
      : ' ' +
        (replaced === 1
          ? t('1 of them replaced the file that had its name.')
          : t('{0} of them replaced the files that had their names.', groupNumber(replaced)));
  void vscode.window.showInformationMessage(shownText(msg) + also);
}

/** After a successful flow: results view (unless asked not to) and a short notification. */
export function presentResult(s: Services, r: FlowResult, opts: FlowOptions): void {
  // the source now shares its blocks (its modification time unchanged: no watcher sees it)
  s.filesChanged([r.results.source.path, r.results.destination.path]);
  s.lastCloneResults = r.results;
  if (opts.showResults !== false) CloneResultsPanel.show(s, r.results);
  const rep = r.report;
  // after "Copy instead": what happened, naming the file made; why cloning was refused after it
  const why = shownText(r.results.fallbackReason ?? '');
  const dest = shownPath(rep.destination ?? r.results.destination.path);
  const src = shownName(rep.source ?? r.results.source.path);
  // what was done, to which file (a clone into its own folder gets a new name: said here)
  const done =
    rep.operation === 'clone-range'
      ? t('Cloned {0} of {1} into {2}', bytesText(rep.bytes, t), src, dest)
      : rep.operation === 'copy'
        ? t('Copied {0} to {1}', src, dest)
        : t('Cloned {0} to {1}', src, dest);
  const msg = !rep.fellBack
    ? rep.operation === 'clone-range'
      ? t('{0} with {1} in {2}.', done, rep.method, callsText(rep.calls, t))
      : t('{0} with {1}: {2} in {3}.', done, rep.method, bytesText(rep.bytes, t), callsText(rep.calls, t))
    : rep.operation === 'clone-range'
      ? t('Copied {0} into {1} in place, not shared (cloning was refused: {2}).', bytesText(rep.bytes, t), dest, why)
      : rep.operation === 'copy'
        ? t(
            'Copied {0} of {1} to {2} by reading and writing it, holes kept (no server-side copy: {3}).',
            bytesText(rep.bytes, t),
            shownName(rep.source ?? r.results.source.path),
            dest,
            why,
          )
        : t(
            'Copied {0} of {1} to {2}, holes kept (cloning was refused: {3}).',
            bytesText(rep.bytes, t),
            shownName(rep.source ?? r.results.source.path),
            dest,
            why,
          );
  // an overwrite says so here too, not only in Clone Results (a trial saw only "Cloned a to b")
  void vscode.window.showInformationMessage(rep.replaced ? `${msg} ${t('It replaced the file that had that name.')}` : msg);
}

/**
 * The save dialog's suggestion for Clone To / Server-Side Copy: the path the engine's rename
 * would give a clone (copy) of `source` in its own folder, "disk (clone).img", or the next free
 * name ("disk (clone 2).img"; "odd (clone).bin" gives "odd (clone 2).bin"), so the suggestion
 * and Block Clone Here's (and --on-existing rename's) names are one rule, the engine's. The
 * folder is kept as given (the engine answers in the folder as the file system resolves it).
 */
export async function suggestedPath(s: Services, operation: 'clone' | 'copy', source: string): Promise<string> {
  const smb = /^smb:\/\//i.test(source);
  const folder = smb ? source.slice(0, source.lastIndexOf('/')) : path.dirname(source);
  try {
    const renamed = await (await s.engine()).renamedPath(operation, source, folder);
    return smb ? `${folder}/${path.posix.basename(renamed)}` : path.join(folder, path.basename(renamed));
  } catch (e) {
    // only a suggestion: the dialog opens on the folder, and the person names the file
    s.log.warn(errorLogLine(`${operation}: a free name beside ${source}`, e));
    return folder;
  }
}

/** Is `p` an existing folder (on this computer or a share)? */
export async function isFolder(p: string): Promise<boolean> {
  try {
    if (/^smb:\/\//i.test(p)) return (await vscode.workspace.fs.stat(uriOfPath(p))).type === vscode.FileType.Directory;
    return (await fs.stat(p)).isDirectory();
  } catch {
    return false;
  }
}
