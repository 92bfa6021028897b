/**
 * What APIM will do differently from the local pool, or what the deployer
 * must still do by hand. Warnings never block generation; refusals live in
 * plan.ts.
 */
import type { PoolConfig } from '../config';
import type { ApimPlan } from './plan';

/** APIM documents that forward-request timeouts above 240 s "may not be honored". */
const APIM_SAFE_TIMEOUT_SEC = 240;

export function apimWarnings(config: PoolConfig, plan: ApimPlan): string[] {
  const w: string[] = [];
  const members = plan.members;
  const byName = new Map(config.backends.map((b) => [b.name, b]));

  const disabled = config.backends.filter((b) => !b.enabled).map((b) => b.name);
  if (disabled.length) w.push(`disabled backends are left out of the APIM pool: ${disabled.join(', ')}`);

  for (const r of plan.renamed) {
    w.push(
      r.why === 'invalid'
        ? `"${r.from}" is not a valid APIM name (letters, digits, hyphens; starts with a letter); it becomes "${r.to}"`
        : `"${r.from}" would clash with another APIM name (names compare case-insensitively); it becomes "${r.to}"`,
    );
  }

  const priorities = [...new Set(members.map((m) => m.priority))].sort((a, b) => a - b);
  if (priorities.length > 1) {
    w.push(
      `priority groups ${priorities.join(', ')}: APIM sends traffic to a lower-priority group only when the circuit breaker of every ` +
        'member in the higher groups has tripped; the local pool also falls back while members cool down or fail health probes',
    );
  }

  for (const p of priorities) {
    const group = members.filter((m) => m.priority === p);
    const without = group.filter((m) => m.weight === undefined);
    if (without.length > 0 && without.length < group.length) {
      const fill = byName.get(without[0]!.configName)?.weight;
      w.push(
        `priority ${p}: no weight on ${without.map((m) => m.configName).join(', ')} while the rest of the group has one; ` +
          `the local pool fills in ${fill ?? 'an equal share'}, APIM applies its own default; set every weight to make both agree`,
      );
    }
  }

  const kinds = new Set(members.map((m) => m.auth));
  if (kinds.size > 1) {
    w.push(
      'mixed api-key and Entra members: APIM picks the member after the policy runs, so the managed-identity token is sent to every member, ' +
        'and api-key members also get their key from the backend credentials; prefer one kind per pool',
    );
  }
  if (kinds.has('entra')) {
    w.push('the APIM service needs a system-assigned managed identity: the role assignments and authentication-managed-identity use it');
  }
  const vaults = [...new Set(members.flatMap((m) => (m.namedValue?.keyVaultSecretUri ? [new URL(m.namedValue.keyVaultSecretUri).host] : [])))];
  if (vaults.length) {
    w.push(`grant the APIM managed identity "Key Vault Secrets User" on ${vaults.join(', ')} before deploying; named values read the keys from there`);
  }
  for (const m of members) {
    const uri = m.namedValue?.keyVaultSecretUri;
    if (uri && /\/secrets\/[^/]+\/[^/]+$/.test(uri)) w.push(`"${m.configName}": the Key Vault secret URI names a version, so APIM will not pick up a rotated key`);
    if (m.namedValue?.secureParam) w.push(`"${m.configName}" has no keyVaultSecretUri: its key becomes a secret named value from the @secure() parameter ${m.namedValue.secureParam}`);
    if (/^http:/.test(m.endpoint)) w.push(`"${m.configName}" points at ${m.endpoint}, which APIM in Azure cannot reach`);
    const d = byName.get(m.configName)?.deployments;
    if (d && Object.entries(d).some(([alias, name]) => alias !== name)) {
      w.push(`"${m.configName}" maps model aliases to other deployment names; APIM forwards the deployment name unchanged`);
    }
  }
  const served = members.map((m) => byName.get(m.configName)?.deployments);
  if (served.some((d) => d !== undefined) && new Set(served.map((d) => (d ? Object.keys(d).sort().join(',') : '*'))).size > 1) {
    w.push('members serve different deployments; the APIM pool sends any deployment to any member, so a member without it answers 404');
  }

  if (members.length > config.maxAttempts) {
    w.push(`the local pool tries at most ${config.maxAttempts} backends per request; the APIM retry tries all ${members.length} members`);
  }
  if (members.length > 1) w.push('APIM retries only 429 and 503; other 5xx and connection errors go to the caller after tripping the breaker');
  if (config.healthProbe.intervalSec > 0) {
    w.push(`APIM has no active health probes: a tripped member returns after ${plan.breaker.tripDuration} or its Retry-After`);
  }
  w.push(`acceptRetryAfter honours the whole Retry-After of a 429; the local pool caps it at cooldown.maxSec (${config.cooldown.maxSec} s)`);
  if (plan.forwardTimeoutSec > APIM_SAFE_TIMEOUT_SEC) {
    w.push(`forward-request timeout is ${plan.forwardTimeoutSec} s (from the config's timeouts); APIM may not honour more than ${APIM_SAFE_TIMEOUT_SEC} s`);
  }
  if (!plan.existingApi && plan.apiPath.split('/').at(-1) !== 'openai') {
    w.push(`apiPath "${plan.apiPath}" does not end in "openai": SDK clients call <endpoint>/openai/..., which then reaches members as /openai/openai/...`);
  }
  w.push('circuit breakers are not available in the Consumption tier of API Management');
  if (plan.tokensPerMinute !== undefined) w.push('azure-openai-token-limit is not available in the Consumption tier');
  if (plan.tokenMetrics) w.push('azure-openai-emit-token-metric needs Application Insights integration with custom metrics enabled on the APIM service');
  return w;
}
