/** The APIM facts of issue 4, asserted on the generated text. */
import { describe, expect, it } from 'vitest';
import { validateConfig, type PoolConfig, type RawBackendConfig, type RawPoolConfig } from '../../../src/core/config';
import { generateApim, OPENAI_USER_ROLE_ID, type ApimOptions } from '../../../src/core/generators';
import { declaration, declarationOrder } from './helpers/bicepText';
import { childElements, findAll, parsePolicyXml, type XmlElement } from './helpers/policyXmlParser';

function config(backends: RawBackendConfig[], extra: Partial<RawPoolConfig> = {}): PoolConfig {
  const r = validateConfig({ backends, ...extra });
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.config;
}

function generate(cfg: PoolConfig, options: ApimOptions = {}) {
  const r = generateApim(cfg, options);
  if (!r.ok) throw new Error(r.errors.join('\n'));
  const file = (path: string) => r.files.find((f) => f.path === path)?.content ?? '';
  return { ...r, bicep: file('main.bicep'), policy: parsePolicyXml(file('policy.xml')), policyText: file('policy.xml'), file };
}

const kv = (n: string) => `https://kv.vault.azure.net/secrets/${n}`;
const rid = (n: string) => `/subscriptions/sub-1/resourceGroups/rg-${n}/providers/Microsoft.CognitiveServices/accounts/${n}`;
const be = (name: string, extra: Partial<RawBackendConfig> = {}): RawBackendConfig => ({
  name,
  endpoint: `https://${name}.openai.azure.com`,
  keyVaultSecretUri: kv(name),
  ...extra,
});
const classic = () => config([be('primary', { priority: 1 }), be('second', { priority: 2, weight: 50 }), be('third', { priority: 2, weight: 50 })]);
const only = (el: XmlElement, name: string) => {
  const all = findAll(el, name);
  expect(all, `exactly one <${name}>`).toHaveLength(1);
  return all[0]!;
};

describe('backends', () => {
  it('uses Microsoft.ApiManagement API version 2024-05-01 for every APIM resource, on an existing service', () => {
    const { bicep } = generate(classic());
    const types = [...bicep.matchAll(/'(Microsoft\.ApiManagement\/[^'@]+)@([^']+)'/g)];
    expect(types.length).toBeGreaterThan(5);
    for (const t of types) expect(t[2], t[1]).toBe('2024-05-01');
    expect(declaration(bicep, 'apim')).toMatch(/^resource apim 'Microsoft\.ApiManagement\/service@2024-05-01' existing = \{\n {2}name: apimServiceName\n\}$/);
  });

  it('gives each member url = endpoint + /openai, protocol http and exactly one breaker rule for 429 and 5xx', () => {
    const { bicep } = generate(config([be('a', { endpoint: 'https://a.openai.azure.com/' })]));
    const member = declaration(bicep, 'backendA');
    expect(member).toContain("url: 'https://a.openai.azure.com/openai'");
    expect(member).toContain("protocol: 'http'");
    expect(member.match(/failureCondition:/g)).toHaveLength(1);
    expect(member).toMatch(/min: 429\n\s+max: 429/);
    expect(member).toMatch(/min: 500\n\s+max: 599/);
    expect(member).toContain("tripDuration: 'PT10S'");
    expect(member).toContain('acceptRetryAfter: true');
  });

  it('builds one Pool that references members by id with priority, weight only when the config set one, and no url or protocol', () => {
    const { bicep } = generate(classic());
    const pool = declaration(bicep, 'pool');
    expect(pool).toContain("type: 'Pool'");
    expect(pool).not.toMatch(/^\s+(url|protocol):/m);
    const services = [...pool.matchAll(/\{\n\s+id: (\w+)\.id\n\s+priority: (\d+)(?:\n\s+weight: (\d+))?\n\s+\}/g)];
    expect(services.map((s) => [s[1], s[2], s[3]])).toEqual([
      ['backendPrimary', '1', undefined],
      ['backendSecond', '2', '50'],
      ['backendThird', '2', '50'],
    ]);
    expect(bicep).not.toMatch(/weight: 0\b/);
    expect(bicep.match(/type: 'Pool'/g)).toHaveLength(1);
  });

  it('leaves every weight out when no backend has one, even though the local pool fills them in', () => {
    const cfg = config([be('x'), be('y')]);
    expect(cfg.backends.every((b) => b.weight > 0)).toBe(true);
    expect(declaration(generate(cfg).bicep, 'pool')).not.toMatch(/^\s+weight:/m);
  });

  it('deploys named values before the members that use them, members before the pool, the pool before the policy', () => {
    const { bicep } = generate(classic());
    const order = declarationOrder(bicep);
    const at = (s: string) => order.indexOf(s);
    expect(at('namedValuePrimary')).toBeLessThan(at('backendPrimary'));
    expect(at('backendThird')).toBeLessThan(at('pool'));
    expect(at('pool')).toBeLessThan(at('apiPolicy'));
    expect(declaration(bicep, 'backendPrimary')).toMatch(/dependsOn: \[\n\s+namedValuePrimary\n\s+\]/);
    expect(declaration(bicep, 'pool')).toContain('id: backendPrimary.id');
    expect(declaration(bicep, 'apiPolicy')).toMatch(/dependsOn: \[\n\s+pool\n\s+\]/);
  });
});

