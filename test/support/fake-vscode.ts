// A minimal stand-in for the `vscode` module, enough to activate Extent Lens in plain node and
// drive its commands and webview hosts: commands run for real, against the real engine and
// real files; only the UI surface (dialogs, notifications, webview panels) is recorded.
// It is NOT VS Code: the in-VS-Code suite (test/extension, the next issue) runs the real one.
//
// installFakeVscode() hooks Module._resolveFilename so `require('vscode')` from the code under
// test (src/ through tsx, or an unpacked dist/extension.js) gets this module.
// fake-extension.ts is the set-up the host-side tests share: the extension activated with it.
// (Over 400 lines: each stand-in API is small, but the extension touches many of them.)

import Module from 'node:module';
import * as path from 'node:path';

type Listener<T> = (e: T) => unknown;

export class EventEmitter<T> {
  private listeners = new Set<Listener<T>>();
  event = (l: Listener<T>) => {
    this.listeners.add(l);
    return { dispose: () => this.listeners.delete(l) };
  };
  fire(e: T): void {
    for (const l of [...this.listeners]) l(e);
  }
  dispose(): void {
    this.listeners.clear();
  }
}

export class Disposable {
  constructor(private readonly fn: () => void = () => undefined) {}
  dispose(): void {
    this.fn();
  }
  static from(...d: Array<{ dispose(): unknown }>): Disposable {
    return new Disposable(() => d.forEach((x) => x.dispose()));
  }
}

export class Uri {
  private constructor(
    readonly scheme: string,
    readonly fsPath: string,
  ) {}
  static file(p: string): Uri {
    return new Uri('file', path.resolve(p));
  }
  static parse(s: string): Uri {
    const m = /^([a-z][a-z0-9+.-]*):(.*)$/i.exec(s);
    return m && m[1] !== 'file' ? new Uri(m[1], m[2]) : Uri.file(s.replace(/^file:\/\//, ''));
  }
  static joinPath(u: Uri, ...parts: string[]): Uri {
    return new Uri(u.scheme, path.join(u.fsPath, ...parts));
  }
  get path(): string {
    return this.fsPath;
  }
  toString(): string {
    return `${this.scheme}://${this.fsPath}`;
  }
}

export class RelativePattern {
  constructor(
    readonly base: Uri,
    readonly pattern: string,
  ) {}
}

export class ThemeIcon {
  constructor(readonly id: string) {}
}
export class TabInputText {
  constructor(readonly uri: Uri) {}
}
export class TabInputCustom {
  constructor(
    readonly uri: Uri,
    readonly viewType: string,
  ) {}
}

export const ViewColumn = { Active: -1, Beside: -2, One: 1 };
export const FileType = { Unknown: 0, File: 1, Directory: 2, SymbolicLink: 64 };
export const FileChangeType = { Changed: 1, Created: 2, Deleted: 3 };
export const FilePermission = { Readonly: 1, Unlocked: 2 };
export class FileSystemError extends Error {
  constructor(
    message?: string,
    readonly code = 'Unknown',
  ) {
    super(message);
  }
  static FileNotFound = (m?: string) => new FileSystemError(m, 'FileNotFound');
  static FileExists = (m?: string) => new FileSystemError(m, 'FileExists');
  static FileNotADirectory = (m?: string) => new FileSystemError(m, 'FileNotADirectory');
  static FileIsADirectory = (m?: string) => new FileSystemError(m, 'FileIsADirectory');
  static NoPermissions = (m?: string) => new FileSystemError(m, 'NoPermissions');
  static Unavailable = (m?: string) => new FileSystemError(m, 'Unavailable');
}
export const ProgressLocation = { SourceControl: 1, Window: 10, Notification: 15 };
export const StatusBarAlignment = { Left: 1, Right: 2 };

/** A status bar item as the extension left it: shown or not, its text, tooltip and command. */
export interface FakeStatusBarItem {
  id: string;
  name?: string;
  text: string;
  tooltip?: string;
  command?: string;
  accessibilityInformation?: { label: string; role?: string };
  visible: boolean;
}

/**
 * Every effect the fake records (a log line, a message box, a clipboard write, a message posted
 * to a webview, ...) calls `recorded()`, which wakes the `waitUntil` calls: tests wait for the
 * effect itself instead of sleeping for a guessed time.
 */
const recordedListeners = new Set<() => void>();
export function recorded(): void {
  for (const l of [...recordedListeners]) l();
}

/**
 * Resolve with `cond()`'s value as soon as it is truthy (checked now and after every recorded
 * effect); reject after `timeoutMs` with `what` in the message, so a missing event fails the
 * test instead of hanging it or passing by luck.
 */
export function waitUntil<T>(cond: () => T | undefined | null | false, what: string, timeoutMs = 10_000): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const done = () => {
      clearTimeout(timer);
      recordedListeners.delete(check);
    };
    const check = () => {
      let v: T | undefined | null | false;
      try {
        v = cond();
      } catch (e) {
        done();
        reject(e);
        return;
      }
      if (v) {
        done();
        resolve(v);
      }
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
    }, timeoutMs);
    recordedListeners.add(check);
    check();
  });
}

