// Keys typed ahead in a multi-step input (multi-step-input.ts) that reach the extension host
// late: the renderer reports a key only after it was typed, so a step's own value can cross it.

import type * as vscode from 'vscode';

/**
 * The box carries on from the previous step, whose answer was `answered`: keys typed after that
 * step's Enter reach the extension host after this step set its value when the host was busy
 * (seen in code-server under load). The renderer had them on the old answer ("65536" + "6");
 * this step's value then replaced them there, so the person's next keys go on from the new value.
 * Such a change (the old answer plus more) is turned into those keys alone, as if typed on the new
 * value, until the person types on the new value (`swap` does the same for a replaced widget).
 * Values this box was given by us (coming back from the renderer) are not the person's.
 */
export function lateKeysOnSameBox(box: vscode.InputBox, answered: string, changed: (v: string) => void): vscode.Disposable {
  const ours = new Set([box.value]);
  let open = true;
  return box.onDidChangeValue((v) => {
    if (!open || ours.has(v)) return;
    if (v.length <= answered.length || !v.startsWith(answered)) {
      open = false;
      return;
    }
    box.value = v.slice(answered.length);
    ours.add(box.value);
    changed(box.value);
  });
}

/** The part of `now` typed after `accepted` (all of it if the person replaced the text). */
export function typedAhead(accepted: string, now: string): string {
  return now.startsWith(accepted) ? now.slice(accepted.length) : now;
}
