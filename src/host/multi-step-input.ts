// One command's questions as one quick-input session (VS Code's "multi-step input" pattern).
// Asking with showInputBox / showQuickPick one call after another closes the quick input
// between two questions: the focus goes back to the active editor (often the inspector webview)
// and whatever the person types in that gap lands there. Here every step's widget
// (createInputBox / createQuickPick) is shown before the previous one is disposed, so the
// keyboard stays in the flow from the first keystroke to the last:
//   - `InputFlow.start()` shows a busy input at once, before the command's slow preparation
//     (reading the volume's block size...); keys typed meanwhile stay in it and become the first
//     answer, and an Enter pressed meanwhile accepts it as soon as it is ready;
//   - consecutive input boxes are one widget, so keys typed between two of them carry over;
//   - step / totalSteps are shown, a Back button from the second step on, validation as typed,
//     Escape (or any hide) cancels the whole flow.
// Usage: const ok = await flow.run([step1, step2, ...]), each step asking with flow.input() /
// flow.pick(); then flow.dispose() (or hand the focus to a modal first, see `handOver`).

import * as vscode from 'vscode';
import { lateKeysOnSameBox, typedAhead } from './late-keys';

const BACK = Symbol('back');
const CANCEL = Symbol('cancel');

interface InputStepOptions {
  step: number;
  prompt: string;
  value: string;
  placeholder?: string;
  /** Hide what is typed (a password). */
  password?: boolean;
  /** An error sentence, or undefined when the value is acceptable. Run on every keystroke. */
  validate?: (value: string) => string | undefined | Promise<string | undefined>;
  /** Why the last answer did not work (e.g. the server refused it): shown until the value changes. */
  error?: string;
}

interface PickStepOptions<T extends vscode.QuickPickItem> {
  step: number;
  items: readonly T[];
  placeholder?: string;
}

type Step = () => Promise<void>;

/** Thrown by a step to go back to the previous step that asked (e.g. the server refused its answer). */
export class FlowBack extends Error {
  constructor() {
    super('back');
  }
}

/** Thrown by a step to end the flow as Escape would (e.g. its open dialog was cancelled). */
export class FlowCancelled extends Error {
  constructor() {
    super('cancelled');
  }
}

export class InputFlow implements vscode.Disposable {
  private current: vscode.QuickInput | undefined;
  /** The shared input box, while it is the current widget. */
  private box: vscode.InputBox | undefined;
  /**
   * The current widget's value when its step ended ('' for a new busy box): what the person
   * types after that, before the next step is ready, is the start of the next answer.
   */
  private accepted: string | undefined;
  /** An Enter pressed while no step was asking: it answers the next step as soon as it is ready. */
  private pendingAccept = false;
  /** Listeners that live as long as their widget. */
  private readonly widgetSubs = new Map<vscode.QuickInput, vscode.Disposable[]>();
  /** Escape (or a hide) at any time, between two steps too. */
  private cancelled = false;
  /** Set while a step is asking: its resolve/reject. */
  private waiting: { resolve: (v: unknown) => void; reject: (e: unknown) => void } | undefined;
  /** True while the flow hands the screen to something else (an open dialog): a hide is not a cancel. */
  private elsewhere = false;
  private shownInStep = false;
  /** The replaced widget's value when its step ended, for keys that reach it late. */
  private carryBase: string | undefined;
  /** Widgets replaced by a later step: still heard (late keys) until that step ends. */
  private retired: Array<{ widget: vscode.QuickInput; subs: vscode.Disposable[] }> = [];
  /** The current step's "Enter now": accept its value if valid (set while it asks). */
  private acceptNow: (() => void) | undefined;
  private disposed = false;

  constructor(
    readonly title: string,
    public totalSteps: number,
  ) {}

  /** Show the flow now, busy, so the keyboard is in it while the command prepares the first step. */
  start(prompt?: string): this {
    const box = this.ensureBox();
    box.step = 1;
    box.totalSteps = this.totalSteps;
    box.prompt = prompt;
    box.busy = true;
    this.accepted = '';
    return this;
  }

  /**
   * Run the steps in order. Back (the button) returns to the previous step that asked
   * something; Escape cancels. Resolves true when every step completed, false on cancel.
   */
  async run(steps: Step[]): Promise<boolean> {
    const asked: number[] = [];
    let i = 0;
    while (i < steps.length) {
      this.shownInStep = false;
      try {
        await steps[i]();
        if (this.shownInStep) asked.push(i);
        i++;
      } catch (e) {
        if (e === CANCEL || e instanceof FlowCancelled) return false;
        if (e !== BACK && !(e instanceof FlowBack)) throw e;
        i = asked.pop() ?? 0;
      }
    }
    return true;
  }

