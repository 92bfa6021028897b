import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../../src/core/config';
import { generateApim } from '../../../src/core/generators';
import { apimRequest, editorLanguage } from '../../../src/core/view';
import { SIMULATED_BACKENDS, simulatedRawConfig } from '../../../src/core/simulator/demo';

describe('simulated pool config', () => {
  it('keeps the user pool options and replaces the backends', () => {
    const sims = SIMULATED_BACKENDS.map((b, i) => ({ name: b.name, url: `http://127.0.0.1:${9100 + i}` }));
    const raw = simulatedRawConfig({ port: 9999, maxAttempts: 2, backends: [{ name: 'real', endpoint: 'https://real.openai.azure.com' }] }, sims);
    const r = validateConfig(raw);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.config.port).toBe(9999);
    expect(r.config.maxAttempts).toBe(2);
    expect(r.config.backends.map((b) => [b.name, b.priority])).toEqual([['sim-1', 1], ['sim-2', 1], ['sim-3', 2]]);
    expect(r.config.backends[0]!.deployments).toEqual({ 'gpt-4o-mini': 'gpt-4o-mini', 'text-embedding-3-small': 'text-embedding-3-small' });
  });
});

describe('Generate APIM Pool inputs', () => {
  const r = validateConfig({
    apim: { serviceName: 'from-settings', tokensPerMinute: 1000 },
    backends: [
      { name: 'eastus', endpoint: 'https://eastus.openai.azure.com', keyVaultSecretUri: 'https://v.vault.azure.net/secrets/k' },
      { name: 'westus', endpoint: 'https://westus.openai.azure.com', auth: 'entra', priority: 2 },
    ],
  });
  if (!r.ok) throw new Error('invalid');

  it('folds the answers into the generator input', () => {
    const { config, options } = apimRequest(r.config, { serviceName: 'my-apim', tokensPerMinute: undefined, tokenMetrics: true, existingApi: false });
    expect(config.apim.serviceName).toBe('my-apim');
    expect(options).toEqual({ tokensPerMinute: undefined, tokenMetrics: true, existingApi: false, outDir: undefined });
    expect(apimRequest(r.config, { serviceName: undefined, tokensPerMinute: 5, tokenMetrics: false, existingApi: true }).config.apim.serviceName).toBe('from-settings');
  });

  it('drives the real generator: the three files the command opens', () => {
    const req = apimRequest(r.config, { serviceName: 'my-apim', tokensPerMinute: 2000, tokenMetrics: false, existingApi: false });
    const out = generateApim(req.config, req.options);
    expect(out.ok).toBe(true);
    if (!out.ok) return;
    expect(out.files.map((f) => f.path)).toEqual(expect.arrayContaining(['main.bicep', 'policy.xml', 'main.parameters.json']));
  });

  it('picks editor languages, falling back to plain text', () => {
    const langs = ['xml', 'json', 'plaintext'];
    expect(editorLanguage('main.bicep', langs)).toBe('plaintext');
    expect(editorLanguage('main.bicep', [...langs, 'bicep'])).toBe('bicep');
    expect(editorLanguage('policy.xml', langs)).toBe('xml');
    expect(editorLanguage('main.parameters.json', langs)).toBe('json');
    expect(editorLanguage('README', langs)).toBe('plaintext');
  });
});
