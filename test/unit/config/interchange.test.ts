/** Interchangeability of an alias's members, and how `validateConfig` reports it. */
import { describe, expect, it } from 'vitest';
import { interchangeabilityWarnings, skuFamily, validateConfig, type AliasMember } from '../../../src/core/config';

const m = (backend: string, info: Partial<AliasMember['info']> = {}, alias = 'gpt-4o'): AliasMember => ({ backend, alias, info: { deployment: 'd', ...info } });

describe('interchangeabilityWarnings', () => {
  it('is quiet when members agree, or when a field is unknown on one side', () => {
    expect(interchangeabilityWarnings([m('a', { model: 'gpt-4o', modelVersion: '1' }), m('b', { model: 'gpt-4o', modelVersion: '1' }), m('c', {})])).toEqual([]);
  });

  it('names each differing field with the backends on each side', () => {
    const [w] = interchangeabilityWarnings([
      m('a', { model: 'gpt-4o', modelVersion: '2024-08-06', contentFilter: 'Microsoft.DefaultV2', maxOutputTokens: 16384, sku: 'Standard' }),
      m('b', { model: 'gpt-4o', modelVersion: '2024-11-20', contentFilter: 'custom', maxOutputTokens: 4096, sku: 'GlobalBatch' }),
      m('c', { model: 'gpt-4o-mini' }),
    ]);
    expect(w!.alias).toBe('gpt-4o');
    expect(w!.differences).toEqual([
      { field: 'model', values: [{ value: 'gpt-4o', backends: ['a', 'b'] }, { value: 'gpt-4o-mini', backends: ['c'] }] },
      { field: 'modelVersion', values: [{ value: '2024-08-06', backends: ['a'] }, { value: '2024-11-20', backends: ['b'] }] },
      { field: 'skuFamily', values: [{ value: 'Standard/Provisioned', backends: ['a'] }, { value: 'Batch', backends: ['b'] }] },
      { field: 'contentFilter', values: [{ value: 'Microsoft.DefaultV2', backends: ['a'] }, { value: 'custom', backends: ['b'] }] },
      { field: 'maxOutputTokens', values: [{ value: '16384', backends: ['a'] }, { value: '4096', backends: ['b'] }] },
    ]);
  });

  it('treats PTU and pay-as-you-go as one SKU family (spillover), batch and developer as others', () => {
    expect(['Standard', 'GlobalStandard', 'DataZoneStandard', 'ProvisionedManaged', 'GlobalProvisionedManaged', 'DataZoneProvisionedManaged'].map(skuFamily))
      .toEqual(Array(6).fill('Standard/Provisioned'));
    expect(skuFamily('GlobalBatch')).toBe('Batch');
    expect(skuFamily('DataZoneBatch')).toBe('Batch');
    expect(skuFamily('DeveloperTier')).toBe('Developer');
  });

  it('compares members of the same alias only', () => {
    expect(interchangeabilityWarnings([m('a', { modelVersion: '1' }, 'x'), m('b', { modelVersion: '2' }, 'y')])).toEqual([]);
  });
});

describe('validateConfig with deployment metadata', () => {
  const backend = (name: string, deployments: unknown, extra: Record<string, unknown> = {}) => ({ name, endpoint: `https://${name}.openai.azure.com`, auth: 'entra', deployments, ...extra });

  it('keeps deployments as alias -> name and the metadata in deploymentInfo; old forms give {}', () => {
    const r = validateConfig({ backends: [
      backend('a', { 'gpt-4o': { deployment: 'prod', model: 'gpt-4o', tpm: 1000 }, plain: 'p' }, { region: 'eastus', kind: 'AIServices' }),
      backend('b', ['x']),
      backend('c', undefined),
    ] });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const [a, b, c] = r.config.backends;
    expect(a!.deployments).toEqual({ 'gpt-4o': 'prod', plain: 'p' });
    expect(a!.deploymentInfo).toEqual({ 'gpt-4o': { deployment: 'prod', model: 'gpt-4o', tpm: 1000 } });
    expect([a!.region, a!.kind]).toEqual(['eastus', 'AIServices']);
    expect(b!.deploymentInfo).toEqual({});
    expect(c!.deploymentInfo).toEqual({});
  });

  it('warns (does not refuse) when an alias mixes model versions; disabled members do not count', () => {
    const two = [backend('a', { m: { deployment: 'x', modelVersion: '1' } }), backend('b', { m: { deployment: 'y', modelVersion: '2' } })];
    const r = validateConfig({ backends: two });
    expect(r.ok).toBe(true);
    expect(r.warnings).toEqual([{ path: 'backends[0].deployments.m', message: expect.stringContaining('model version differs (1 on a; 2 on b)') }]);
    expect(validateConfig({ backends: [two[0], { ...two[1], enabled: false }] }).warnings).toEqual([]);
  });

  it('names the deepest wrong field of a metadata object, with a fix, and refuses a key pasted into it', () => {
    const bad = (info: unknown) => validateConfig({ backends: [backend('a', { m: info })] });
    expect(bad({ deployment: 'x', capacity: -1 })).toMatchObject({ ok: false, errors: [{ path: 'backends[0].deployments.m.capacity', message: 'must be an integer 0-100000000 (got -1)' }] });
    expect(bad({ deployment: 'x', modle: 'gpt' })).toMatchObject({ ok: false, errors: [{ path: 'backends[0].deployments.m.modle', message: expect.stringContaining('did you mean "model"?') }] });
    expect(bad({ model: 'gpt' })).toMatchObject({ ok: false, errors: [{ path: 'backends[0].deployments.m.deployment', message: expect.stringMatching(/^is required/) }] });
    const key = bad({ deployment: 'x', apiKey: '0123456789abcdef0123456789abcdef' });
    expect(key).toMatchObject({ ok: false, errors: [{ path: 'backends[0].deployments.m.apiKey', message: expect.stringMatching(/^refused: keys never live in the config/) }] });
    expect(JSON.stringify(key)).not.toContain('0123456789abcdef0123456789abcdef');
    expect(validateConfig({ backends: [backend('a', undefined, { kind: 'Speech' })] })).toMatchObject({ ok: false, errors: [{ path: 'backends[0].kind', message: expect.stringMatching(/^must be one of "OpenAI", "AIServices"/) }] });
  });
});
