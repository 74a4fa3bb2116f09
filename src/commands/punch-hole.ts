// extentLens.punchHole: deallocate a byte range (it then reads as zeros). Interactive use asks
// for offset and length (one quick-input session, src/host/multi-step-input.ts) and confirms
// (the data in the range is gone); programmatic use with both given is the explicit choice:
//   executeCommand('extentLens.punchHole', fileUri, { offset: '4096', length: '1MiB' })

import * as vscode from 'vscode';
import type { OperationReport } from '../engine';
import type { Services } from '../host/services';
import { COMMANDS } from '../host/logic/contributions';
import { byteArgument, bytesText, groupNumber } from '../host/logic/bytes';
import { humanBytes } from '../protocol/format';
import { checkPunchRange } from './logic/punch-input';
import { notAllFreed } from './logic/dig-holes-text';
import {
  fileSize,
  logReport,
  pickFile,
  regularFileSize,
  requireTrust,
  requireWritableOnShare,
  showFailure,
  withCancellableProgress,
} from '../host/ui';
import { InputFlow } from '../host/multi-step-input';
import { shownName } from '../host/logic/shown';

const t = vscode.l10n.t;

export function registerPunchHole(s: Services): vscode.Disposable {
  return vscode.commands.registerCommand(
    COMMANDS.punchHole,
    async (uri?: unknown, spec?: unknown): Promise<OperationReport | undefined> => {
      if (!requireTrust(s, t('Punch Hole'))) return undefined;
      const file = await pickFile(uri, t('Punch Hole: file'));
      if (!file) return undefined;
      let offset: bigint | undefined;
      let length: bigint | undefined;
      if (typeof spec === 'object' && spec !== null) {
        const o = spec as Record<string, unknown>;
        offset = byteArgument(o.offset);
        length = byteArgument(o.length);
      }
      const interactive = offset === undefined || length === undefined;
      try {
        if (interactive) {
          // no offset can be asked for in a FIFO or an empty file: say so before asking
          const size = await regularFileSize(s, file, 'punch');
          if (size === 0n) {
            void vscode.window.showInformationMessage(t('{0} is empty (0 bytes): there is nothing to punch.', shownName(file)));
            return undefined;
          }
          await requireWritableOnShare(s, file);
          const asked = await askForRange(s, file);
          if (!asked) return undefined;
          ({ offset, length } = asked);
        }
        const range = { offset: offset!, length: length! };
        const engine = await s.engine();
        const report = await withCancellableProgress(t('Punching a hole in {0}', shownName(file)), (signal) =>
          engine.punch(file, range, { signal }),
        );
        logReport(s, report);
        s.showRange(file, range); // an open inspector of the file shows what was punched
        const name = shownName(file);
        void vscode.window.showInformationMessage(
          report.fsFreed !== undefined && report.fsFreed < report.bytes
            ? notAllFreed(report.bytes, report.fsFreed, name, t, report.sharedBytes, report.fsFreedRemedy)
            : report.bytes === range.length
              ? t('Punched {0} in {1} with {2}.', bytesText(report.bytes, t), name, report.method)
              : t(
                  'Punched a hole in {0} with {1}: {2} deallocated (measured) of the {3} asked for. Partial blocks at the ends of the range are zeroed, not deallocated, and holes free nothing.',
                  name,
                  report.method,
                  bytesText(report.bytes, t),
                  bytesText(range.length, t),
                ),
        );
        return report;
      } catch (e) {
        showFailure(s, t('Punch Hole'), e);
        return undefined;
      }
    },
  );
}

/** The interactive questions, one quick-input session (the keyboard stays in it), then the modal. */
async function askForRange(s: Services, file: string): Promise<{ offset: bigint; length: bigint } | undefined> {
  const flow = new InputFlow(t('Punch Hole: {0}', shownName(file)), 2).start(t('Reading the volume of {0}…', shownName(file)));
  try {
    const size = await fileSize(s, file);
    const engine = await s.engine();
    const blockSize = (await engine.volume(file)).blockSize;
    const hint = t(
      'The file is {0}; blocks are {1} bytes. Partial blocks at the ends are zeroed, whole blocks are freed.',
      bytesText(size, t),
      groupNumber(blockSize),
    );
    let offText = '0';
    let offset = 0n;
    let length = 0n;
    const ok = await flow.run([
      async () => {
        offText = await flow.input({
          step: 1,
          prompt: t('Offset. {0}', hint),
          value: '0',
          validate: (v) => checkPunchRange(v, '1', size, t).offsetError,
        });
        offset = checkPunchRange(offText, '1', size, t).offset!;
      },
      async () => {
        const lenText = await flow.input({
          step: 2,
          prompt: t('Length (at most {0} to the end of the file). {1}', groupNumber(size - offset), hint),
          value: (size - offset).toString(),
          validate: (v) => checkPunchRange(offText, v, size, t).lengthError,
        });
        length = checkPunchRange(offText, lenText, size, t).length!;
      },
    ]);
    if (!ok) return undefined;
    const go = t('Punch Hole');
    // A range with partial blocks at its ends does not free all it covers: say what it does.
    // (The engine is loaded by now; imported here, not at the top, so activation stays without it.)
    const { punchParts } = await import('../engine');
    const parts = punchParts(offset, length, size, blockSize);
    const discarded = t('The data in that range is discarded; it will read as zeros.');
    // the whole path: a name alone does not say which of several same-named files loses data
    const what = [humanBytes(length), groupNumber(length), file, groupNumber(offset)] as const;
    const question =
      parts.zeroed === 0n
        ? { text: t('Deallocate {0} ({1} bytes) of {2} from offset {3}?', ...what), detail: discarded }
        : {
            text: t('Punch a hole of {0} ({1} bytes) in {2} from offset {3}?', ...what),
            detail:
              parts.whole > 0n
                ? t(
                    '{0} bytes of it lie in partial {1}-byte blocks at its ends: they are zeroed and stay allocated; the {2} bytes in whole blocks are deallocated. {3}',
                    groupNumber(parts.zeroed),
                    groupNumber(blockSize),
                    groupNumber(parts.whole),
                    discarded,
                  )
                : t(
                    'It lies within partial {0}-byte blocks: it is zeroed and nothing is deallocated. {1}',
                    groupNumber(blockSize),
                    discarded,
                  ),
          };
    // the modal opens before the flow's last input closes: the keyboard goes straight to it
    const answer = await flow.handOver(() => vscode.window.showWarningMessage(question.text, { modal: true, detail: question.detail }, go));
    return answer === go ? { offset, length } : undefined;
  } finally {
    flow.dispose();
  }
}