  /** Ask for a text. Throws internally on Back / cancel (handled by run()). */
  async input(o: InputStepOptions): Promise<string> {
    if (this.cancelled || this.disposed) throw CANCEL;
    this.shownInStep = true;
    const sameBox = this.box !== undefined && this.current === this.box;
    const ahead = this.takeTypedAhead();
    const box = this.ensureBox();
    box.step = o.step;
    box.totalSteps = this.totalSteps;
    box.prompt = o.prompt;
    box.placeholder = o.placeholder;
    box.password = o.password === true;
    box.buttons = o.step > 1 ? [vscode.QuickInputButtons.Back] : [];
    if (ahead.text === '') {
      // like showInputBox: the suggestion is selected, so typing replaces it
      box.value = o.value;
      box.valueSelection = [0, o.value.length];
    } else if (ahead.text !== box.value) {
      box.value = ahead.text;
    }
    const validate = async (v: string): Promise<string | undefined> => (o.validate ? await o.validate(v) : undefined);
    let seq = 0;
    const check = (v: string) => {
      const mine = ++seq;
      void validate(v).then((msg) => {
        if (mine === seq && this.box === box) box.validationMessage = msg;
      });
    };
    // The previous answer's text, if this step replaced it: keys typed onto it can still arrive.
    const replaced = sameBox && ahead.text === '' ? this.carryBase : undefined;
    const answer = this.ask<string>(box, (resolve) => [
      box.onDidChangeValue(check),
      ...(replaced ? [lateKeysOnSameBox(box, replaced, check)] : []),
      box.onDidAccept(async () => {
        const v = box.value;
        const msg = await validate(v);
        if (msg !== undefined) {
          box.validationMessage = msg;
          return;
        }
        resolve(v);
      }),
    ]);
    box.busy = false;
    if (o.error !== undefined && ahead.text === '')
      box.validationMessage = { message: o.error, severity: vscode.InputBoxValidationSeverity.Error };
    else check(box.value);
    this.acceptNow = () => {
      // Enter was pressed before this step was ready: accept what is there if it is valid.
      void validate(box.value).then((msg) => msg === undefined && this.finish(box.value));
    };
    if (ahead.enter) this.acceptNow();
    return answer;
  }

  /** Pick one item. Throws internally on Back / cancel (handled by run()). */
  async pick<T extends vscode.QuickPickItem>(o: PickStepOptions<T>): Promise<T> {
    if (this.cancelled || this.disposed) throw CANCEL;
    this.shownInStep = true;
    const ahead = this.takeTypedAhead();
    const qp = this.track(vscode.window.createQuickPick<T>());
    qp.title = this.title;
    qp.step = o.step;
    qp.totalSteps = this.totalSteps;
    qp.placeholder = o.placeholder;
    qp.items = o.items;
    qp.ignoreFocusOut = true;
    qp.buttons = o.step > 1 ? [vscode.QuickInputButtons.Back] : [];
    const answer = this.ask<T>(qp, (resolve) => [
      qp.onDidAccept(() => {
        const item = qp.selectedItems[0] ?? qp.activeItems[0];
        if (item) resolve(item);
      }),
    ]);
    if (ahead.text !== '') qp.value = ahead.text;
    this.swap(qp);
    this.acceptNow = () => {
      // Enter was pressed before this step was ready: what it does on a fresh list, the first
      // item that matches what was typed
      const typed = qp.value.toLowerCase();
      const first = o.items.find((i) => i.label.toLowerCase().includes(typed));
      if (first) this.finish(first);
    };
    if (ahead.enter) this.acceptNow();
    return answer;
  }

  /** What was typed (and whether Enter was pressed) since the last step ended. */
  private takeTypedAhead(): { text: string; enter: boolean } {
    const cur = this.current as (vscode.QuickInput & { value?: string }) | undefined;
    const v = cur?.value;
    const text = this.accepted !== undefined && v !== undefined && v !== this.accepted ? typedAhead(this.accepted, v) : '';
    const enter = this.pendingAccept;
    this.pendingAccept = false;
    this.carryBase = this.accepted;
    this.accepted = undefined;
    return { text, enter };
  }

  /**
   * Between two steps: the current widget stays up, busy, saying what is being done (e.g.
   * connecting); keys typed meanwhile are kept for the next step as usual.
   */
  working(prompt: string): void {
    const cur = this.current;
    if (!cur || this.disposed) return;
    cur.busy = true;
    if (cur === this.box) {
      this.box.prompt = prompt;
      this.box.validationMessage = undefined;
    }
  }

