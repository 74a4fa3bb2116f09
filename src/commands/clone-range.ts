// extentLens.cloneRange: clone a byte range of one file into another (or the same) file.
// Interactive: one quick-input session (src/host/multi-step-input.ts) of four inputs (five on
// Windows) validated as they are typed, the alignment rule (from the volume's
// block size) shown in the prompt; the atomic option on Windows; a confirmation, because the
// destination range is replaced in place. Programmatic (tests, other extensions):
//   executeCommand('extentLens.cloneRange', undefined,
//     { source, sourceOffset, target, targetOffset, length, atomic?, fallback?, showResults? })
// offsets/lengths as decimal strings, "4k"-style strings or bigints.

import * as vscode from 'vscode';
import * as path from 'node:path';
import type { OperationReport } from '../engine';
import type { Services } from '../host/services';
import { COMMANDS } from '../host/logic/contributions';
import {
  alignmentRule,
  checkLength,
  checkOffset,
  lengthPrompt,
  lengthToEof,
  maxLength,
  rangeConfirmation,
  sameFileDestinationDefault,
} from './logic/clone-range-input';
import { byteArgument, bytesText } from '../host/logic/bytes';
import { samePath } from '../host/logic/destination';
import { presentResult, readFlowOptions, runCloneFlow } from './clone-flow';
import { fileSize, pickFile, regularFileSize, requireTrust, requireWritableOnShare, showFailure, uriOfPath } from '../host/ui';
import { FlowCancelled, InputFlow } from '../host/multi-step-input';
import { enginePathOfUri } from '../host/logic/clone-selection';
import { shownName, shownNames, shownPath } from '../host/logic/shown';
import { isSmbUri } from '../protocol/shown-path';

const t = vscode.l10n.t;

interface RangeSpec {
  source: string;
  sourceOffset: bigint;
  target: string;
  targetOffset: bigint;
  length: bigint;
  atomic: boolean;
  /** The person chose, up front, to copy the range (the volume cannot share blocks). */
  copy?: boolean;
  /**
   * Why no clone was possible, as the flow found it before offering the copy: the report says
   * this, not the engine's first refusal (on ext4 the offsets' alignment, a trial: "Cloning was
   * refused: … not a multiple of the ext4 block size", as if aligned ones would have cloned).
   */
  copyReason?: string;
}

export function registerCloneRange(s: Services): vscode.Disposable {
  return vscode.commands.registerCommand(
    COMMANDS.cloneRange,
    async (uri?: unknown, spec?: unknown): Promise<OperationReport | undefined> => {
      if (!requireTrust(s, t('Clone Range'))) return undefined;
      const opts = readFlowOptions(spec);
      let r: RangeSpec | undefined;
      try {
        r = specFromArgs(spec) ?? (await askForRange(s, uri));
      } catch (e) {
        showFailure(s, t('Clone Range'), e);
        return undefined;
      }
      if (!r) return undefined;
      const range = r;
      if (range.copy) opts.fallback = 'copy';
      const result = await runCloneFlow(
        s,
        {
          title: t('Cloning {0} of {1}', bytesText(range.length, t), shownName(range.source)),
          copyTitle: t('Copying {0} of {1}', bytesText(range.length, t), shownName(range.source)),
          source: range.source,
          destination: range.target,
          range: { sourceOffset: range.sourceOffset, destinationOffset: range.targetOffset },
          checkExisting: false,
          run: async (engine, fallback, _onExisting, signal, onProgress) => {
            const rep = await engine.cloneRange(range.source, range.sourceOffset, range.target, range.targetOffset, range.length, {
              atomic: range.atomic,
              fallback,
              signal,
              onProgress,
            });
            if (rep.fellBack && range.copyReason) rep.fallbackReason = range.copyReason;
            return rep;
          },
        },
        opts,
      );
      if (!result || result === 'copied') return undefined; // (a copy between a share and here: said by itself)
      presentResult(s, result, opts);
      return result.report;
    },
  );
}

function specFromArgs(spec: unknown): RangeSpec | undefined {
  if (typeof spec !== 'object' || spec === null) return undefined;
  const o = spec as Record<string, unknown>;
  const source = typeof o.source === 'string' ? o.source : undefined;
  const target = typeof o.target === 'string' ? o.target : source;
  const sourceOffset = byteArgument(o.sourceOffset);
  const targetOffset = byteArgument(o.targetOffset);
  const length = byteArgument(o.length);
  if (!source || !target || sourceOffset === undefined || targetOffset === undefined || length === undefined) return undefined;
  return { source, target, sourceOffset, targetOffset, length, atomic: o.atomic === true };
}

