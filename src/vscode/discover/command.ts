/**
 * "AOAI Pool: Add Backends from Azure…" (issue 11): sign in with VS Code's
 * Microsoft account, pick subscriptions (every tenant; remembered), see every
 * Azure OpenAI / AI Services deployment grouped by model, review the
 * proposed pool, choose Entra ID or keys per account, save. No endpoint,
 * deployment name or key is typed.
 */
import * as vscode from 'vscode';
import { validateConfig, type RawBackendConfig } from '../../core';
import {
  discoveryTable, dropMembers, editMember, propose, proposalTable, renameAlias, toRawBackends,
  type ArmTarget, type DiscoveredAccount, type Proposal, type Subscription,
} from '../../core/discovery';
import {
  ACTIONS, deploymentItems, describeSettingIssue, existingBackendFor, integerProblem, proposalItems, subscriptionItems,
  type SubscriptionChoice,
} from '../../core/view';
import { notify } from '../notify';
import { backendsAt, editBackends, readSettings, scopeOf } from '../settings';
import type { Shell } from '../shell';
import { ArmSession, currentCloud } from './armSession';
import { storeAccountKeys } from './keys';
import { prompter, type Prompter } from './prompts';

/** globalState key: the subscriptions picked last time. */
export const REMEMBERED_SUBSCRIPTIONS = 'aoaiPool.discovery.subscriptions';
const TITLE = 'AOAI Pool: Add Backends from Azure';
const ALIAS = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** What the command did; also its return value (tests, other extensions). */
export interface DiscoveryOutcome {
  added: string[];
  replaced: string[];
  apiKeyBackends: string[];
  entraBackends: string[];
}

export async function addBackendsFromAzure(shell: Shell): Promise<DiscoveryOutcome> {
  const ui = prompter();
  const session = new ArmSession(currentCloud());
  const who = await session.signIn();
  shell.log.info(`Add Backends from Azure: signed in to ${session.cloud.name} (${session.cloud.endpoint}) as ${who.account.label}`);
  const arm = await import('../../core/discovery/arm');

  const subscriptions = await pickSubscriptions(shell, ui, session, arm);
  const found = await withProgress('Listing Azure OpenAI and AI Services accounts…', (signal, report) => arm.discoverAccounts(session.target(signal), subscriptions, report));
  shell.log.info(`found in ${subscriptions.length} subscription(s):\n${discoveryTable(found)}`);
  if (!found.accounts.some((a) => a.deployments.length)) {
    const why = [...found.accounts.filter((a) => a.error).map((a) => `${a.name}: ${a.error}`), ...found.problems.map((p) => `${p.name ?? p.id}: ${p.message}`)];
    throw new Error(`No Azure OpenAI deployment found in ${subscriptions.map((s) => s.displayName).join(', ')}${why.length ? ` (${why.join('; ')})` : ''}`);
  }

  const existing = backendsAt('global');
  const selection = await ui.pickMany({ id: 'deployments', title: TITLE, placeholder: 'Check the deployments to pool (grouped by model)' }, deploymentItems(found, existing));
  if (selection.length === 0) throw new vscode.CancellationError();

  let proposal = propose(selection, existing.map((b) => b.name));
  // A deployment already in the pool keeps its backend's name, and its entry is replaced.
  const replaced: string[] = [];
  proposal = { ...proposal, members: proposal.members.map((m) => {
    const old = existingBackendFor(m, existing);
    if (!old || replaced.includes(old.name)) return m;
    replaced.push(old.name);
    return { ...m, backend: old.name };
  }) };
  proposal = await review(ui, proposal);
  shell.log.info(`proposed pool:\n${proposalTable(proposal)}`);

  const keyAccounts = await chooseKeyAccounts(ui, proposal);
  const backends = toRawBackends(proposal, { auth: (id) => (keyAccounts.has(id) ? 'apiKey' : 'entra') });
  const next = [...existing.filter((b) => !replaced.includes(b.name)), ...backends];
  const result = validateConfig({ ...readSettings().raw, backends: next }, { allowEmpty: true });
  if (!result.ok) throw new Error(`Not saved: ${result.errors.map(describeSettingIssue).join('; ')}`);

  const keyErrors = await storeKeys(shell, session.target(), proposal, backends, keyAccounts);
  await editBackends(() => next, 'global');
  const outcome: DiscoveryOutcome = {
    added: backends.map((b) => b.name),
    replaced,
    apiKeyBackends: backends.filter((b) => b.auth === 'apiKey').map((b) => b.name),
    entraBackends: backends.filter((b) => b.auth === 'entra').map((b) => b.name),
  };
  if (outcome.entraBackends.length && shell.auth.state !== 'signedIn' && shell.auth.state !== 'external') {
    // The data plane's token comes from EntraAuth's sign-in: make sure the new pool can use it now.
    await shell.auth.check();
    if (shell.auth.state === 'signedOut') await shell.auth.signIn().catch((e: unknown) => shell.log.warn(`Entra sign-in for the pool: ${(e as Error).message}`));
  }
  report(shell, proposal, outcome, keyErrors);
  return outcome;
}

