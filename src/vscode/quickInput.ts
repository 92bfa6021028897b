/**
 * Multi-step quick input with a Back button (vscode-extension-samples'
 * quickinput-sample, reduced). Each step reads and writes a shared state;
 * Back re-runs the previous step with its earlier answer prefilled. Hiding the
 * input cancels the whole flow with a CancellationError (silent in commands).
 */
import * as vscode from 'vscode';

const BACK = Symbol('back');

export interface TextStep {
  prompt: string;
  placeholder?: string;
  value?: string;
  password?: boolean;
  validate?: (value: string) => string | undefined;
}

export class InputFlow {
  private step = 0;

  constructor(
    private readonly title: string,
    private readonly total: number,
  ) {}

  /** Runs the steps in order; a step that returns false is skipped (and skipped on Back too). */
  async run(steps: (() => Promise<void | false>)[]): Promise<void> {
    const shown: number[] = [];
    let i = 0;
    while (i < steps.length) {
      this.step = shown.length + 1;
      try {
        const r = await steps[i]!();
        if (r !== false) shown.push(i);
        i++;
      } catch (e) {
        if (e !== BACK) throw e;
        i = shown.pop() ?? 0;
      }
    }
  }

  text(o: TextStep): Promise<string> {
    const box = vscode.window.createInputBox();
    box.title = this.title;
    box.step = this.step;
    box.totalSteps = this.total;
    box.prompt = o.prompt;
    box.placeholder = o.placeholder;
    box.value = o.value ?? '';
    box.password = o.password ?? false;
    box.ignoreFocusOut = true;
    box.buttons = this.step > 1 ? [vscode.QuickInputButtons.Back] : [];
    return this.show(box, (resolve) => [
      box.onDidChangeValue((v) => (box.validationMessage = v ? o.validate?.(v) : undefined)),
      box.onDidAccept(() => {
        const problem = o.validate?.(box.value);
        if (problem) box.validationMessage = problem;
        else resolve(box.value.trim());
      }),
    ]);
  }

  pick<T extends vscode.QuickPickItem>(placeholder: string, items: T[], active?: T): Promise<T> {
    const qp = vscode.window.createQuickPick<T>();
    qp.title = this.title;
    qp.step = this.step;
    qp.totalSteps = this.total;
    qp.placeholder = placeholder;
    qp.items = items;
    if (active) qp.activeItems = [active];
    qp.ignoreFocusOut = true;
    qp.buttons = this.step > 1 ? [vscode.QuickInputButtons.Back] : [];
    return this.show(qp, (resolve) => [qp.onDidAccept(() => qp.selectedItems[0] && resolve(qp.selectedItems[0]))]);
  }

  private show<R>(input: vscode.QuickInput & { onDidTriggerButton: vscode.Event<vscode.QuickInputButton> }, wire: (resolve: (r: R) => void) => vscode.Disposable[]): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      let settled = false;
      const done = (f: () => void) => {
        if (settled) return;
        settled = true;
        f();
        for (const d of disposables) d.dispose();
        input.dispose();
      };
      const disposables = [
        ...wire((r) => done(() => resolve(r))),
        input.onDidTriggerButton((b) => b === vscode.QuickInputButtons.Back && done(() => reject(BACK))),
        input.onDidHide(() => done(() => reject(new vscode.CancellationError()))),
      ];
      input.show();
    });
  }
}
