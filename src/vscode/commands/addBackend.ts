/**
 * "Add Backend": endpoint, name, auth, deployments, priority, weight and
 * where to save, each validated as you type with the core's own rules; then
 * the key for an api-key backend. Called with a backend object (tests), it
 * validates that and saves it without asking.
 */
import * as vscode from 'vscode';
import { validateConfig, type RawBackendConfig } from '../../core';
import {
  ACTIONS, backendAddedMessage, backendNameProblem, describeSettingIssue, endpointInputProblem, integerProblem, normalizeEndpoint, parseDeployments, priorityChoices, rawIdentity, suggestBackendName, weightChoices,
  type NumberChoice,
  type SettingScope,
} from '../../core/view';
import { isCancellation } from '../errors';
import { notify } from '../notify';
import { InputFlow } from '../quickInput';
import { backendsAt, editBackends, readSettings, scopeOf } from '../settings';
import type { Shell } from '../shell';
import { storeApiKey } from './backends';

export async function addBackend(shell: Shell, arg?: unknown, scopeArg?: unknown): Promise<void> {
  if (arg && typeof arg === 'object' && !('kind' in arg)) {
    const raw = arg as RawBackendConfig;
    const scope = scopeArg === 'workspace' ? 'workspace' : 'global';
    await save(shell, raw, scope);
    announce(shell, raw, scope, raw.auth === 'entra' ? 'entra' : shell.secrets.hasApiKey(raw.name, raw.endpoint) ? 'stored' : 'missing');
    return;
  }
  const existing = [...backendsAt('global'), ...backendsAt('workspace')].map((b) => b.name);
  const hasWorkspace = !!vscode.workspace.workspaceFolders?.length;
  const flow = new InputFlow('AOAI Pool: Add Backend', hasWorkspace ? 7 : 6);
  const a = { endpoint: '', name: '', auth: 'apiKey' as 'apiKey' | 'entra', deployments: '', priority: '1', weight: '', scope: 'global' as SettingScope };

  await flow.run([
    async () => {
      a.endpoint = normalizeEndpoint(await flow.text({
        prompt: 'Endpoint of the Azure OpenAI resource (Azure portal > Keys and Endpoint)',
        placeholder: 'https://my-resource.openai.azure.com',
        value: a.endpoint,
        validate: endpointInputProblem,
      }));
    },
    async () => {
      a.name = await flow.text({
        prompt: 'A short unique name: shown in the tree and the log',
        value: a.name || suggestBackendName(a.endpoint, existing),
        validate: (v) => backendNameProblem(v.trim(), existing),
      });
    },
    async () => {
      const items = [
        { label: 'API key', description: 'kept in VS Code SecretStorage', auth: 'apiKey' as const },
        { label: 'Microsoft Entra ID', description: 'a token of your Azure sign-in (needs the "Cognitive Services OpenAI User" role)', auth: 'entra' as const },
      ];
      a.auth = (await flow.pick('How the pool authenticates to this resource', items, items.find((i) => i.auth === a.auth))).auth;
    },
    async () => {
      a.deployments = await flow.text({
        prompt: 'Deployments it serves, comma-separated; alias=deployment maps a model name to another deployment. Empty: any deployment name as it is.',
        placeholder: 'gpt-4o, text-embedding-3-small',
        value: a.deployments,
        validate: (v) => {
          const p = parseDeployments(v);
          return p.ok ? undefined : p.message;
        },
      });
    },
    async () => {
      a.priority = await pickNumber(flow, 'Priority group: lower numbers take traffic first', priorityChoices(), a.priority, (v) => integerProblem(v, 1, 100, false, 'Priority'));
    },
    async () => {
      a.weight = await pickNumber(flow, 'Weight within its priority group: its share of the traffic', weightChoices(), a.weight, (v) => integerProblem(v, 1, 100, true, 'Weight'));
    },
    async () => {
      if (!hasWorkspace) return false;
      const effective = scopeOf('backends');
      const items = [
        { label: 'User settings', description: 'every window', scope: 'global' as const },
        { label: 'Workspace settings', description: 'this workspace only', scope: 'workspace' as const },
      ];
      // A workspace list replaces the user list (arrays do not merge), so default to where the list lives.
      a.scope = (await flow.pick(`Save to${effective === 'workspace' ? ' (this workspace already has its own aoaiPool.backends)' : ''}`, items, items.find((i) => i.scope === effective))).scope;
      return undefined;
    },
  ]);

  const deployments = parseDeployments(a.deployments);
  const backend: RawBackendConfig = {
    name: a.name,
    endpoint: a.endpoint,
    ...(a.auth === 'entra' ? { auth: 'entra' as const } : {}),
    ...(deployments.ok && deployments.value ? { deployments: deployments.value } : {}),
    ...(a.priority !== '1' ? { priority: Number(a.priority) } : {}),
    ...(a.weight ? { weight: Number(a.weight) } : {}),
  };
  await save(shell, backend, a.scope, true);
  if (backend.auth === 'entra') {
    if (shell.auth.state === 'signedOut' || shell.auth.state === 'unknown') await shell.auth.check();
    if (shell.auth.state === 'signedOut') await shell.auth.signIn();
    announce(shell, backend, a.scope, 'entra');
  } else {
    // Esc here keeps the backend; the tree shows "API key missing" with a Set API Key action.
    const stored = await storeApiKey(shell, a.name, a.endpoint).then(() => true, (e: unknown) => {
      if (!isCancellation(e)) throw e;
      return false;
    });
    announce(shell, backend, a.scope, stored ? 'stored' : 'missing');
  }
}