async function pickSubscriptions(shell: Shell, ui: Prompter, session: ArmSession, arm: typeof import('../../core/discovery/arm')): Promise<Subscription[]> {
  const list = () => withProgress('Listing your Azure directories and subscriptions…', async (signal) => {
    const target = session.target(signal);
    const tenants = await arm.listTenants(target).catch((e: unknown) => {
      shell.log.warn(`cannot list directories (${(e as Error).message}); listing the home directory's subscriptions`);
      return [];
    });
    return { tenants, ...(await arm.listSubscriptions(target, tenants)) };
  });
  let listed = await list();
  for (;;) {
    const remembered = shell.memento.get<string[]>(REMEMBERED_SUBSCRIPTIONS);
    const items = subscriptionItems(listed.subscriptions, listed.tenants, listed.problems, remembered);
    if (!items.some((i) => i.value)) throw new Error(`Your account sees no Azure subscription in ${session.cloud.name}${listed.problems.length ? `: ${listed.problems.map((p) => p.message).join('; ')}` : ''}`);
    const picks: SubscriptionChoice[] = await ui.pickMany({ id: 'subscriptions', title: TITLE, placeholder: 'Subscriptions to look in (every directory your account can see)' }, items);
    const signIns = picks.flatMap((p) => (p.kind === 'signIn' ? [p.tenantId] : []));
    if (signIns.length) {
      for (const tid of signIns) await session.signInTenant(tid);
      listed = await list();
      continue;
    }
    const subs = picks.flatMap((p) => (p.kind === 'subscription' ? [p.subscription] : []));
    if (subs.length === 0) throw new vscode.CancellationError();
    await shell.memento.update(REMEMBERED_SUBSCRIPTIONS, subs.map((s) => s.subscriptionId));
    return subs;
  }
}

/** The proposal, shown until the user saves it: rename or merge aliases, change a member's priority or weight, leave one out. */
async function review(ui: Prompter, start: Proposal): Promise<Proposal> {
  let p = start;
  for (;;) {
    const action = await ui.pickOne({ id: 'proposal', title: `${TITLE}: proposed pool`, placeholder: 'Save it, or pick an alias or a backend to change it' }, proposalItems(p));
    if (action.kind === 'save') return p;
    if (action.kind === 'renameAlias') {
      const to = await ui.input({ id: 'alias', title: TITLE, placeholder: `New name for alias "${action.alias}" (an existing alias merges the two)` }, action.alias,
        (v) => (ALIAS.test(v.trim()) ? undefined : 'letters, digits, ".", "_", "-", up to 64, starting with a letter or digit'));
      p = renameAlias(p, action.alias, to);
      continue;
    }
    const member = p.members.find((m) => m.backend === action.backend)!;
    const what = await ui.pickOne({ id: 'member', title: `${TITLE}: ${member.backend}`, placeholder: `priority ${member.priority} · weight ${member.weight}` }, [
      { label: 'Change priority', description: 'lower numbers take traffic first', value: 'priority' as const },
      { label: 'Change weight', description: 'share within its priority group, 1-100', value: 'weight' as const },
      { label: 'Leave out of the pool', value: 'drop' as const },
    ]);
    if (what === 'drop') {
      p = dropMembers(p, new Set([member.backend]));
      if (p.members.length === 0) throw new vscode.CancellationError();
      continue;
    }
    const value = await ui.input({ id: what, title: `${TITLE}: ${member.backend}`, placeholder: `${what === 'priority' ? 'Priority' : 'Weight'} 1-100` }, String(member[what]), (v) => integerProblem(v, 1, 100, false, what === 'priority' ? 'Priority' : 'Weight'));
    p = editMember(p, member.backend, { [what]: Number(value) });
  }
}