async function askForRange(s: Services, uri: unknown): Promise<RangeSpec | undefined> {
  const title = t('Clone Range');
  const source = await pickFile(uri, t('Clone Range: source file'));
  if (!source) return undefined;
  // a FIFO or an empty file has no offset to ask for: say so before asking (as Punch Hole does)
  if ((await regularFileSize(s, source, 'clone-range')) === 0n) {
    void vscode.window.showInformationMessage(t('{0} is empty (0 bytes): there is no range to clone.', shownName(source)));
    return undefined;
  }
  // One quick-input session for every question, shown at once (busy while the volume is read):
  // the keyboard stays in the flow until its end, never falling into the editor or a webview.
  // (the questions are titled with the source's name: from the palette nothing else said whose offsets they were)
  const flow = new InputFlow(t('Clone Range: {0}', shownName(source)), process.platform === 'win32' ? 5 : 4).start(
    t('Reading the volume of {0}…', shownName(source)),
  );
  try {
    const engine = await s.engine();
    const volume = await engine.volume(source);
    const blockSize = volume.blockSize;
    const sourceSize = await fileSize(s, source);
    const rule = alignmentRule(blockSize, t);
    // A volume known to be unable to share blocks (ext4, tmpfs) is said now, not after every
    // question and the confirmation: the person may copy the range instead, or stop here.
    let copy = false;
    let copyReason: string | undefined;
    if (volume.supportsClone === false && isSmbUri(source)) {
      // no copy to offer: the engine copies no range over SMB (a trial: "Copy the Range" was
      // offered and confirmed, then refused with "A copy fallback is not available on SMB paths")
      void vscode.window.showErrorMessage(
        t(
          // (the evidence as a sentence of its own: inside parentheses it read "(The volume (NTFS) does not …)")
          '{0} cannot be cloned: its share cannot share blocks. {1} A range cannot be copied into place over SMB either: clone ranges on a share that clones (ReFS, or Samba with "vfs objects = btrfs" on btrfs), or copy whole files with Server-Side Copy To.',
          shownName(source),
          /[.!?]$/.test(volume.cloneEvidence) ? volume.cloneEvidence : `${volume.cloneEvidence}.`,
        ),
      );
      return undefined;
    }
    if (volume.supportsClone === false) {
      const copyInstead = t('Copy the Range Instead');
      const choice = await flow.away(() =>
        vscode.window.showWarningMessage(
          t('{0} cannot share blocks, so a range of {1} cannot be cloned.', volume.filesystem, shownName(source)),
          {
            modal: true,
            detail: t(
              'Clone support: {0}. Clone Range can copy the bytes into place instead: the destination gets its own blocks (nothing is shared).',
              volume.cloneEvidence.replace(/\.$/, ''),
            ),
          },
          copyInstead,
        ),
      );
      if (choice !== copyInstead) return undefined;
      copy = true;
      // (the view adds "; the bytes were copied instead")
      copyReason = volume.cloneEvidence.replace(/\.$/, '');
      flow.totalSteps = 4; // a copy has no atomic question (Windows' fifth step)
    }

    /** The volume cannot share blocks: a copy whatever the destination. */
    const copyOnly = copy;
    const copyOnlyReason = copyReason;
    // A copy writes bytes, so it has no block-size rule (the CLI's --fallback copy neither):
    // once the copy is chosen, offsets and the length are checked as for any byte range.
    const copyRule = t('A copy has no block-size rule: any offset and length.');
    const unit = (): number => (copy ? 1 : blockSize);
    const ruleNow = (): string => (copy ? copyRule : rule);
    let sourceOffset = 0n;
    let target = source;
    let sameFile = true;
    let targetOffset = 0n;
    let length = 0n;
    let destinationSize = sourceSize;
    let atomic = false;
    const same = { label: t('Same file'), description: shownName(source) };
    const other = { label: t('Another file…'), description: t('an existing file on the same volume') };

    const steps = [
      async () => {
        const text = await flow.input({
          step: 1,
          // (asked before the destination: aligned unless nothing on this volume can be cloned,
          // so that a clone chosen after a Back never starts from an unaligned offset)
          prompt: t('Source offset in {0} ({1}). {2}', shownName(source), bytesText(sourceSize, t), copyOnly ? copyRule : rule),
          value: '0',
          validate: (v) => checkOffset(v, copyOnly ? 1 : blockSize, { limit: sourceSize, what: 'source' }, t).error,
        });
        sourceOffset = checkOffset(text, copyOnly ? 1 : blockSize, { limit: sourceSize, what: 'source' }, t).value!;
      },
      async () => {
        const pick = await flow.pick({ step: 2, items: [same, other], placeholder: t('Destination file') });
        target = source;
        // (again after Back: a destination chosen before on another file system is forgotten)
        copy = copyOnly;
        copyReason = copyOnlyReason;
        flow.totalSteps = process.platform === 'win32' && !copy ? 5 : 4;
        if (pick === other) {
          const chosen = await flow.away(() =>
            vscode.window.showOpenDialog({
              title: t('Clone Range: destination file'),
              canSelectMany: false,
              defaultUri: uriOfPath(path.dirname(source)),
            }),
          );
          if (!chosen?.[0]) throw new FlowCancelled();
          target = enginePathOfUri(chosen[0]) ?? chosen[0].fsPath;
          // on another file system nothing can be shared: said now, not after the offsets and
          // the confirmation (the offer is the one the engine's EXDEV would lead to)
          const there = copy ? undefined : await engine.volume(target).catch(() => undefined);
          if (there && there.volumeId !== volume.volumeId && (isSmbUri(source) || isSmbUri(target))) {
            // (as above: no copy to offer over SMB; the person may pick another file)
            void vscode.window.showErrorMessage(
              t(
                '{0} is on another volume or share than {1}, so a range cannot be cloned into it, and a range cannot be copied into place over SMB either: choose a file in the share of {1}.',
                shownPath(target),
                shownPath(source),
              ),
            );
            throw new FlowCancelled();
          }
          if (there && there.volumeId !== volume.volumeId) {
            const copyInstead = t('Copy the Range Instead');
            const choice = await flow.away(() =>
              vscode.window.showWarningMessage(
                t(
                  '{0} is on another file system than {1}, so a range cannot be cloned into it: blocks are shared only within one file system.',
                  ...shownNames(target, source),
                ),
                {
                  modal: true,
                  detail: t('Clone Range can copy the bytes into place instead: the destination gets its own blocks (nothing is shared).'),
                },
                copyInstead,
              ),
            );
            if (choice !== copyInstead) throw new FlowCancelled();
            copy = true;
            copyReason = t('{0} is on another file system than {1}: blocks are shared only within one file system', target, source);
            flow.totalSteps = 4;
          }
        }
        sameFile = samePath(source, target);
        // a destination on a share this user may not change (read-only, held open elsewhere):
        // the server's refusal now, not after the offsets and the confirmation
        try {
          await requireWritableOnShare(s, target);
        } catch (e) {
          showFailure(s, title, e);
          throw new FlowCancelled();
        }
        destinationSize = sameFile ? sourceSize : await fileSize(s, target);
      },
      async () => {
        // within one file the destination offset may not equal the source's (said as it is typed)
        const dstOpts = { what: 'destination' as const, sourceOffset: sameFile ? sourceOffset : undefined };
        const text = await flow.input({
          step: 3,
          prompt: t(
            'Destination offset in {0} ({1}). {2}',
            sameFile ? shownName(target) : shownNames(target, source)[0],
            bytesText(destinationSize, t),
            ruleNow(),
          ),
          // within one file, suggest the first block past the end (no overlap, the file grows)
          value: sameFile ? sameFileDestinationDefault(sourceSize, sourceOffset, unit()).toString() : '0',
          validate: (v) => checkOffset(v, unit(), dstOpts, t).error,
        });
        targetOffset = checkOffset(text, unit(), dstOpts, t).value!;
      },
      async () => {
        const ctx = { blockSize: unit(), sourceSize, sourceOffset, sameFile, destinationOffset: targetOffset, destinationSize };
        // the longest length valid for these offsets: to the source's end, never overlapping;
        // where none is (a partial block that would land inside the destination), the length
        // to the source's end, so that the box says at once why it cannot be cloned there
        const longest = maxLength(ctx) || lengthToEof(sourceSize, sourceOffset);
        const text = await flow.input({
          step: 4,
          prompt: lengthPrompt(ctx, ruleNow(), t),
          value: longest.toString(),
          validate: (v) => checkLength(v, ctx, t).error,
        });
        length = checkLength(text, ctx, t).value!;
      },
      async () => {
        atomic = false;
        if (process.platform !== 'win32' || copy) return;
        const yes = { label: t('Atomic'), description: t('FSCTL_DUPLICATE_EXTENTS_TO_FILE_EX with SOURCE_ATOMIC: all or nothing (ReFS)') };
        const no = { label: t('Not atomic'), description: 'FSCTL_DUPLICATE_EXTENTS_TO_FILE' };
        atomic = (await flow.pick({ step: 5, items: [no, yes] })) === yes;
      },
    ];
    if (!(await flow.run(steps))) return undefined;

    const go = copy ? t('Copy the Range') : t('Clone Range');
    // What of the source range holds data: cloned, a hole there makes the destination's bytes a
    // hole too (a trial: the modal said "overwritten by shared blocks" and 4 MiB of data went).
    // Unknown (the read failed): not said.
    const sourceData = copy
      ? undefined
      : await engine
          .ranges(source, { window: { offset: sourceOffset, length } })
          .then((r) => r.ranges.reduce((n, x) => n + x.length, 0n))
          .catch(() => undefined);
    // a range past the destination's end replaces nothing; one ending past it says how the file grows
    const { question, detail } = rangeConfirmation(
      { source, target, sourceOffset, targetOffset, length, destinationSize, copy, sourceData },
      t,
    );
    // the modal opens before the flow's last input closes: the keyboard goes straight to it
    const ok = await flow.handOver(() => vscode.window.showWarningMessage(question, { modal: true, detail }, go));
    if (ok !== go) return undefined;
    return { source, target, sourceOffset, targetOffset, length, atomic, copy, copyReason: copy ? copyReason : undefined };
  } finally {
    flow.dispose();
  }
}
