import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../../src/core/config';
import { modelSourcesOf, namedChatModels, poolChatModels, type ModelSource } from '../../../src/core/lm';

const backend = (name: string, deployments: Record<string, string> | undefined, extra: Partial<ModelSource> = {}): ModelSource =>
  ({ name, enabled: true, deployments, ...extra });

describe('pool aliases -> language models', () => {
  it('lists chat aliases of enabled backends once, sorted, and leaves out embeddings, audio, images and Responses-only models', () => {
    const models = poolChatModels([
      backend('east', { 'gpt-4o': 'gpt-4o-prod', 'text-embedding-3-small': 'emb', whisper: 'whisper', 'gpt-5-codex': 'codex' }, { priority: 1 }),
      backend('west', { 'gpt-4o': 'gpt-4o-west', 'my-chat': 'team-chat' }, { priority: 2 }),
      backend('off', { 'gpt-4.1': 'x' }, { enabled: false }),
      backend('any', undefined),
    ]);
    expect(models.map((m) => m.id)).toEqual(['gpt-4o', 'my-chat']);
    expect(models[0]).toMatchObject({ name: 'gpt-4o', family: 'gpt-4o', maxInputTokens: 128_000 - 16_384, maxOutputTokens: 16_384, imageInput: true, toolCalling: true, limitsFrom: 'family' });
    expect(models[0]!.tooltip).toContain('served by east (priority 1), west (priority 2)');
    // Unknown name: a chat model with the documented default.
    expect(models[1]).toMatchObject({ family: 'unknown', maxInputTokens: 128_000 - 4_096, maxOutputTokens: 4_096, imageInput: false, limitsFrom: 'default' });
  });

  it('recognises families in model, alias or deployment names, most specific first', () => {
    const one = (alias: string, deployment = alias) => poolChatModels([backend('b', { [alias]: deployment })])[0];
    expect(one('gpt-4o-mini')).toMatchObject({ family: 'gpt-4o-mini', maxOutputTokens: 16_384 });
    expect(one('chat', 'prod-gpt-4.1-mini')).toMatchObject({ family: 'gpt-4.1', maxInputTokens: 300_000 - 32_768 });
    expect(one('gpt-5-mini')).toMatchObject({ family: 'gpt-5-mini', maxInputTokens: 272_000 });
    expect(one('gpt-5.1-chat')).toMatchObject({ family: 'gpt-5-chat', maxInputTokens: 111_616 });
    expect(one('gpt-5.4')).toMatchObject({ family: 'gpt-5', maxInputTokens: 922_000 });
    expect(one('o3-mini')).toMatchObject({ family: 'o3-mini', imageInput: false, maxOutputTokens: 100_000 });
    expect(one('o1-mini')).toMatchObject({ toolCalling: false });
    expect(one('gpt-35-turbo')).toMatchObject({ family: 'gpt-35-turbo', maxInputTokens: 16_385 - 4_096 });
    expect(one('gpt-4o-prod')).toMatchObject({ family: 'gpt-4o' });
    expect(one('o3-pro')).toBeUndefined();
  });

  it('takes the deployment metadata over the family defaults, and the smallest limit any backend reports', () => {
    const models = poolChatModels([
      backend('east', { chat: 'a' }, { deploymentInfo: { chat: { model: 'gpt-4o', modelVersion: '2024-11-20', maxContextTokens: 100_000, maxOutputTokens: 8_000 } } }),
      backend('west', { chat: 'b' }, { deploymentInfo: { chat: { model: 'gpt-4o', maxContextTokens: 64_000 } } }),
    ]);
    expect(models[0]).toMatchObject({ id: 'chat', family: 'gpt-4o', version: '2024-11-20', maxInputTokens: 64_000 - 8_000, maxOutputTokens: 8_000, limitsFrom: 'deployment' });
  });

  it('uses the model name from metadata, the version and the sku where the limits depend on them', () => {
    const with_ = (meta: Record<string, unknown>) => poolChatModels([backend('b', { chat: 'd' }, { deploymentInfo: { chat: meta } })])[0];
    expect(with_({ model: 'gpt-4o', modelVersion: '2024-05-13' })).toMatchObject({ maxOutputTokens: 4_096 });
    expect(with_({ model: 'gpt-4.1', sku: 'ProvisionedManaged' })).toMatchObject({ maxInputTokens: 128_000 - 32_768 });
    expect(with_({ model: 'text-embedding-3-large' })).toBeUndefined();
  });

  it('builds models from bare alias names (another window pool)', () => {
    expect(namedChatModels(['text-embedding-3-small', 'gpt-4o-mini']).map((m) => m.id)).toEqual(['gpt-4o-mini']);
  });
});

describe('models from a validated config', () => {
  it('reads the limits discovery wrote into the config', () => {
    const r = validateConfig({ backends: [{ name: 'a', endpoint: 'https://a.openai.azure.com', deployments: { chat: { deployment: 'prod', model: 'gpt-4o', maxContextTokens: 64000, maxOutputTokens: 4000 } } }] });
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    const [m] = poolChatModels(modelSourcesOf(r.config.backends));
    expect(m).toMatchObject({ id: 'chat', maxOutputTokens: 4000, maxInputTokens: 60000, limitsFrom: 'deployment' });
  });
});
