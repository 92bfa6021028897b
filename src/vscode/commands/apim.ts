/**
 * "Generate APIM Pool": a few questions, then main.bicep, policy.xml and the
 * parameters open as untitled editors (named, so the languages apply), and a
 * "Save to Folder" action writes them, with any edits, where the user picks.
 */
import * as vscode from 'vscode';
import type { PoolConfig } from '../../core';
import type { GeneratedFile } from '../../core/generators';
import { actionableError, apimApiName, apimServiceNameProblem, editorLanguage, integerProblem, type ApimAnswers } from '../../core/view';
import { notify } from '../notify';
import { runApimGenerator } from '../apim';
import { reportError } from '../errors';
import { InputFlow } from '../quickInput';
import type { Shell } from '../shell';

interface Opened {
  file: GeneratedFile;
  doc: vscode.TextDocument;
}

/** `answers` skips the questions (tests). Returns the untitled documents' URIs. */
export async function generateApimPool(shell: Shell, answers?: ApimAnswers): Promise<string[]> {
  const config = shell.controller.settingsConfig;
  if (!config?.backends.length) {
    // Issue 13, item 6: say why, and offer the way out, in the demo too.
    const demo = shell.controller.current.simulated ? 'The demo\'s simulated backends cannot go to API Management. ' : '';
    throw actionableError(`${demo}There are no backends in your settings to deploy: add your Azure OpenAI resources first`, 'addFromAzure', 'addBackend');
  }
  if (shell.controller.current.configErrors.length) shell.log.warn('settings have problems: generating from the last valid ones');
  const a = answers ?? (await ask(config));
  const result = await runApimGenerator(config, a);
  if (!result.ok) throw new Error(`API Management cannot take this pool:\n${result.errors.map((e) => `- ${e}`).join('\n')}`);
  for (const w of result.warnings) shell.log.info(`APIM note: ${w}`);

  const languages = await vscode.languages.getLanguages();
  const opened: Opened[] = [];
  for (const file of result.files) {
    const doc = await openUntitled(file, editorLanguage(file.path, languages));
    await vscode.window.showTextDocument(doc, { preview: false, preserveFocus: true });
    opened.push({ file, doc });
  }
  // main.bicep is what to read first: it ends up the active, focused editor (issue 13, item 6).
  await focusMain(opened.map((o) => o.doc));
  if (a.saveTo) {
    await saveToFolder(shell, opened, config, a, vscode.Uri.file(a.saveTo));
    return vscode.window.visibleTextEditors.map((e) => e.document.uri.toString());
  }
  const notes = result.warnings.length ? ` ${result.warnings.length} notes are in the log.` : '';
  void vscode.window
    .showInformationMessage(`AOAI Pool: generated ${opened.map((o) => o.file.path).join(', ')}.${notes}`, 'Save to Folder', 'Show Notes')
    .then((pick) => {
      if (pick === 'Show Notes') shell.log.show();
      if (pick === 'Save to Folder') saveToFolder(shell, opened, config, a).catch((e: unknown) => reportError(e, shell, 'save APIM files'));
    });
  return opened.map((o) => o.doc.uri.toString());
}

async function ask(config: PoolConfig): Promise<ApimAnswers> {
  const flow = new InputFlow('AOAI Pool: Generate APIM Pool', 4);
  const a: ApimAnswers = { serviceName: config.apim.serviceName, tokensPerMinute: config.apim.tokensPerMinute, tokenMetrics: config.apim.tokenMetrics, existingApi: false };
  await flow.run([
    async () => {
      a.serviceName = (await flow.text({
        prompt: 'Name of your existing API Management service. Empty: a Bicep parameter, asked at deploy time.',
        value: a.serviceName ?? '',
        validate: apimServiceNameProblem,
      })) || undefined;
    },
    async () => {
      const v = await flow.text({
        prompt: 'Tokens-per-minute limit per subscription (azure-openai-token-limit). Empty: no limit.',
        value: a.tokensPerMinute?.toString() ?? '',
        validate: (t) => integerProblem(t, 1, 100_000_000, true),
      });
      a.tokensPerMinute = v ? Number(v) : undefined;
    },
    async () => {
      const items = [
        { label: 'No token metrics', on: false },
        { label: 'Emit token metrics', description: 'needs Application Insights on the APIM service', on: true },
      ];
      a.tokenMetrics = (await flow.pick('Token metrics (azure-openai-emit-token-metric)', items, items.find((i) => i.on === a.tokenMetrics))).on;
    },
    async () => {
      const items = [
        { label: 'Create a new API', description: `"${apimApiName(config)}"`, existing: false },
        { label: 'Attach the policy to an existing API', existing: true },
      ];
      a.existingApi = (await flow.pick('The API in API Management', items, items.find((i) => i.existing === a.existingApi))).existing;
    },
  ]);
  return a;
}

