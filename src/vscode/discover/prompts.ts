/**
 * The questions "Add Backends from Azure…" asks, behind one small interface:
 * quick picks (one or many), an input box, a modal confirmation. The real
 * one drives VS Code's widgets; in Test mode the integration test installs a
 * scripted one through the extension's API, so the whole flow (sign-in, the
 * SDK calls, saving, keys) runs for real while the test answers.
 */
import * as vscode from 'vscode';
import type { ViewItem } from '../../core/view';

export interface PromptStep {
  /** Stable id the test's script answers by: `subscriptions`, `deployments`, `proposal`, `keys`, ... */
  id: string;
  title: string;
  placeholder: string;
}

export interface Prompter {
  /** Checked items' values; Esc cancels (CancellationError). Items without a value are never returned. */
  pickMany<T>(step: PromptStep, items: ViewItem<T>[]): Promise<T[]>;
  pickOne<T>(step: PromptStep, items: ViewItem<T>[]): Promise<T>;
  input(step: PromptStep, value: string, validate: (v: string) => string | undefined): Promise<string>;
  /** A modal yes/no; true only for `action`. */
  confirm(message: string, detail: string, action: string): Promise<boolean>;
}

type QpItem<T> = vscode.QuickPickItem & { value?: T };

function toItems<T>(items: ViewItem<T>[]): QpItem<T>[] {
  return items.map((i) => (i.separator
    ? { label: i.label, kind: vscode.QuickPickItemKind.Separator }
    : { label: i.label, description: i.description, detail: i.detail, picked: i.picked, value: i.value, alwaysShow: i.value === undefined }));
}

function show<T, R>(step: PromptStep, items: ViewItem<T>[], many: boolean, done: (qp: vscode.QuickPick<QpItem<T>>) => R | undefined): Promise<R> {
  return new Promise<R>((resolve, reject) => {
    const qp = vscode.window.createQuickPick<QpItem<T>>();
    qp.title = step.title;
    qp.placeholder = step.placeholder;
    qp.canSelectMany = many;
    qp.matchOnDescription = true;
    qp.matchOnDetail = true;
    qp.ignoreFocusOut = true;
    qp.items = toItems(items);
    if (many) qp.selectedItems = qp.items.filter((i) => i.picked);
    let settled = false;
    const subs = [
      qp.onDidAccept(() => {
        const r = done(qp);
        if (r === undefined) return;
        settled = true;
        resolve(r);
        qp.hide();
      }),
      qp.onDidHide(() => {
        for (const s of subs) s.dispose();
        qp.dispose();
        if (!settled) reject(new vscode.CancellationError());
      }),
    ];
    qp.show();
  });
}

export const vscodePrompter: Prompter = {
  pickMany: (step, items) => show(step, items, true, (qp) => qp.selectedItems.flatMap((i) => (i.value === undefined ? [] : [i.value]))),
  pickOne: (step, items) => show(step, items, false, (qp) => qp.selectedItems[0]?.value),
  async input(step, value, validate) {
    const v = await vscode.window.showInputBox({ title: step.title, prompt: step.placeholder, value, validateInput: validate, ignoreFocusOut: true });
    if (v === undefined) throw new vscode.CancellationError();
    return v.trim();
  },
  async confirm(message, detail, action) {
    return (await vscode.window.showWarningMessage(message, { modal: true, detail }, action)) === action;
  },
};

let scripted: Prompter | undefined;

/** Test mode only (see api.ts): answers the flow's questions instead of the user. */
export function setTestPrompter(p: Prompter | undefined): void {
  scripted = p;
}

export function prompter(): Prompter {
  return scripted ?? vscodePrompter;
}