/** A recorded webview panel: messages posted by the host, and a way to send it messages. */
export class FakeWebviewPanel {
  readonly posted: unknown[] = [];
  private readonly receive = new EventEmitter<unknown>();
  private readonly disposeEmitter = new EventEmitter<void>();
  private readonly viewState = new EventEmitter<unknown>();
  visible = true;
  /** The active editor of the window (a test sets it). */
  active = false;
  disposed = false;
  revealed = 0;
  readonly webview = {
    html: '',
    options: {} as { enableScripts?: boolean; localResourceRoots?: Uri[] },
    cspSource: 'https://fake.vscode-cdn.net',
    asWebviewUri: (u: Uri) => Uri.parse(`https://fake.vscode-cdn.net${u.fsPath}`),
    postMessage: async (m: unknown) => {
      // what really crosses: structured JSON, no bigint
      this.posted.push(JSON.parse(JSON.stringify(m)));
      for (const w of [...this.waiters]) w();
      recorded();
      return true;
    },
    onDidReceiveMessage: this.receive.event,
  };
  private waiters = new Set<() => void>();
  constructor(
    readonly viewType: string,
    readonly title: string,
    readonly options: Record<string, unknown>,
  ) {}
  onDidDispose = this.disposeEmitter.event;
  onDidChangeViewState = this.viewState.event;
  reveal(): void {
    this.revealed++;
  }
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.disposeEmitter.fire();
  }
  /** The panel's tab goes to the background (false) or comes to the front (true), as VS Code tells it. */
  setVisible(v: boolean): void {
    this.visible = v;
    this.viewState.fire({ webviewPanel: this });
  }
  /** Send a message as the webview would. */
  send(m: unknown): void {
    this.receive.fire(m);
  }
  /** Wait until a posted message satisfies `pred` (polls the log of posted messages). */
  async waitFor(pred: (m: Record<string, unknown>) => boolean, timeoutMs = 20_000): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.posted.find((m) => pred(m as Record<string, unknown>));
      if (hit) return hit as Record<string, unknown>;
      if (Date.now() > deadline) throw new Error(`no matching message; posted: ${JSON.stringify(this.posted).slice(0, 2000)}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, 50);
        this.waiters.add(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }
}

export interface FakeState {
  trusted: boolean;
  config: Record<string, unknown>;
  commands: Map<string, (...a: unknown[]) => unknown>;
  contextKeys: Map<string, unknown>;
  /** Every status bar item created, by id. */
  statusBarItems: Map<string, FakeStatusBarItem>;
  log: Array<{ level: string; text: string }>;
  messages: Array<{ level: string; text: string; items: string[] }>;
  /** Answers for showWarningMessage/showInformationMessage buttons: first matching wins. */
  answers: Array<{ match: RegExp; answer: string | undefined }>;
  inputAnswers: string[];
  panels: FakeWebviewPanel[];
  /** Called with each webview panel as it is created, before the host has used it (a test's hook). */
  onPanelCreated?: (p: FakeWebviewPanel) => void;
  customEditors: Map<string, unknown>;
  /** File system providers by scheme (the smb: one). */
  fileSystems: Map<string, unknown>;
  clipboard: string;
  saveDialogAnswer?: Uri;
  /** The options of the last showSaveDialog (title, defaultUri). */
  saveDialogOptions?: { title?: string; defaultUri?: Uri };
  /** The titles of the progress notifications, in order. */
  progressTitles: string[];
  openDialogAnswer?: Uri[];
  watchers: Array<{ pattern: RelativePattern; change: EventEmitter<Uri>; disposed: boolean }>;
  /** Press Cancel on progress notifications: as soon as they start, or at the first report. */
  /** Press Cancel: at once, on the first report, or on the first report that shows work done. */
  cancelProgress?: 'immediately' | 'onFirstReport' | 'onFirstIncrement';
  progressReports: unknown[];
  /** Labels to pick in showQuickPick, in order (undefined = Escape). */
  quickPickAnswers: Array<string | undefined>;
  /**
   * Every input box shown: its prompt, the value typed and what validateInput said; `initial` is
   * the value it opened with (and `initialError` what validateInput says about that value),
   * `ignoreFocusOut` whether it stays open when focus moves.
   */
  inputBoxes: Array<{
    title?: string;
    prompt?: string;
    value: string | undefined;
    error?: string;
    initial?: string;
    initialError?: string;
    ignoreFocusOut?: boolean;
  }>;
  /**
   * Every quick pick shown, with its options. A createQuickPick / createInputBox step's `title` is
   * what VS Code shows: "Clone Range (2/4)" for title "Clone Range", step 2 of 4.
   */
  quickPicks: Array<{ title?: string; ignoreFocusOut?: boolean; items?: Array<{ label: string; description?: string }> }>;
  /**
   * Quick-input sessions (createInputBox / createQuickPick widgets): how many are visible now, and
   * the most ever visible at once; `gaps` counts the moments a flow left none visible between two
   * of its steps (focus would fall back to the editor there).
   */
  quickInputs: { visible: number; gaps: number; shown: number };
  /** workspace.textDocuments (documents open in text editors). */
  textDocuments: Array<{ uri: Uri }>;
  /** window.tabGroups.all (each group's tabs). */
  tabGroups: Array<{ tabs: Array<{ input: unknown }> }>;
  /** The options object of every message shown with one ({ modal: true }, ...), by text. */
  messageOptions: Array<{ text: string; options: Record<string, unknown> }>;
}

/** The Back button of a multi-step quick input. */
export const QuickInputButtons = { Back: { iconPath: new ThemeIcon('arrow-left'), tooltip: 'Back' } };
/** Put this in inputAnswers / quickPickAnswers to press the Back button at that step. */
export const PRESS_BACK = '\u0000back';
/**
 * Put this in inputAnswers to model keys typed ahead that reach the extension host late: after
 * the previous answer's Enter the person typed `late` onto that answer, and the host heard of it
 * only after it had set this step's value (which the renderer then showed, replacing those keys
 * unless the host put them back); then the person types `then` onto what the renderer shows.
 */
export const typedLate = (late: string, then: string): string => `\u0000late\u0000${late}\u0000${then}`;

/** Let the code under test run its pending promise callbacks (async validation, ...). */
const settle = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await new Promise<void>((r) => setImmediate(r));
};

/**
 * A createInputBox / createQuickPick widget. A person answers it when it is shown and not busy:
 * from state.inputAnswers / state.quickPickAnswers, like showInputBox / showQuickPick.
 */
abstract class FakeQuickInput {
  title?: string;
  step?: number;
  totalSteps?: number;
  placeholder?: string;
  ignoreFocusOut = false;
  enabled = true;
  buttons: unknown[] = [];
  /** The text in the widget; `value` set by the code under test counts as a push to the renderer. */
  protected text = '';
  protected pushes = 0;
  get value(): string {
    return this.text;
  }
  set value(v: string) {
    this.text = v;
    this.pushes++;
  }
  visible = false;
  disposed = false;
  private _busy = false;
  private readonly hideEmitter = new EventEmitter<void>();
  protected readonly acceptEmitter = new EventEmitter<void>();
  protected readonly buttonEmitter = new EventEmitter<unknown>();
  protected readonly valueEmitter = new EventEmitter<string>();
  onDidHide = this.hideEmitter.event;
  onDidAccept = this.acceptEmitter.event;
  onDidTriggerButton = this.buttonEmitter.event;
  onDidChangeValue = this.valueEmitter.event;
  private answering = false;
  /** Bumped each time the widget becomes ready for an answer (shown, or no longer busy). */
  private generation = 0;
  private answeredGeneration = -1;
  constructor(protected readonly state: FakeState) {}
  get busy(): boolean {
    return this._busy;
  }
  set busy(b: boolean) {
    const was = this._busy;
    this._busy = b;
    if (was && !b) this.generation++;
    if (!b) this.maybeAnswer();
  }
  /** The title as VS Code shows it, with the step count. */
  get shownTitle(): string | undefined {
    return this.step !== undefined && this.totalSteps !== undefined ? `${this.title} (${this.step}/${this.totalSteps})` : this.title;
  }
  show(): void {
    if (this.disposed || this.visible) return;
    this.visible = true;
    this.generation++;
    this.state.quickInputs.visible++;
    this.state.quickInputs.shown++;
    this.maybeAnswer();
  }
  hide(): void {
    if (!this.visible) return;
    this.visible = false;
    this.state.quickInputs.visible--;
    // A flow's widget going while none other is up: the focus would go back to the editor.
    // (The last one of a flow counts too; tests compare against the number of flows.)
    if (this.state.quickInputs.visible === 0) this.state.quickInputs.gaps++;
    this.hideEmitter.fire();
    recorded();
  }
  dispose(): void {
    this.hide();
    this.disposed = true;
  }
  /** The person answers once each time the widget is ready (a rejected value: the next one). */
  private maybeAnswer(): void {
    if (!this.visible || this._busy || this.answering || this.answeredGeneration === this.generation) return;
    this.answering = true;
    void settle()
      .then(() => {
        if (!this.visible || this._busy) return undefined;
        this.answeredGeneration = this.generation;
        return this.answer();
      })
      .finally(() => {
        this.answering = false;
        this.maybeAnswer();
      });
  }
  protected pressBack(): void {
    this.buttonEmitter.fire(QuickInputButtons.Back);
  }
  protected abstract answer(): Promise<void>;
}

class FakeInputBox extends FakeQuickInput {
  prompt?: string;
  password = false;
  valueSelection?: readonly [number, number];
  validationMessage?: string;
  /** The last answer accepted in this box. */
  private answered = '';
  protected async answer(): Promise<void> {
    const shown = {
      title: this.shownTitle,
      prompt: this.prompt,
      initial: this.value,
      initialError: this.validationMessage || undefined,
      ignoreFocusOut: this.ignoreFocusOut,
    };
    for (;;) {
      const value = this.state.inputAnswers.shift();
      if (value === undefined) {
        this.state.inputBoxes.push({ ...shown, value });
        this.hide(); // Escape
        return;
      }
      if (value === PRESS_BACK) {
        this.state.inputBoxes.push({ ...shown, value });
        this.pressBack();
        return;
      }
      if (value.startsWith('\u0000late\u0000')) {
        const [late, then] = value.split('\u0000').slice(2);
        const pushes = this.pushes;
        this.text = this.answered + late; // what the renderer reports, late
        this.valueEmitter.fire(this.text);
        await settle();
        // the renderer shows what the host pushed since, or else this step's value, selected
        this.text = this.pushes > pushes ? this.text + then : then;
      } else {
        // type it (replacing the selected text)
        this.text = value;
      }
      // let validation run, then Enter if it is valid
      this.valueEmitter.fire(this.text);
      await settle();
      const error = this.validationMessage || undefined;
      this.state.inputBoxes.push({ ...shown, value: this.text, error });
      if (error === undefined) {
        this.answered = this.text;
        this.acceptEmitter.fire();
        return;
      }
    }
  }
}

class FakeQuickPick<T extends { label: string; description?: string }> extends FakeQuickInput {
  items: readonly T[] = [];
  activeItems: readonly T[] = [];
  selectedItems: readonly T[] = [];
  private readonly selectionEmitter = new EventEmitter<readonly T[]>();
  onDidChangeSelection = this.selectionEmitter.event;
  onDidChangeActive = new EventEmitter<readonly T[]>().event;
  protected async answer(): Promise<void> {
    this.state.quickPicks.push({
      title: this.shownTitle,
      ignoreFocusOut: this.ignoreFocusOut,
      items: this.items.map((i) => ({ label: i.label, description: i.description })),
    });
    recorded();
    const label = this.state.quickPickAnswers.shift();
    if (label === PRESS_BACK) return this.pressBack();
    const item = label === undefined ? undefined : this.items.find((i) => i.label === label);
    if (!item) return this.hide(); // Escape
    this.activeItems = [item];
    this.selectedItems = [item];
    this.selectionEmitter.fire(this.selectedItems);
    this.acceptEmitter.fire();
  }
}

export function makeFakeVscode() {
  const state: FakeState = {
    trusted: true,
    config: {},
    commands: new Map(),
    contextKeys: new Map(),
    statusBarItems: new Map(),
    log: [],
    messages: [],
    answers: [],
    inputAnswers: [],
    panels: [],
    customEditors: new Map(),
    fileSystems: new Map(),
    clipboard: '',
    watchers: [],
    progressReports: [],
    progressTitles: [],
    quickPickAnswers: [],
    inputBoxes: [],
    quickPicks: [],
    quickInputs: { visible: 0, gaps: 0, shown: 0 },
    textDocuments: [],
    tabGroups: [],
    messageOptions: [],
  };
  const configEmitter = new EventEmitter<{ affectsConfiguration(k: string): boolean }>();
  const trustEmitter = new EventEmitter<void>();
  const format = (m: string, ...a: unknown[]) =>
    m.replace(/\{(\d+)\}/g, (w, i: string) => (Number(i) < a.length ? String(a[Number(i)]) : w));
  const showMessage =
    (level: string) =>
    async (text: string, ...rest: unknown[]) => {
      const items = rest.filter((x): x is string => typeof x === 'string');
      const options = rest.find((x): x is Record<string, unknown> => typeof x === 'object' && x !== null);
      if (options) state.messageOptions.push({ text, options });
      state.messages.push({ level, text, items });
      recorded();
      const a = state.answers.find((x) => x.match.test(text));
      return a ? a.answer : undefined;
    };
  const logAt = (level: string) => (text: string) => {
    state.log.push({ level, text });
    recorded();
  };
  const vscode = {
    EventEmitter,
    Disposable,
    Uri,
    RelativePattern,
    ThemeIcon,
    TabInputText,
    TabInputCustom,
    ViewColumn,
    FileType,
    FileChangeType,
    FilePermission,
    FileSystemError,
    ProgressLocation,
    StatusBarAlignment,
    QuickInputButtons,
    l10n: { t: format },
    env: {
      language: 'en',
      clipboard: {
        writeText: async (s: string) => {
          state.clipboard = s;
          recorded();
        },
        readText: async () => state.clipboard,
      },
    },
    commands: {
      registerCommand: (id: string, fn: (...a: unknown[]) => unknown) => {
        if (state.commands.has(id)) throw new Error(`command ${id} registered twice`);
        state.commands.set(id, fn);
        return new Disposable(() => state.commands.delete(id));
      },
      executeCommand: async (id: string, ...args: unknown[]) => {
        if (id === 'setContext') {
          state.contextKeys.set(String(args[0]), args[1]);
          return undefined;
        }
        const fn = state.commands.get(id);
        if (!fn) throw new Error(`command '${id}' not found`);
        return fn(...args);
      },
    },
    window: {
      createStatusBarItem: (id: string) => {
        const item: FakeStatusBarItem = { id, text: '', visible: false };
        state.statusBarItems.set(id, item);
        return Object.assign(item, {
          show: () => void (item.visible = true),
          hide: () => void (item.visible = false),
          dispose: () => void state.statusBarItems.delete(id),
        });
      },
      createOutputChannel: (name: string, opts?: { log?: boolean }) => {
        if (!opts?.log) throw new Error('expected a LogOutputChannel');
        return {
          name,
          trace: logAt('trace'),
          debug: logAt('debug'),
          info: logAt('info'),
          warn: logAt('warn'),
          error: logAt('error'),
          appendLine: logAt('info'),
          show: () => undefined,
          dispose: () => undefined,
        };
      },
      showInformationMessage: showMessage('info'),
      showWarningMessage: showMessage('warning'),
      showErrorMessage: showMessage('error'),
      // Like VS Code: an answer that validateInput rejects cannot be accepted; the person types
      // the next one (the next queued answer).
      showInputBox: async (
        o: { title?: string; prompt?: string; value?: string; ignoreFocusOut?: boolean; validateInput?: (v: string) => unknown } = {},
      ) => {
        const asString = (x: unknown) => (typeof x === 'string' && x !== '' ? x : undefined);
        const initialError = o.validateInput && o.value !== undefined ? asString(await o.validateInput(o.value)) : undefined;
        const shown = { title: o.title, prompt: o.prompt, initial: o.value, initialError, ignoreFocusOut: o.ignoreFocusOut };
        for (;;) {
          const value = state.inputAnswers.shift();
          if (value === undefined) {
            state.inputBoxes.push({ ...shown, value });
            return undefined;
          }
          const error = o.validateInput ? asString(await o.validateInput(value)) : undefined;
          state.inputBoxes.push({ ...shown, value, error });
          if (error === undefined) return value;
        }
      },
      showQuickPick: async (
        items: Array<{ label: string }> | Promise<Array<{ label: string }>>,
        o: { title?: string; ignoreFocusOut?: boolean } = {},
      ) => {
        state.quickPicks.push({ title: o.title, ignoreFocusOut: o.ignoreFocusOut });
        const label = state.quickPickAnswers.shift();
        return label === undefined ? undefined : (await items).find((i) => i.label === label);
      },
      createInputBox: () => new FakeInputBox(state),
      createQuickPick: <T extends { label: string; description?: string }>() => new FakeQuickPick<T>(state),
      showOpenDialog: async () => state.openDialogAnswer,
      showSaveDialog: async (o?: { title?: string; defaultUri?: Uri }) => {
        state.saveDialogOptions = o;
        return state.saveDialogAnswer;
      },
      withProgress: async (o: { title?: string }, task: (p: { report(v: unknown): void }, token: unknown) => unknown) => {
        const cancel = new EventEmitter<void>();
        const token = { isCancellationRequested: false, onCancellationRequested: cancel.event };
        const press = () => {
          if (token.isCancellationRequested) return;
          token.isCancellationRequested = true;
          cancel.fire();
        };
        state.progressTitles.push(o?.title ?? '');
        const mode = state.cancelProgress;
        if (mode === 'immediately') setImmediate(press);
        return task(
          {
            report: (v: unknown) => {
              state.progressReports.push(v);
              if (mode === 'onFirstReport') press();
              if (mode === 'onFirstIncrement' && ((v as { increment?: number }).increment ?? 0) > 0) press();
            },
          },
          token,
        );
      },
      createWebviewPanel: (viewType: string, title: string, _col: unknown, options: Record<string, unknown>) => {
        const p = new FakeWebviewPanel(viewType, title, options);
        state.panels.push(p);
        state.onPanelCreated?.(p);
        return p;
      },
      registerCustomEditorProvider: (viewType: string, provider: unknown) => {
        state.customEditors.set(viewType, provider);
        return new Disposable(() => state.customEditors.delete(viewType));
      },
      activeTextEditor: undefined as undefined | { document: { uri: Uri } },
      tabGroups: {
        activeTabGroup: { activeTab: undefined },
        get all() {
          return state.tabGroups;
        },
      },
    },
    workspace: {
      get isTrusted() {
        return state.trusted;
      },
      workspaceFolders: undefined,
      get textDocuments() {
        return state.textDocuments;
      },
      getConfiguration: (section?: string) => ({
        get: <T>(key: string, def?: T): T | undefined => {
          const full = section ? `${section}.${key}` : key;
          return full in state.config ? (state.config[full] as T) : def;
        },
      }),
      onDidChangeConfiguration: configEmitter.event,
      onDidGrantWorkspaceTrust: trustEmitter.event,
      onDidDeleteFiles: new EventEmitter<unknown>().event,
      onDidRenameFiles: new EventEmitter<unknown>().event,
      registerFileSystemProvider: (scheme: string, provider: unknown) => {
        state.fileSystems.set(scheme, provider);
        return new Disposable(() => state.fileSystems.delete(scheme));
      },
      createFileSystemWatcher: (pattern: RelativePattern) => {
        const change = new EventEmitter<Uri>();
        const w = { pattern, change, disposed: false };
        state.watchers.push(w);
        return {
          onDidChange: change.event,
          onDidCreate: change.event,
          onDidDelete: change.event,
          dispose: () => {
            w.disposed = true;
          },
        };
      },
      fs: {
        writeFile: async (u: Uri, data: Uint8Array) => (await import('node:fs/promises')).writeFile(u.fsPath, data),
      },
    },
  };
  const setConfig = (key: string, value: unknown) => {
    state.config[key] = value;
    configEmitter.fire({ affectsConfiguration: (k: string) => key === k || key.startsWith(k + '.') });
  };
  /** The person trusts the workspace (restricted mode ends). */
  const grantTrust = () => {
    state.trusted = true;
    trustEmitter.fire();
  };
  return { vscode, state, setConfig, grantTrust };
}

export type FakeVscode = ReturnType<typeof makeFakeVscode>;

/** A fake ExtensionContext rooted at `extensionPath`. */
export function fakeContext(extensionPath: string) {
  const secrets = new Map<string, string>();
  const global = new Map<string, unknown>();
  return {
    subscriptions: [] as Array<{ dispose(): unknown }>,
    // (the SMB password provider lists the keys it stored here)
    globalState: {
      get: <T>(k: string, d?: T) => (global.has(k) ? (global.get(k) as T) : d),
      update: async (k: string, v: unknown) => void global.set(k, v),
      keys: () => [...global.keys()],
    },
    extensionUri: Uri.file(extensionPath),
    extensionPath,
    secrets: {
      get: async (k: string) => secrets.get(k),
      store: async (k: string, v: string) => void secrets.set(k, v),
      delete: async (k: string) => void secrets.delete(k),
    },
  };
}

/** Make `require('vscode')` resolve to `fake` (returns the undo function). */
export function installFakeVscode(fake: FakeVscode['vscode']): () => void {
  const M = Module as unknown as {
    _resolveFilename: (req: string, ...rest: unknown[]) => string;
    _cache: Record<string, unknown>;
  };
  const key = '\0fake-vscode';
  const orig = M._resolveFilename;
  M._resolveFilename = function (req: string, ...rest: unknown[]) {
    if (req === 'vscode') return key;
    return orig.call(this, req, ...rest);
  };
  const mod = new Module(key);
  mod.exports = fake;
  (mod as unknown as { loaded: boolean }).loaded = true;
  M._cache[key] = mod;
  return () => {
    M._resolveFilename = orig;
    delete M._cache[key];
  };
}
