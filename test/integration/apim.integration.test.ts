// "Generate APIM Pool": the Bicep, the policy and the parameters open as
// editors, generated from the settings' backends, with no key in them.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { suite, suiteSetup, teardown, test } from 'mocha';
import * as vscode from 'vscode';
import { backendFor, configureBackends, poolApi, resetPool, setApiKey, Simulators, type TestApi } from './helpers';

suite('Generate APIM Pool', () => {
  let api: TestApi;
  const sims = new Simulators();
  let opened: string[] = [];

  suiteSetup(async () => {
    api = await poolApi();
    await resetPool(api);
  });

  teardown(async () => {
    try {
      // Untitled editors with content are dirty: revert, so closing asks nothing.
      for (const uri of opened.splice(0)) {
        const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri);
        if (!doc || doc.isClosed) continue;
        await vscode.window.showTextDocument(doc);
        await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
      }
      await resetPool(api);
    } finally {
      await sims.closeAll();
    }
  });

  test('opens main.bicep, policy.xml and main.parameters.json naming every backend and no key', async () => {
    const [east, west] = await sims.start([{ name: 'east', deployments: ['gpt-4o'] }, { name: 'west', deployments: ['gpt-4o'] }]);
    await configureBackends(api, [backendFor(east!), backendFor(west!, { priority: 2 })]);
    await setApiKey(api, 'east', east!.apiKey);
    await setApiKey(api, 'west', west!.apiKey);

    const result = await vscode.commands.executeCommand<string[] | undefined>('aoaiPool.generateApimPool', {
      serviceName: 'contoso-apim',
      tokensPerMinute: 5000,
      tokenMetrics: false,
      existingApi: false,
    });
    assert.ok(Array.isArray(result), `the command returned ${JSON.stringify(result)} (an error is in the log)`);
    opened = result;
    const docs = new Map<string, vscode.TextDocument>();
    for (const uri of result) {
      const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri);
      assert.ok(doc, `${uri} is not an open document`);
      docs.set(path.posix.basename(doc.uri.path), doc);
    }
    assert.deepEqual([...docs.keys()].sort(), ['main.bicep', 'main.parameters.json', 'policy.xml']);
    for (const doc of docs.values()) assert.equal(doc.uri.scheme, 'untitled', doc.uri.toString());

    // Each one is an editor tab, not just a loaded document.
    const tabs = vscode.window.tabGroups.all
      .flatMap((g) => g.tabs)
      .map((t) => (t.input instanceof vscode.TabInputText ? t.input.uri.toString() : undefined));
    for (const uri of result) assert.ok(tabs.includes(uri), `no editor tab for ${uri}; tabs: ${tabs.join(', ')}`);

    const bicep = docs.get('main.bicep')!.getText();
    const policy = docs.get('policy.xml')!.getText();
    const params = docs.get('main.parameters.json')!;
    for (const name of ['east', 'west']) assert.match(bicep, new RegExp(`'${name}'|"${name}"|${name}-`), `main.bicep does not mention ${name}`);
    assert.match(bicep, /Microsoft\.ApiManagement\/service/);
    assert.match(bicep, /@secure\(\)\s*param apiKeyEast string/);
    assert.match(policy, /<policies>/);
    assert.match(policy, /tokens-per-minute="5000"/);
    assert.equal(params.languageId, 'json');
    assert.equal(docs.get('policy.xml')!.languageId, 'xml');
    const parsed = JSON.parse(params.getText()) as { parameters: Record<string, { value: unknown }> };
    assert.equal(parsed.parameters.apimServiceName?.value, 'contoso-apim');

    const clientKey = await api.clientKey();
    for (const [name, doc] of docs) {
      for (const secret of [east!.apiKey, west!.apiKey, clientKey]) {
        assert.ok(!doc.getText().includes(secret), `${name} contains a key`);
      }
    }
  });
});
