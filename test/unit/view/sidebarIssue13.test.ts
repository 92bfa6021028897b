// Pure parts of issue 13's sidebar fixes: context keys for the palette, error
// buttons, confirmations, the APIM API name and the number picks.
import { describe, expect, it } from 'vitest';
import {
  ACTIONS, CONTEXT_KEYS, actionableError, apiKeyStoredMessage, apimApiName, backendAddedMessage, contextKeyValues, demoViewMessage, errorActions, priorityChoices, weightChoices,
} from '../../../src/core/view';
import type { PoolConfig } from '../../../src/core';

const b = (name: string, enabled = true, auth: 'apiKey' | 'entra' = 'apiKey') => ({ name, endpoint: `https://${name}.openai.azure.com`, enabled, auth });

describe('contextKeyValues (item 9)', () => {
  it('offers nothing per backend without backends', () => {
    expect(Object.values(contextKeyValues({ backends: [], simulated: [], hasKey: () => false })).some(Boolean)).toBe(false);
  });

  it('offers Enable only while one is disabled, Clear API Key only while a key is stored', () => {
    const v = contextKeyValues({ backends: [b('east'), b('west', true, 'entra')], simulated: [], hasKey: (n) => n === 'east' });
    expect(v).toEqual({
      [CONTEXT_KEYS.hasBackends]: true, [CONTEXT_KEYS.hasEnabledBackend]: true, [CONTEXT_KEYS.hasDisabledBackend]: false,
      [CONTEXT_KEYS.hasApiKeyBackend]: true, [CONTEXT_KEYS.hasStoredKey]: true,
    });
    expect(contextKeyValues({ backends: [b('east', false)], simulated: [], hasKey: () => false })[CONTEXT_KEYS.hasDisabledBackend]).toBe(true);
  });

  it('counts the demo backends for Enable and Disable (item 14), not as settings backends', () => {
    const v = contextKeyValues({ backends: [], simulated: [{ enabled: false }], hasKey: () => false });
    expect(v[CONTEXT_KEYS.hasDisabledBackend]).toBe(true);
    expect(v[CONTEXT_KEYS.hasBackends]).toBe(false);
  });
});

describe('errorActions (item 10)', () => {
  it('puts the error\'s own buttons first and Show Log last, once', () => {
    expect(errorActions(actionableError('x', 'startProxy', 'showLog')).map((a) => a.label)).toEqual(['Start Proxy', 'Show Log']);
    expect(errorActions(new Error('plain'))).toEqual([ACTIONS.showLog]);
    expect(errorActions('not an error')).toEqual([ACTIONS.showLog]);
  });
});

describe('confirmations (item 4)', () => {
  it('says what happened, and during the demo that it hides the pool', () => {
    expect(backendAddedMessage('east', 'global', 'stored', false)).toBe('AOAI Pool: added backend "east" to your user settings. Its API key is in VS Code SecretStorage.');
    expect(backendAddedMessage('east', 'workspace', 'missing', true)).toMatch(/this workspace's settings\. It needs an API key.*demo is showing instead of your pool: stop the demo/);
    expect(apiKeyStoredMessage('east', false)).not.toMatch(/demo/);
    expect(demoViewMessage(0)).toMatch(/no backends of your own/);
    expect(demoViewMessage(2)).toMatch(/your 2 backends show again/);
  });
});

describe('APIM and Add Backend inputs (items 6 and 11)', () => {
  it('offers the API name the generator writes', () => {
    expect(apimApiName({ apim: {} } as PoolConfig)).toBe('aoai-pool');
    expect(apimApiName({ apim: { apiName: 'mine' } } as PoolConfig)).toBe('mine');
  });

  it('offers priority and weight picks ending with a custom entry', () => {
    expect(priorityChoices().map((c) => c.value)).toEqual(['1', '2', '3', undefined]);
    expect(weightChoices()[0]).toMatchObject({ label: 'Equal share', value: '' });
    expect(weightChoices().at(-1)?.value).toBeUndefined();
  });
});