/** An untitled editor named like the file: the title reads "main.bicep" and Save proposes that name. */
async function openUntitled(file: GeneratedFile, language: string): Promise<vscode.TextDocument> {
  const uri = vscode.Uri.from({ scheme: 'untitled', path: file.path });
  let doc = await vscode.workspace.openTextDocument(uri);
  // A second run reuses the still-open editor: replace, never append.
  const edit = new vscode.WorkspaceEdit();
  edit.replace(uri, new vscode.Range(0, 0, doc.lineCount, 0), file.content);
  await vscode.workspace.applyEdit(edit);
  if (doc.languageId !== language) doc = await vscode.languages.setTextDocumentLanguage(doc, language);
  return doc;
}

async function focusMain(docs: readonly vscode.TextDocument[]): Promise<void> {
  const main = docs.find((d) => d.uri.path.endsWith('.bicep')) ?? docs[0];
  if (main) await vscode.window.showTextDocument(main, { preview: false, preserveFocus: false });
}

async function saveToFolder(shell: Shell, opened: Opened[], config: PoolConfig, answers: ApimAnswers, given?: vscode.Uri): Promise<void> {
  const picked = given ? [given] : await vscode.window.showOpenDialog({
    canSelectFolders: true,
    canSelectFiles: false,
    canSelectMany: false,
    openLabel: 'Save APIM Files Here',
    defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri,
  });
  const folder = picked?.[0];
  if (!folder) return;
  // What the editors hold now: the user may have edited them.
  const targets = opened.map((o) => ({ uri: vscode.Uri.joinPath(folder, o.file.path), text: o.doc.isClosed ? o.file.content : o.doc.getText() }));
  const existing: string[] = [];
  for (const t of targets) {
    try {
      await vscode.workspace.fs.stat(t.uri);
      existing.push(vscode.workspace.asRelativePath(t.uri));
    } catch {
      // does not exist: fine
    }
  }
  if (existing.length) {
    const ok = await vscode.window.showWarningMessage(`Overwrite ${existing.join(', ')}?`, { modal: true }, 'Overwrite');
    if (ok !== 'Overwrite') return;
  }
  for (const t of targets) await vscode.workspace.fs.writeFile(t.uri, Buffer.from(t.text, 'utf8'));
  await replaceWithSaved(opened, targets.map((t) => t.uri));
  const again = await runApimGenerator(config, { ...answers, outDir: folder.fsPath });
  const deploy = again.ok ? again.deployCommand : undefined;
  shell.log.info(`saved ${targets.length} APIM files to ${folder.fsPath}${deploy ? `; deploy with: ${deploy}` : ''}`);
  notify('info', `AOAI Pool: saved ${targets.length} files to ${folder.fsPath}.`, [], deploy ? { 'Copy Deploy Command': () => vscode.env.clipboard.writeText(deploy) } : {});
}

/**
 * The untitled editors are saved now: close them without asking (their text
 * is in the files) and open the files instead, so nothing stays dirty
 * (issue 13, item 6), with main.bicep in front.
 */
async function replaceWithSaved(opened: Opened[], files: vscode.Uri[]): Promise<void> {
  const untitled = new Set(opened.map((o) => o.doc.uri.toString()));
  for (const group of vscode.window.tabGroups.all) {
    for (const tab of group.tabs) {
      if (!(tab.input instanceof vscode.TabInputText) || !untitled.has(tab.input.uri.toString())) continue;
      // Revert first: closing a dirty untitled editor would ask to save it.
      await vscode.window.showTextDocument(tab.input.uri, { preview: false, viewColumn: group.viewColumn });
      await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
    }
  }
  const docs: vscode.TextDocument[] = [];
  for (const uri of files) {
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc, { preview: false, preserveFocus: true });
    docs.push(doc);
  }
  await focusMain(docs);
}
