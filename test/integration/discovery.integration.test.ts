// "Add Backends from Azure…" in the real extension host: the real sign-in
// code path (a test 'microsoft' / 'microsoft-sovereign-cloud' provider from
// test/fixtures/extensions), the real Azure SDKs against the Resource Manager
// stand-in (its endpoint from VS Code's sovereign cloud settings, its CA
// trusted through NODE_EXTRA_CA_CERTS, see runTests.ts), the test answering
// the quick picks, then the saved pool serving through the proxy.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite, suiteSetup, suiteTeardown, teardown, test } from 'mocha';
import * as vscode from 'vscode';
import type { ViewItem } from '../../src/core/view';
import { defaultArmWorld, OTHER_TENANT, startArmSimulator, type ArmSimulator } from '../../src/core/simulator/arm';
import type { Prompter, PromptStep } from '../../src/vscode/discover/prompts';
import type { DiscoveryOutcome } from '../../src/vscode/discover/command';
import { chat, poolApi, resetPool, setSetting, startProxy, waitFor, type TestApi } from './helpers';

const AUTH_FIXTURE = 'aoai-pool-test.test-microsoft-auth';
const SOVEREIGN = vscode.workspace.getConfiguration('microsoft-sovereign-cloud');

type Answer = (items: ViewItem<unknown>[], step: PromptStep, round: number) => unknown;

/** Answers each question by step id; records what was shown. */
class ScriptedPrompter implements Prompter {
  readonly shown: { step: PromptStep; items: ViewItem<unknown>[] }[] = [];
  constructor(private readonly answers: Record<string, Answer>, private readonly confirmations: boolean[] = []) {}
  private answer(step: PromptStep, items: ViewItem<unknown>[]): unknown {
    this.shown.push({ step, items });
    const a = this.answers[step.id];
    if (!a) throw new Error(`unexpected question "${step.id}": ${step.placeholder}`);
    return a(items, step, this.shown.filter((s) => s.step.id === step.id).length);
  }
  async pickMany<T>(step: PromptStep, items: ViewItem<T>[]): Promise<T[]> {
    return this.answer(step, items) as T[];
  }
  async pickOne<T>(step: PromptStep, items: ViewItem<T>[]): Promise<T> {
    return this.answer(step, items) as T;
  }
  async input(step: PromptStep): Promise<string> {
    return this.answer(step, []) as string;
  }
  async confirm(message: string): Promise<boolean> {
    this.shown.push({ step: { id: 'confirm', title: message, placeholder: '' }, items: [] });
    return this.confirmations.shift() ?? false;
  }
}

const labels = (items: ViewItem<unknown>[]) => items.map((i) => (i.separator ? `-- ${i.label}` : i.label));
const byLabel = (items: ViewItem<unknown>[], ...wanted: string[]) => wanted.map((w) => {
  const item = items.find((i) => !i.separator && i.label === w);
  assert.ok(item?.value !== undefined, `no item "${w}" in ${JSON.stringify(labels(items))}`);
  return item.value;
});

/**
 * What a user does in the Accounts menu ("Sign in with … to use AOAI Pool"):
 * VS Code's consent dialog cannot show in a test host (dialogs are refused),
 * so the request VS Code registers for a getSession without `createIfNone`
 * is accepted through its menu command. Afterwards the extension's own
 * getSession calls run unchanged.
 */
async function signInFromAccountsMenu(provider: string, scopes: string[]): Promise<void> {
  await vscode.commands.executeCommand('aoaiPoolTest.auth.reset', { signedIn: false });
  assert.equal(await vscode.authentication.getSession(provider, scopes, {}), undefined);
  const all = await vscode.commands.getCommands(false);
  const request = all.find((c) => c.startsWith(`${provider}:`) && c.includes(':signIn'));
  assert.ok(request, `VS Code registered no sign-in request for ${provider}: ${all.filter((c) => c.includes(':signIn')).join(', ')}`);
  await vscode.commands.executeCommand(request);
}

