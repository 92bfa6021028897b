/** Resource Manager objects -> discovery data: TPM/RPM, token limits, endpoints, errors. */
import { describe, expect, it } from 'vitest';
import { accountEndpoint, armErrorText, isProvisioned, toDeployment } from '../../../src/core/discovery';

describe('toDeployment', () => {
  it('takes TPM and RPM from rateLimits (counts per renewal period), token limits from capabilities', () => {
    const d = toDeployment({
      name: 'x', sku: { name: 'GlobalStandard', capacity: 100 },
      properties: {
        model: { name: 'gpt-4o', version: '2024-11-20', format: 'OpenAI' }, raiPolicyName: 'strict', provisioningState: 'Succeeded',
        rateLimits: [{ key: 'request', renewalPeriod: 10, count: 55 }, { key: 'token', renewalPeriod: 60, count: 123_000 }],
        capabilities: { maxContextToken: '128000', maxOutputToken: '16384', chatCompletion: 'true' },
      },
    });
    expect(d).toEqual({
      name: 'x', model: 'gpt-4o', modelVersion: '2024-11-20', modelFormat: 'OpenAI', sku: 'GlobalStandard', capacity: 100, tpm: 123_000, rpm: 330,
      contentFilter: 'strict', maxContextTokens: 128_000, maxOutputTokens: 16_384, provisioningState: 'Succeeded',
    });
  });

  it('without rateLimits: a Standard SKU\'s TPM from capacity (1,000 per unit), a provisioned one\'s unknown; odd capabilities ignored', () => {
    expect(toDeployment({ name: 's', sku: { name: 'Standard', capacity: 80 } })).toMatchObject({ tpm: 80_000, rpm: undefined });
    expect(toDeployment({ name: 'p', sku: { name: 'ProvisionedManaged', capacity: 100 } })).toMatchObject({ tpm: undefined, capacity: 100 });
    expect(toDeployment({ name: 'c', properties: { scaleSettings: { capacity: 5 }, capabilities: { maxOutputToken: 'lots' } } })).toMatchObject({ capacity: 5, maxOutputTokens: undefined });
    expect(['ProvisionedManaged', 'GlobalProvisionedManaged', 'DataZoneProvisionedManaged'].every(isProvisioned)).toBe(true);
    expect(isProvisioned('GlobalStandard')).toBe(false);
  });
});

describe('accounts and errors', () => {
  it('prefers the Azure OpenAI endpoint of an AI Services account; origin only', () => {
    expect(accountEndpoint({ properties: { endpoint: 'https://x.cognitiveservices.azure.com/', endpoints: { 'OpenAI Language Model Instance API': 'https://x.openai.azure.com/' } } })).toBe('https://x.openai.azure.com');
    expect(accountEndpoint({ properties: { endpoint: 'https://y.openai.azure.com/' } })).toBe('https://y.openai.azure.com');
    expect(accountEndpoint({ properties: { endpoint: 'not a url' } })).toBeUndefined();
  });

  it('an SDK error reads "status code: message"', () => {
    expect(armErrorText(Object.assign(new Error('The client has no access.\nmore'), { statusCode: 403, code: 'AuthorizationFailed' }))).toBe('403 AuthorizationFailed: The client has no access.');
    expect(armErrorText(new Error('socket hang up'))).toBe('socket hang up');
  });
});
