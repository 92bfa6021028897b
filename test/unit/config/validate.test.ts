import { describe, expect, it } from 'vitest';
import { formatIssue, parseConfigText, validateConfig } from '../../../src/core/config';

const ok = (raw: unknown) => {
  const r = validateConfig(raw);
  if (!r.ok) throw new Error(r.errors.map(formatIssue).join('\n'));
  return r.config;
};
const errors = (raw: unknown) => {
  const r = validateConfig(raw);
  if (r.ok) throw new Error('expected errors');
  return r.errors.map(formatIssue);
};

describe('config validation', () => {
  it('accepts the documented example and fills defaults', () => {
    const c = ok({
      port: 8787,
      backends: [
        { name: 'openai1', endpoint: 'https://openai1.openai.azure.com', priority: 1, auth: 'apiKey', apiKeyEnv: 'AOAI_KEY_OPENAI1', deployments: { 'gpt-4o': 'gpt-4o-prod' } },
        { name: 'openai2', endpoint: 'https://openai2.openai.azure.com/', priority: 2, weight: 50, auth: 'entra', deployments: ['gpt-4o'] },
      ],
    });
    expect(c.host).toBe('127.0.0.1');
    expect(c.backends[0]!.deployments).toEqual({ 'gpt-4o': 'gpt-4o-prod' });
    expect(c.backends[1]!.deployments).toEqual({ 'gpt-4o': 'gpt-4o' });
    expect(c.backends[1]!.endpoint).toBe('https://openai2.openai.azure.com');
    expect(c.backends[0]!.weight).toBe(1);
  });

  it('derives AOAI_POOL_KEY_<NAME> upper-cased with non-alphanumerics as _', () => {
    const c = ok({ backends: [{ name: 'east-us.2', endpoint: 'https://a.openai.azure.com' }] });
    expect(c.backends[0]!.apiKeyEnv).toBe('AOAI_POOL_KEY_EAST_US_2');
  });

  it('gives a missing weight the mean of its group, so "default equal" holds next to explicit weights', () => {
    const c = ok({ backends: [
      { name: 'a', endpoint: 'https://a.openai.azure.com', weight: 30 },
      { name: 'b', endpoint: 'https://b.openai.azure.com', weight: 70 },
      { name: 'c', endpoint: 'https://c.openai.azure.com' },
      { name: 'd', endpoint: 'https://d.openai.azure.com', priority: 2 },
    ] });
    expect(c.backends.map((b) => [b.weight, b.weightExplicit])).toEqual([[30, true], [70, true], [50, false], [1, false]]);
  });

  it('reports every problem at once, each with its path and a fix', () => {
    const e = errors({ port: 99999, backends: [
      { name: 'a', endpoint: 'https://a.openai.azure.com', weight: 0 },
      { name: 'A', endpoint: 'http://b.example.com', priorty: 2 },
      { name: 'c', endpoint: 'not a url', deployments: ['ok', 'bad name'] },
    ] });
    expect(e).toEqual(expect.arrayContaining([
      'port: must be an integer port 0-65535 (got 99999)',
      'backends[0].weight: must be an integer 1-100 (got 0)',
      expect.stringMatching(/^backends\[1\]\.priorty: unknown field; did you mean "priority"\?/),
      expect.stringMatching(/^backends\[1\]\.name: "A" is already the name of backends\[0\]/),
      expect.stringMatching(/^backends\[1\]\.endpoint: must use https .*"https:\/\/b\.example\.com"/),
      expect.stringMatching(/^backends\[2\]\.endpoint: "not a url" is not a URL/),
      expect.stringMatching(/^backends\[2\]\.deployments: must be a map/),
    ]));
    expect(e).toHaveLength(7);
  });

  it('refuses a literal key with a message saying where keys go, without echoing it', () => {
    const key = '0123456789abcdef0123456789abcdef';
    for (const field of ['apiKey', 'key', 'api-key', 'secret']) {
      const e = errors({ backends: [{ name: 'a', endpoint: 'https://a.openai.azure.com', [field]: key }] });
      expect(e[0]).toMatch(/keys never live in the config.*AOAI_POOL_KEY_<NAME>.*Set API Key/);
      expect(e.join()).not.toContain(key);
    }
    const e = errors({ backends: [{ name: 'a', endpoint: 'https://a.openai.azure.com', apiKeyEnv: key }] });
    expect(e.join()).toMatch(/looks like a key/);
    expect(e.join()).not.toContain(key);
    expect(errors({ backends: [{ name: 'a', endpoint: `https://a.openai.azure.com/?api-key=${key}` }] }).join()).not.toContain(key);
  });

  it('allows plain http only for loopback simulators, and no paths', () => {
    ok({ backends: [{ name: 'a', endpoint: 'http://127.0.0.1:5000' }, { name: 'b', endpoint: 'http://localhost:5001' }] });
    expect(errors({ backends: [{ name: 'a', endpoint: 'https://a.openai.azure.com/openai' }] })[0]).toContain('use "https://a.openai.azure.com"');
    expect(errors({ backends: [{ name: 'a', endpoint: 'ftp://a.example' }] })[0]).toContain('https');
  });

  it('refuses an empty pool unless asked not to, and never crashes on junk', () => {
    expect(errors({ backends: [] })[0]).toMatch(/^backends: the pool is empty/);
    expect(validateConfig({ backends: [] }, { allowEmpty: true }).ok).toBe(true);
    for (const junk of [null, 42, 'x', [], { backends: 'x' }, { backends: [null, 1, 'x'] }, {}]) {
      const r = validateConfig(junk);
      expect(r.ok).toBe(false);
    }
    expect(errors({})[0]).toMatch(/^backends: is required/);
  });

  it('warns about a non-loopback host and all-disabled pools', () => {
    const r = validateConfig({ host: '0.0.0.0', backends: [{ name: 'a', endpoint: 'https://a.openai.azure.com', enabled: false }] });
    expect(r.ok).toBe(true);
    expect(r.warnings.map(formatIssue).join('\n')).toMatch(/host: listening on 0\.0\.0\.0 exposes/);
    expect(r.warnings.map(formatIssue).join('\n')).toMatch(/every backend is disabled/);
  });

  it('parses JSON with comments and reports syntax errors with line:column', () => {
    expect(parseConfigText('// pool\n{"backends": [{"name": "a", "endpoint": "https://a.openai.azure.com"},]}').ok).toBe(true);
    const r = parseConfigText('{\n  "backends": [\n    {"name": "a" "endpoint": "x"}\n  ]\n}');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(formatIssue(r.errors[0]!)).toMatch(/^line 3:18: comma expected/);
  });
});