suite('Add Backends from Azure…', () => {
  let api: TestApi;
  let arm: ArmSimulator;

  suiteSetup(async () => {
    api = await poolApi();
    await resetPool(api);
    const dir = process.env.AOAI_POOL_TEST_TLS_DIR;
    assert.ok(dir, 'AOAI_POOL_TEST_TLS_DIR is not set: run through test/integration/runTests.ts');
    const tls = { ca: readFileSync(join(dir, 'ca.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8'), key: readFileSync(join(dir, 'key.pem'), 'utf8') };
    const world = defaultArmWorld();
    // One account answers Entra calls 403: the role hint must appear for it.
    world.subscriptions[0]!.accounts.find((a) => a.name === 'contoso-westeurope')!.noDataPlaneRole = true;
    arm = await startArmSimulator({ world, tls });
    // VS Code 1.100's network patching replaces Node's CA list (and so NODE_EXTRA_CA_CERTS)
    // with the OS certificates unless this is off; 1.139 adds them to it.
    await vscode.workspace.getConfiguration('http').update('systemCertificates', false, vscode.ConfigurationTarget.Global);
    const fixture = vscode.extensions.getExtension(AUTH_FIXTURE);
    assert.ok(fixture, `${AUTH_FIXTURE} is not loaded: runTests.ts loads test/fixtures/extensions/* beside the extension`);
    await fixture.activate();
  });

  suiteTeardown(async () => {
    await vscode.workspace.getConfiguration('http').update('systemCertificates', undefined, vscode.ConfigurationTarget.Global);
    await arm?.close();
  });

  teardown(async () => {
    api.setDiscoveryPrompter(undefined);
    for (const name of api.snapshots().map((s) => s.name)) await vscode.commands.executeCommand('aoaiPool.clearApiKey', name);
    await SOVEREIGN.update('environment', undefined, vscode.ConfigurationTarget.Global);
    await SOVEREIGN.update('customEnvironment', undefined, vscode.ConfigurationTarget.Global);
    await resetPool(api);
  });

  test('from the command to a saved, weighted pool that serves chat completions; keys only where confirmed; role hint after a 403', async () => {
    await setSetting('autoStart', false);
    await SOVEREIGN.update('environment', 'custom', vscode.ConfigurationTarget.Global);
    await SOVEREIGN.update('customEnvironment', {
      name: 'AOAI Pool test cloud', portalUrl: 'https://127.0.0.1/', managementEndpointUrl: `${arm.url}/`, resourceManagerEndpointUrl: `${arm.url}/`,
      activeDirectoryEndpointUrl: 'https://127.0.0.1/', activeDirectoryResourceId: `${arm.url}/`,
    }, vscode.ConfigurationTarget.Global);
    await signInFromAccountsMenu('microsoft-sovereign-cloud', [`${arm.url}/.default`]);
    await signInFromAccountsMenu('microsoft', ['https://cognitiveservices.azure.com/.default']);
    const fabrikamKey = arm.arm.keys.get('fabrikam-japaneast')!.key1;

    const ui = new ScriptedPrompter({
      subscriptions: (items) => {
        // Both directories, each listed with its own token.
        assert.deepEqual(labels(items), ['-- Contoso (contoso.onmicrosoft.com)', 'Contoso AI Production', 'Contoso Dev', 'Contoso Finance (no access)', '-- Fabrikam (fabrikam.onmicrosoft.com)', 'Fabrikam Research']);
        return byLabel(items, 'Contoso AI Production', 'Contoso Finance (no access)', 'Fabrikam Research');
      },
      deployments: (items) => {
        const l = labels(items);
        assert.equal(l[0], '-- gpt-4o (5)', JSON.stringify(l));
        assert.ok(l.includes('-- Could not be read'), JSON.stringify(l));
        const locked = items.find((i) => i.label === '$(error) contoso-francecentral');
        assert.match(locked?.detail ?? '', /^403 AuthorizationFailed/);
        assert.match(items.find((i) => i.label === '$(error) subscription Contoso Finance (no access)')?.detail ?? '', /^403 AuthorizationFailed/);
        assert.match(items.find((i) => i.label === 'contoso-swedencentral / gpt-4o-ptu')?.description ?? '', /swedencentral · ProvisionedManaged · 100 PTU/);
        return byLabel(items, 'contoso-swedencentral / gpt-4o', 'contoso-swedencentral / gpt-4o-ptu', 'contoso-eastus2 / gpt-4o', 'contoso-westeurope / gpt4o-legacy',
          'fabrikam-japaneast / gpt-4o', 'contoso-eastus2 / gpt-4o-mini');
      },
      proposal: (items, _s, round) => {
        if (round === 1) {
          assert.match(items.find((i) => i.label === '$(warning) Not interchangeable')?.detail ?? '', /model version differs \(2024-11-20 on .*; 2024-08-06 on contoso-westeurope\)/);
          assert.equal(items.find((i) => i.label === '$(server) contoso-swedencentral-gpt-4o-ptu')?.description, 'priority 1 · weight 100');
          assert.equal(items.find((i) => i.label === '$(server) fabrikam-japaneast')?.description, 'priority 2 · weight 67');
          return byLabel(items, '$(server) contoso-eastus2-gpt-4o')[0];
        }
        assert.equal(items.find((i) => i.label === '$(server) contoso-eastus2-gpt-4o')?.description, 'priority 2 · weight 40');
        return items[0]!.value;
      },
      member: (items) => byLabel(items, 'Change weight')[0],
      weight: () => '40',
      auth: (items) => {
        assert.deepEqual(items.filter((i) => i.picked).map((i) => i.label), [], 'Entra ID is the default: nothing is checked');
        return byLabel(items, 'fabrikam-japaneast');
      },
    }, [true]);
    api.setDiscoveryPrompter(ui);

    const outcome = await vscode.commands.executeCommand<DiscoveryOutcome | undefined>('aoaiPool.addBackendsFromAzure');
    assert.ok(outcome, `the command failed: ${JSON.stringify(ui.shown.map((s) => s.step.id))} (the error is in the log)`);
    assert.deepEqual(ui.shown.map((s) => s.step.id), ['subscriptions', 'deployments', 'proposal', 'member', 'weight', 'proposal', 'auth', 'confirm']);
    assert.deepEqual(outcome.apiKeyBackends, ['fabrikam-japaneast']);
    assert.equal(outcome.entraBackends.length, 5);
    const calls = await vscode.commands.executeCommand<{ provider: string; op: string; scopes: string[] }[]>('aoaiPoolTest.auth.calls');
    assert.ok(calls.some((c) => c.provider === 'microsoft-sovereign-cloud' && c.op === 'getSessions' && c.scopes.includes(`VSCODE_TENANT:${OTHER_TENANT}`)), JSON.stringify(calls));

    // Saved to the user's settings with the metadata; the key went to SecretStorage only.
    const saved = vscode.workspace.getConfiguration('aoaiPool').inspect<Record<string, unknown>[]>('backends')?.globalValue ?? [];
    assert.deepEqual(saved.map((b) => b.name), outcome.added);
    const ptu = saved.find((b) => b.name === 'contoso-swedencentral-gpt-4o-ptu')!;
    assert.equal(ptu.priority, undefined);
    assert.deepEqual(ptu.deployments, { 'gpt-4o': { deployment: 'gpt-4o-ptu', model: 'gpt-4o', modelVersion: '2024-11-20', sku: 'ProvisionedManaged', capacity: 100, contentFilter: 'Microsoft.DefaultV2', maxContextTokens: 128000, maxOutputTokens: 16384 } });
    assert.match(String(ptu.resourceId), /\/accounts\/contoso-swedencentral$/);
    assert.match(fabrikamKey, /^[0-9a-f]{32}$/);
    assert.ok(!JSON.stringify(saved).includes(fabrikamKey), 'a key reached the settings');
    await waitFor(() => api.snapshots().length === 6 && api.snapshots().find((s) => s.name === 'fabrikam-japaneast')?.status !== 'keyMissing', 'six backends, fabrikam with its key', api);

    // The tree warns on the alias whose members differ.
    const gpt4oRows = api.tree().flatMap((b) => b.children.filter((c) => c.label === 'gpt-4o'));
    assert.equal(gpt4oRows.length, 5);
    for (const row of gpt4oRows) {
      assert.equal(row.iconId, 'warning', JSON.stringify(row));
      assert.match(row.tooltip ?? '', /not interchangeable: model version differs/);
    }
    assert.equal(api.tree().flatMap((b) => b.children).find((c) => c.label === 'gpt-4o-mini')?.iconId === 'warning', false);

    // The pool serves: PTU first for gpt-4o, Entra for gpt-4o-mini.
    const { url, clientKey } = await startProxy(api);
    const r = await chat(url, clientKey, 'gpt-4o');
    assert.equal(r.status, 200, r.body);
    assert.equal(r.headers['x-aoai-pool-backend'], 'contoso-swedencentral-gpt-4o-ptu');
    const mini = await chat(url, clientKey, 'gpt-4o-mini');
    assert.equal(mini.status, 200, mini.body);
    const eastus2 = arm.backends.find((b) => b.name === 'contoso-eastus2')!;
    assert.match(String(eastus2.requests.at(-1)?.headers.authorization), /^Bearer \S+\.\S+\.test$/);

    // A probe reaches every backend: fabrikam with its key, westeurope is refused (no data-plane role).
    await vscode.commands.executeCommand('aoaiPool.probeBackends');
    const fabrikam = arm.backends.find((b) => b.name === 'fabrikam-japaneast')!;
    await waitFor(() => fabrikam.requests.some((q) => q.headers['api-key'] === fabrikamKey), 'fabrikam called with its key', api);
    await waitFor(() => api.roleHints().length > 0, 'the role hint', api);
    const hint = api.roleHints()[0]!;
    assert.equal(hint.backend, 'contoso-westeurope');
    assert.equal(hint.command, 'az role assignment create --assignee 0b5e5c1a-0000-4000-8000-00000000a11c --role "Cognitive Services OpenAI User" --scope /subscriptions/11111111-1111-4111-8111-111111111111/resourceGroups/rg-ai-legacy/providers/Microsoft.CognitiveServices/accounts/contoso-westeurope');
    assert.match(hint.message, /no data-plane role/);
  });
});
