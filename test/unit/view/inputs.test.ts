import { describe, expect, it } from 'vitest';
import {
  apiKeyProblem, apimServiceNameProblem, backendNameProblem, endpointInputProblem, integerProblem, normalizeEndpoint, parseDeployments, portProblem,
  suggestBackendName, tenantProblem,
} from '../../../src/core/view';

describe('Add Backend inputs', () => {
  it('checks endpoints with the core rules', () => {
    expect(endpointInputProblem('')).toMatch(/Enter the resource endpoint/);
    expect(endpointInputProblem('https://x.openai.azure.com')).toBeUndefined();
    expect(endpointInputProblem('http://x.openai.azure.com')).toMatch(/must use https/);
    expect(endpointInputProblem('https://x.openai.azure.com/openai/deployments')).toMatch(/without a path/);
    expect(endpointInputProblem('https://x.openai.azure.com/?api-key=abc')).toMatch(/must not carry a key/);
    expect(normalizeEndpoint(' https://x.openai.azure.com/ ')).toBe('https://x.openai.azure.com');
  });

  it('suggests the resource name, unique', () => {
    expect(suggestBackendName('https://my-res.openai.azure.com', [])).toBe('my-res');
    expect(suggestBackendName('https://my-res.openai.azure.com', ['MY-RES'])).toBe('my-res-2');
    expect(suggestBackendName('http://127.0.0.1:9000', [])).toBe('backend');
  });

  it('checks names: pattern and case-insensitive uniqueness', () => {
    expect(backendNameProblem('eastus', [])).toBeUndefined();
    expect(backendNameProblem('', [])).toMatch(/Enter a name/);
    expect(backendNameProblem('-x', [])).toMatch(/letters, digits/);
    expect(backendNameProblem('a/b', [])).toMatch(/letters, digits/);
    expect(backendNameProblem('EastUS', ['eastus'])).toMatch(/already exists/);
  });

  it('parses deployments as a list, a map, or nothing', () => {
    expect(parseDeployments('')).toEqual({ ok: true, value: undefined });
    expect(parseDeployments('gpt-4o, text-embedding-3-small')).toEqual({ ok: true, value: ['gpt-4o', 'text-embedding-3-small'] });
    expect(parseDeployments('gpt-4o=gpt-4o-prod, mini')).toEqual({ ok: true, value: { 'gpt-4o': 'gpt-4o-prod', mini: 'mini' } });
    expect(parseDeployments('a=b=c')).toMatchObject({ ok: false });
    expect(parseDeployments('gpt 4o!')).toMatchObject({ ok: false });
    expect(parseDeployments('x, X')).toMatchObject({ ok: false, message: '"X" is listed twice' });
  });

  it('checks numbers', () => {
    expect(integerProblem('1', 1, 100)).toBeUndefined();
    expect(integerProblem('', 1, 100)).toMatch(/whole number/);
    expect(integerProblem('', 1, 100, true)).toBeUndefined();
    expect(integerProblem('0', 1, 100)).toBe('It must be 1-100');
    // The message replaces the prompt: it names the field (issue 13, item 11).
    expect(integerProblem('500', 1, 100, false, 'Priority')).toBe('Priority must be 1-100');
    expect(integerProblem('x', 1, 100, true, 'Weight')).toBe('Weight: enter a whole number 1-100');
    expect(integerProblem('1.5', 1, 100)).toMatch(/whole number/);
    expect(portProblem('8788')).toBeUndefined();
    expect(portProblem('70000')).toMatch(/1-65535/);
  });
});

describe('secret and sign-in inputs', () => {
  it('checks API keys without echoing them', () => {
    expect(apiKeyProblem('0123456789abcdef0123456789abcdef')).toBeUndefined();
    expect(apiKeyProblem('')).toMatch(/Paste the key/);
    expect(apiKeyProblem('https://x.openai.azure.com')).toMatch(/endpoint/);
    expect(apiKeyProblem('abc def')).toMatch(/no spaces/);
    expect(apiKeyProblem('short')).toMatch(/too short/);
    for (const bad of ['x y z 0123456789abcdef', 'short1']) expect(apiKeyProblem(bad)).not.toContain(bad);
  });

  it('accepts a tenant id or domain', () => {
    expect(tenantProblem('')).toBeUndefined();
    expect(tenantProblem('72f988bf-86f1-41af-91ab-2d7cd011db47')).toBeUndefined();
    expect(tenantProblem('contoso.onmicrosoft.com')).toBeUndefined();
    expect(tenantProblem('not a tenant')).toMatch(/tenant id/);
  });

  it('checks APIM service names', () => {
    expect(apimServiceNameProblem('')).toBeUndefined();
    expect(apimServiceNameProblem('my-apim')).toBeUndefined();
    expect(apimServiceNameProblem('1apim')).toMatch(/starting with a letter/);
    expect(apimServiceNameProblem('a'.repeat(51))).toMatch(/At most 50/);
  });
});
