// "Generate APIM Pool": the Bicep, the policy and the parameters open as
// editors, generated from the settings' backends, with no key in them.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { suite, suiteSetup, teardown, test } from 'mocha';
import * as vscode from 'vscode';
import { apimApiName } from '../../src/core/view/apim';
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

  test('issue 13 item 6: one API name, main.bicep in front, nothing dirty after Save to Folder', async function () {
    // Opening, reverting and reopening six editors takes a while on a busy machine.
    this.timeout(60_000);
    const [east] = await sims.start([{ name: 'east', deployments: ['gpt-4o'] }]);
    await configureBackends(api, [backendFor(east!)]);
    await setApiKey(api, 'east', east!.apiKey);
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'aoai-pool-apim-'));
    try {
      const result = await vscode.commands.executeCommand<string[] | undefined>('aoaiPool.generateApimPool', {
        serviceName: undefined, tokensPerMinute: undefined, tokenMetrics: false, existingApi: false, saveTo: folder,
      });
      assert.ok(Array.isArray(result), `the command returned ${JSON.stringify(result)}`);
      opened = result;
      assert.deepEqual(fs.readdirSync(folder).sort(), ['main.bicep', 'main.parameters.json', 'policy.xml']);
      // The name the prompt offers is the one written.
      const params = JSON.parse(fs.readFileSync(path.join(folder, 'main.parameters.json'), 'utf8')) as { parameters: Record<string, { value: unknown }> };
      assert.equal(params.parameters.apiName?.value, apimApiName({ apim: {} } as never));
      assert.equal(params.parameters.apiName?.value, 'aoai-pool');
      // Saved: no untitled generated editor is left, and none of the open ones is dirty.
      const tabs = vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) => t.input instanceof vscode.TabInputText);
      const generated = tabs.filter((t) => /(main\.bicep|policy\.xml|main\.parameters\.json)$/.test((t.input as vscode.TabInputText).uri.path));
      assert.deepEqual(generated.map((t) => (t.input as vscode.TabInputText).uri.scheme), ['file', 'file', 'file'], 'untitled editors left open');
      assert.deepEqual(generated.filter((t) => t.isDirty).map((t) => t.label), [], 'dirty editors after Save to Folder');
      assert.equal(path.posix.basename(vscode.window.activeTextEditor?.document.uri.path ?? ''), 'main.bicep');
    } finally {
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      fs.rmSync(folder, { recursive: true, force: true });
    }
  });

  test('issue 13 item 6: in the demo, the error says why and offers to add backends', async () => {
    await vscode.commands.executeCommand('aoaiPool.trySimulated');
    assert.equal(api.state().simulated, true);
    const seq = api.notifications().at(-1)?.seq ?? 0;
    const result = await vscode.commands.executeCommand('aoaiPool.generateApimPool', { serviceName: undefined, tokensPerMinute: undefined, tokenMetrics: false, existingApi: false });
    assert.equal(result, undefined);
    const error = api.notifications().find((n) => n.seq > seq && n.severity === 'error');
    assert.ok(error, JSON.stringify(api.notifications().slice(-3)));
    assert.match(error.text, /demo's simulated backends cannot go to API Management/);
    assert.deepEqual(error.buttons, ['Add Backends from Azure…', 'Add Backend', 'Show Log']);
  });
});