  /**
   * Let something else take the screen (an open dialog, which in the web workbench is itself a
   * quick input): the flow's widget stays busy and its hiding does not cancel the flow.
   */
  async away<T>(work: () => Thenable<T>): Promise<T> {
    if (this.current) this.current.busy = true;
    this.elsewhere = true;
    try {
      return await work();
    } finally {
      this.elsewhere = false;
      // the dialog may have taken the quick input's place: take it back
      if (this.current && !this.disposed && !this.cancelled) this.current.show();
    }
  }

  /**
   * End the flow by handing the focus to what `show` opens (a modal): it is shown first, then
   * the flow's widget goes, so no keystroke falls into the editor in between.
   */
  async handOver<T>(show: () => Thenable<T>): Promise<T> {
    const shown = show();
    this.dispose();
    return shown;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.waiting = undefined;
    for (const subs of this.widgetSubs.values()) subs.forEach((d) => d.dispose());
    this.widgetSubs.clear();
    this.retire();
    this.current?.dispose();
    this.current = undefined;
    this.box = undefined;
  }

  /** The shared input box, made current (shown before the previous widget goes). */
  private ensureBox(): vscode.InputBox {
    if (this.box && this.current === this.box) return this.box;
    const box = this.track(vscode.window.createInputBox());
    box.title = this.title;
    box.ignoreFocusOut = true;
    this.box = box;
    this.swap(box);
    return box;
  }

  /**
   * Listeners for the widget's whole life, registered before any step's own (so a step's
   * accept is seen as answered, not as typed ahead).
   */
  private track<W extends vscode.InputBox | vscode.QuickPick<vscode.QuickPickItem>>(w: W): W {
    this.widgetSubs.set(w, [
      w.onDidAccept(() => {
        if (!this.waiting && this.current === w) this.pendingAccept = true;
      }),
      w.onDidHide(() => {
        if (this.current !== w || this.elsewhere || this.disposed) return;
        this.cancelled = true;
        this.waiting?.reject(CANCEL);
      }),
    ]);
    return w;
  }

  private swap(next: vscode.QuickInput): void {
    const prev = this.current;
    this.current = next;
    next.busy = false;
    next.show();
    if (prev && prev !== next) {
      if (prev === this.box) this.box = undefined;
      // Keys typed just before `next` appeared reach `prev` (hidden now) and are reported late:
      // they belong to `next`, as long as the person has not typed there yet.
      const subs = this.widgetSubs.get(prev) ?? [];
      this.widgetSubs.delete(prev);
      const base = this.carryBase ?? '';
      let carried = (next as vscode.QuickInput & { value?: string }).value ?? '';
      const late = prev as vscode.InputBox;
      subs.push(
        late.onDidChangeValue((v) => {
          const n = next as vscode.InputBox;
          const typed = typedAhead(base, v);
          if (typed === '' || n.value !== carried) return;
          n.value = typed;
          carried = typed;
        }),
        late.onDidAccept(() => {
          if (this.current !== next) return;
          if (this.waiting && this.acceptNow) this.acceptNow();
          else this.pendingAccept = true;
        }),
      );
      this.retired.push({ widget: prev, subs });
    }
  }

  /** Forget the widgets replaced before the current step (their late keys have arrived). */
  private retire(): void {
    for (const r of this.retired) {
      r.subs.forEach((d) => d.dispose());
      r.widget.dispose();
    }
    this.retired = [];
  }

  /** Wait for `input`'s answer; Back and hide (Escape) end the wait too. */
  private ask<T>(input: vscode.QuickInput, listen: (resolve: (v: T) => void) => vscode.Disposable[]): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const subs: vscode.Disposable[] = [];
      const done = () => {
        subs.forEach((d) => d.dispose());
        this.accepted = (input as vscode.QuickInput & { value?: string }).value;
        this.acceptNow = undefined;
        this.retire();
        if (this.waiting === w) this.waiting = undefined;
        // between two steps the widget stays up (busy) and holds the keyboard
        if (this.current === input && !this.disposed) input.busy = true;
      };
      const w = {
        resolve: (v: unknown) => {
          done();
          resolve(v as T);
        },
        reject: (e: unknown) => {
          done();
          reject(e);
        },
      };
      this.waiting = w;
      subs.push(...listen((v) => w.resolve(v)));
      const withButtons = input as vscode.QuickInput & { onDidTriggerButton?: vscode.Event<vscode.QuickInputButton> };
      if (withButtons.onDidTriggerButton) {
        subs.push(withButtons.onDidTriggerButton((b) => b === vscode.QuickInputButtons.Back && w.reject(BACK)));
      }
    });
  }

  private finish(v: unknown): void {
    this.waiting?.resolve(v);
  }
}