describe('api keys', () => {
  it('reads a Key Vault backed named value as {{name}} in credentials.header api-key', () => {
    const { bicep } = generate(config([be('east')]));
    const nv = declaration(bicep, 'namedValueEast');
    expect(nv).toContain("name: 'east-api-key'");
    expect(nv).toContain('secret: true');
    expect(nv).toContain(`secretIdentifier: '${kv('east')}'`);
    expect(declaration(bicep, 'backendEast')).toMatch(/header: \{\n\s+'api-key': \[\n\s+'\{\{east-api-key\}\}'\n/);
  });

  it('turns a key without Key Vault into a @secure() parameter that az prompts for', () => {
    const g = generate(config([be('east', { keyVaultSecretUri: undefined })]));
    expect(g.bicep).toMatch(/@secure\(\)\nparam apiKeyEast string\n/);
    expect(declaration(g.bicep, 'namedValueEast')).toContain('value: apiKeyEast');
    expect(g.file('main.parameters.json')).not.toContain('apiKeyEast');
    expect(g.promptedParameters).toContain('apiKeyEast');
  });

  it('never reads an api key, and none appears in any output', () => {
    const canary = 'CANARY0123456789abcdef0123456789ab';
    const env = process.env;
    const reads: string[] = [];
    process.env = new Proxy({ ...env, AOAI_POOL_KEY_EAST: canary, AOAI_POOL_KEY_WEST: canary, MY_KEY: canary }, {
      get(target, key) {
        if (typeof key === 'string') reads.push(key);
        return Reflect.get(target, key);
      },
    });
    try {
      const cfg = config([be('east', { keyVaultSecretUri: undefined }), be('west'), be('other', { apiKeyEnv: 'MY_KEY', keyVaultSecretUri: undefined })]);
      reads.length = 0;
      const r = generateApim(cfg, {});
      expect(r.ok).toBe(true);
      const everything = JSON.stringify(r);
      expect(everything).not.toContain(canary);
      expect(reads.filter((k) => /KEY/.test(k))).toEqual([]);
    } finally {
      process.env = env;
    }
  });
});

describe('entra', () => {
  it('grants Cognitive Services OpenAI User to the APIM identity and authenticates with managed identity', () => {
    const g = generate(config([be('e1', { auth: 'entra', keyVaultSecretUri: undefined, resourceId: rid('e1') })]));
    const role = declaration(g.bicep, 'roleE1');
    expect(role).toContain("scope: resourceGroup('sub-1', 'rg-e1')");
    expect(role).toContain("accountName: 'e1'");
    expect(role).toContain('principalId: apim.identity.principalId');
    const mod = g.file('openaiUserRole.bicep');
    expect(mod).toContain(`'${OPENAI_USER_ROLE_ID}'`);
    expect(OPENAI_USER_ROLE_ID).toBe('5e0bd9bd-7b93-4f28-af87-19fc36ad61bd');
    expect(mod).toContain("principalType: 'ServicePrincipal'");
    expect(only(g.policy, 'authentication-managed-identity').attrs).toEqual({ resource: 'https://cognitiveservices.azure.com' });
    expect(g.bicep).not.toContain('namedValue');
  });

  it('asks for the resource id as a parameter instead of guessing it', () => {
    const g = generate(config([be('e2', { auth: 'entra', keyVaultSecretUri: undefined })]));
    expect(g.bicep).toMatch(/param resourceIdE2 string\n/);
    expect(declaration(g.bicep, 'roleE2')).toContain("scope: resourceGroup(split(resourceIdE2, '/')[2], split(resourceIdE2, '/')[4])");
    expect(g.promptedParameters).toEqual(['apimServiceName', 'resourceIdE2']);
  });

  it('drops the caller Authorization header when no member uses Entra', () => {
    const g = generate(classic());
    expect(findAll(g.policy, 'authentication-managed-identity')).toEqual([]);
    const deletes = findAll(g.policy, 'set-header').filter((h) => h.attrs['exists-action'] === 'delete').map((h) => h.attrs.name);
    expect(deletes).toEqual(['api-key', 'Authorization']);
    expect(g.file('openaiUserRole.bicep')).toBe('');
  });
});

describe('policy', () => {
  it('routes to the pool and retries 429/503 once per other member, fast, re-selecting the pool with a buffered body', () => {
    const g = generate(classic());
    const poolName = /name: '([^']+)'/.exec(declaration(g.bicep, 'pool'))![1];
    const inbound = only(g.policy, 'inbound');
    expect(childElements(inbound).find((e) => e.name === 'set-backend-service')?.attrs['backend-id']).toBe(poolName);
    const retry = only(g.policy, 'retry');
    expect(retry.attrs).toMatchObject({ count: '2', interval: '0', 'first-fast-retry': 'true' });
    expect(retry.attrs.condition).toMatch(/StatusCode == 429/);
    expect(retry.attrs.condition).toMatch(/StatusCode == 503/);
    const [select, forward] = childElements(retry);
    expect(select).toEqual({ name: 'set-backend-service', attrs: { 'backend-id': poolName }, children: [] });
    expect(forward?.name).toBe('forward-request');
    expect(forward?.attrs['buffer-request-body']).toBe('true');
    expect(forward?.attrs['buffer-response']).toBe('false');
  });

  it('has no retry for a single backend and never buffers the response', () => {
    const g = generate(config([be('solo')]));
    expect(findAll(g.policy, 'retry')).toEqual([]);
    expect(only(g.policy, 'forward-request').attrs['buffer-response']).toBe('false');
  });

  it.each([4, 30])('retries %i members with count members - 1', (n) => {
    const g = generate(config(Array.from({ length: n }, (_, i) => be(`m${i}`))));
    expect(only(g.policy, 'retry').attrs.count).toBe(String(n - 1));
  });

  it('answers a generic 503 in on-error that names neither the pool nor a member', () => {
    const g = generate(classic());
    const onError = only(g.policy, 'on-error');
    const status = findAll(onError, 'set-status')[0];
    expect(status?.attrs.code).toBe('503');
    const text = JSON.stringify(onError);
    for (const secret of ['aoai-pool', 'primary', 'second', 'third', 'openai.azure.com']) expect(text).not.toContain(secret);
  });

  it('adds the token limit and token metrics only when asked, options overriding the config', () => {
    const off = generate(classic());
    expect(findAll(off.policy, 'azure-openai-token-limit')).toEqual([]);
    expect(findAll(off.policy, 'azure-openai-emit-token-metric')).toEqual([]);
    const on = generate(classic(), { tokensPerMinute: 1234, tokenMetrics: true });
    expect(only(on.policy, 'azure-openai-token-limit').attrs).toMatchObject({ 'tokens-per-minute': '1234', 'estimate-prompt-tokens': 'false' });
    expect(findAll(only(on.policy, 'azure-openai-emit-token-metric'), 'dimension').length).toBeGreaterThan(0);
    const fromConfig = generate(config([be('x')], { apim: { tokensPerMinute: 99, tokenMetrics: true } }), { tokenMetrics: false });
    expect(only(fromConfig.policy, 'azure-openai-token-limit').attrs['tokens-per-minute']).toBe('99');
    expect(findAll(fromConfig.policy, 'azure-openai-emit-token-metric')).toEqual([]);
  });

  it('is loaded by the API policy resource as rawxml', () => {
    const { bicep } = generate(classic());
    expect(declaration(bicep, 'apiPolicy')).toContain("format: 'rawxml'");
    expect(declaration(bicep, 'apiPolicy')).toContain("value: loadTextContent('policy.xml')");
  });

  it('can attach to an existing API instead of creating one', () => {
    const g = generate(classic(), { existingApi: true });
    expect(declaration(g.bicep, 'api')).toMatch(/existing = \{/);
    expect(g.bicep).not.toContain('operationPost');
    expect(g.bicep).not.toContain('param apiPath');
  });
});

describe('refusals and warnings', () => {
  it('refuses more than 30 members, naming the limit', () => {
    const r = generateApim(config(Array.from({ length: 31 }, (_, i) => be(`m${i}`))), {});
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors.join('\n')).toMatch(/at most 30 backends in a pool/);
  });

  it('counts only enabled backends as members', () => {
    const backends = Array.from({ length: 31 }, (_, i) => be(`m${i}`, { enabled: i !== 0 }));
    const g = generate(config(backends));
    expect(declaration(g.bicep, 'pool').match(/id: /g)).toHaveLength(30);
    expect(g.warnings.join('\n')).toContain('disabled backends are left out of the APIM pool: m0');
  });

  it('refuses a pool with no enabled member and an invalid service name', () => {
    expect(generateApim(config([be('a', { enabled: false })]), {}).ok).toBe(false);
    const r = generateApim(config([be('a')], { apim: { serviceName: '1-bad' } }), {});
    expect(r.ok).toBe(false);
  });

  it('warns about priority fallback and mixed authentication', () => {
    const g = generate(config([be('k', { priority: 1 }), be('e', { priority: 2, auth: 'entra', keyVaultSecretUri: undefined })]));
    const text = g.warnings.join('\n');
    expect(text).toMatch(/lower-priority group only when the circuit breaker of every member/);
    expect(text).toMatch(/mixed api-key and Entra members/);
  });

  it('prints the az deployment line for the output directory', () => {
    const r = generateApim(classic(), { outDir: 'out dir/', resourceGroup: 'rg-apim' });
    expect(r.ok && r.deployCommand).toBe("az deployment group create --resource-group rg-apim --template-file 'out dir/main.bicep' --parameters 'out dir/main.parameters.json'");
  });

  it('is deterministic', () => {
    expect(JSON.stringify(generateApim(classic(), {}))).toBe(JSON.stringify(generateApim(classic(), {})));
  });
});
