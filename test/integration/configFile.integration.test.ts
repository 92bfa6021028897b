// The CLI's config file in the editor: the extension hands VS Code's JSON
// support the pool's own config schema for every aoai-pool.json, so a user
// who edits one gets completion, hovers and errors as they type, from the
// same rules the pool validates with.
import * as assert from 'node:assert/strict';
import { suite, suiteTeardown, test } from 'mocha';
import * as vscode from 'vscode';
import { waitFor } from './helpers';

suite('aoai-pool.json in the editor', () => {
  const folder = vscode.workspace.workspaceFolders![0]!.uri;
  const written: vscode.Uri[] = [];

  /** Writes `text` to `<workspace>/<dir>/aoai-pool.json` and opens it. */
  async function openConfig(dir: string, text: string): Promise<vscode.TextDocument> {
    const uri = vscode.Uri.joinPath(folder, dir, 'aoai-pool.json');
    await vscode.workspace.fs.writeFile(uri, Buffer.from(text));
    written.push(vscode.Uri.joinPath(folder, dir));
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc);
    return doc;
  }

  suiteTeardown(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    for (const uri of written) await vscode.workspace.fs.delete(uri, { recursive: true, useTrash: false });
  });

  test('marks a value of the wrong type and a misspelt field, where they are, and allows comments as the CLI does', async () => {
    const doc = await openConfig('bad', '{\n  "port": "eighty",\n  "backend": [] // the CLI allows comments\n}\n');
    assert.equal(doc.languageId, 'jsonc');
    let found: vscode.Diagnostic[] = [];
    // The JSON language server starts on the first JSON file and loads the schema from the extension.
    await waitFor(() => (found = vscode.languages.getDiagnostics(doc.uri)).length >= 3, 'the schema\'s diagnostics on aoai-pool.json', undefined, 30_000);
    const at = (line: number) => found.filter((d) => d.range.start.line === line).map((d) => d.message);
    assert.ok(at(1).some((m) => /integer/i.test(m)), `line 2 ("port": "eighty"): ${JSON.stringify(found.map((d) => [d.range.start.line, d.message]))}`);
    assert.ok(at(2).some((m) => /not allowed/i.test(m)), `line 3 ("backend"): ${JSON.stringify(found.map((d) => [d.range.start.line, d.message]))}`);
    // "backends" is required: reported on the object itself.
    assert.ok(found.some((d) => /backends/.test(d.message)), JSON.stringify(found.map((d) => d.message)));
    assert.ok(!found.some((d) => /comment/i.test(d.message)), 'the comment is reported as an error');
  });

  test('completes the pool\'s fields and explains them on hover', async () => {
    const doc = await openConfig('good', '{\n  "port": 8787,\n  \n}\n');
    let labels: string[] = [];
    const ready = async (): Promise<boolean> => {
      const list = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', doc.uri, new vscode.Position(2, 2));
      labels = list.items.map((i) => (typeof i.label === 'string' ? i.label : i.label.label).replace(/"/g, ''));
      return labels.includes('backends');
    };
    for (const end = Date.now() + 30_000; !(await ready()) && Date.now() < end;) await new Promise((r) => setTimeout(r, 200));
    for (const field of ['backends', 'routing', 'queue', 'maxAttempts']) assert.ok(labels.includes(field), `${field} not offered: ${labels.join(', ')}`);

    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', doc.uri, new vscode.Position(1, 4));
    const text = hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : 'value' in c ? c.value : ''))).join('\n');
    assert.match(text, /Local port of the proxy/);
  });
});