/** Entra ID by default; keys only for the accounts checked here, and only after an explicit confirmation. */
async function chooseKeyAccounts(ui: Prompter, p: Proposal): Promise<Set<string>> {
  const accounts = uniqueAccounts(p);
  const checked = await ui.pickMany({ id: 'auth', title: `${TITLE}: authentication`, placeholder: 'Entra ID (your sign-in) for every account: press Enter. Check accounts that should use an API key instead.' },
    accounts.map((a) => ({ label: a.name, description: `${a.region} · ${a.kind}`, detail: 'checked: API key, fetched once with listKeys into VS Code SecretStorage', value: a.id })));
  if (checked.length === 0) return new Set();
  const names = accounts.filter((a) => checked.includes(a.id)).map((a) => a.name);
  const ok = await ui.confirm(`Fetch the API keys of ${names.join(', ')} from Azure?`,
    'AOAI Pool calls listKeys on these accounts once and keeps key 1 in VS Code SecretStorage, never in settings. Your account needs the listKeys permission (e.g. Cognitive Services Contributor).', 'Fetch Keys');
  return ok ? new Set(checked) : new Set();
}

async function storeKeys(shell: Shell, target: ArmTarget, p: Proposal, backends: RawBackendConfig[], keyAccounts: Set<string>): Promise<string[]> {
  const errors: string[] = [];
  for (const account of uniqueAccounts(p).filter((a) => keyAccounts.has(a.id))) {
    const names = new Set(p.members.filter((m) => m.account.id === account.id).map((m) => m.backend));
    try {
      await storeAccountKeys(shell, target, account, backends.filter((b) => names.has(b.name)));
    } catch (e) {
      errors.push(`${account.name}: ${shell.redactor.mask((e as Error).message)}`);
    }
  }
  return errors;
}

function uniqueAccounts(p: Proposal): DiscoveredAccount[] {
  return [...new Map(p.members.map((m) => [m.account.id, m.account])).values()];
}

function report(shell: Shell, p: Proposal, o: DiscoveryOutcome, keyErrors: string[]): void {
  const aliases = [...new Set(p.members.map((m) => m.alias))].map((a) => `${a} (${p.members.filter((m) => m.alias === a).length})`);
  const auth = [o.entraBackends.length ? `${o.entraBackends.length} with Entra ID` : '', o.apiKeyBackends.length ? `${o.apiKeyBackends.length} with an API key in SecretStorage` : ''].filter(Boolean).join(', ');
  const shadowed = scopeOf('backends') === 'workspace' ? ' This workspace sets its own aoaiPool.backends, which hides the user setting here.' : '';
  const warnings = p.warnings.length ? ` ${p.warnings.length} alias(es) mix members that differ: see the tree.` : '';
  const line = `Added ${o.added.length} backend(s) to your user settings${o.replaced.length ? ` (${o.replaced.length} replaced)` : ''}: ${aliases.join(', ')}; ${auth}.${warnings}${shadowed}`;
  shell.log.info(line);
  void vscode.window.showInformationMessage(`AOAI Pool: ${line}`);
  if (keyErrors.length) notify('warning', `AOAI Pool: could not fetch keys (${keyErrors.join('; ')}). Set them by hand for those backends.`, [ACTIONS.setApiKey]);
}

function withProgress<T>(title: string, fn: (signal: AbortSignal, report: (m: string) => void) => Promise<T>): Promise<T> {
  return Promise.resolve(vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, async (progress, token) => {
    const ac = new AbortController();
    const sub = token.onCancellationRequested(() => ac.abort());
    try {
      return await fn(ac.signal, (message) => progress.report({ message }));
    } catch (e) {
      if (ac.signal.aborted) throw new vscode.CancellationError();
      throw e;
    } finally {
      sub.dispose();
    }
  }));
}