/** A number as picks with a "Custom…" entry that asks for any value (issue 13, item 11). */
async function pickNumber(flow: InputFlow, title: string, choices: NumberChoice[], current: string, validate: (v: string) => string | undefined): Promise<string> {
  const active = choices.find((c) => c.value === current) ?? choices.at(-1);
  const pick = await flow.pick(title, choices, active);
  if (pick.value !== undefined) return pick.value;
  return flow.text({ prompt: `${title}: a whole number 1-100`, value: current, validate });
}

/** Issue 13, item 4: one confirmation per Add Backend; during the demo it says the real pool is hidden. */
function announce(shell: Shell, backend: RawBackendConfig, scope: SettingScope, key: 'stored' | 'missing' | 'entra'): void {
  const demo = shell.controller.current.simulated;
  notify('info', backendAddedMessage(backend.name, scope, key, demo), demo ? [ACTIONS.stopDemo] : key === 'missing' ? [{ ...ACTIONS.setApiKey, args: [backend.name] }] : []);
}

/**
 * Validates the whole pool with the new backend (duplicate names, keys pasted
 * as env names...) before writing. `typedByUser`: the user just entered this
 * endpoint, so in workspace settings it needs no separate approval; a backend
 * handed over by code (another extension) does.
 */
async function save(shell: Shell, backend: RawBackendConfig, scope: SettingScope, typedByUser = false): Promise<void> {
  const list = [...backendsAt(scope), backend];
  const result = validateConfig({ ...readSettings().raw, backends: list }, { allowEmpty: true });
  if (!result.ok) {
    const mine = result.errors.filter((e) => e.path.startsWith(`backends[${list.length - 1}]`));
    throw new Error(`Not added: ${(mine.length ? mine : result.errors).map(describeSettingIssue).join('; ')}`);
  }
  const id = rawIdentity(backend);
  if (typedByUser && scope === 'workspace' && id) await shell.approval.approve([id]);
  await editBackends((current) => [...current, backend], scope);
  shell.log.info(`added backend ${backend.name} (${backend.endpoint}) to the ${scope === 'global' ? 'user' : 'workspace'} settings`);
}
