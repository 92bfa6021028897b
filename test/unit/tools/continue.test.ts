import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { continueModels, mergeContinueConfig, ToolConfigError } from '../../../src/core/tools';

const entries = continueModels('http://127.0.0.1:8787', ['gpt-4o', 'text-embedding-3-small', 'whisper', 'o3-mini']);

describe('Continue config.yaml', () => {
  it('has one entry per usable alias, with a secret reference instead of the key', () => {
    expect(entries).toEqual([
      { name: 'gpt-4o (AOAI Pool)', provider: 'openai', model: 'gpt-4o', apiBase: 'http://127.0.0.1:8787/v1', apiKey: '${{ secrets.AOAI_POOL_CLIENT_KEY }}', roles: ['chat', 'edit', 'apply'], capabilities: ['tool_use', 'image_input'] },
      { name: 'o3-mini (AOAI Pool)', provider: 'openai', model: 'o3-mini', apiBase: 'http://127.0.0.1:8787/v1', apiKey: '${{ secrets.AOAI_POOL_CLIENT_KEY }}', roles: ['chat', 'edit', 'apply'], capabilities: ['tool_use'] },
      { name: 'text-embedding-3-small (AOAI Pool)', provider: 'openai', model: 'text-embedding-3-small', apiBase: 'http://127.0.0.1:8787/v1', apiKey: '${{ secrets.AOAI_POOL_CLIENT_KEY }}', roles: ['embed'] },
    ]);
  });

  it('creates a valid config with the required top-level fields', () => {
    expect(parse(mergeContinueConfig(undefined, entries))).toEqual({ name: 'My Config', version: '0.0.1', schema: 'v1', models: entries });
  });

  it('keeps the user models, other sections and comments, and replaces its own entries on the next run', () => {
    const existing = [
      '# my continue config',
      'name: Work',
      'version: 1.2.3',
      'schema: v1',
      'models:',
      '  - name: Local Llama # keep me',
      '    provider: ollama',
      '    model: llama3',
      '  - name: old (AOAI Pool)',
      '    provider: openai',
      '    model: old',
      'context:',
      '  - provider: code',
      '',
    ].join('\n');
    const out = mergeContinueConfig(existing, entries);
    const doc = parse(out);
    expect(doc.name).toBe('Work');
    expect(doc.version).toBe('1.2.3');
    expect(doc.context).toEqual([{ provider: 'code' }]);
    expect(doc.models).toEqual([{ name: 'Local Llama', provider: 'ollama', model: 'llama3' }, ...entries]);
    expect(out).toContain('# my continue config');
    expect(out).toContain('# keep me');
    // Running again changes nothing.
    expect(mergeContinueConfig(out, entries)).toBe(out);
  });

  it('keeps a comments-only file above the new config', () => {
    const out = mergeContinueConfig('# nothing yet\n', entries);
    expect(out.startsWith('# nothing yet\n')).toBe(true);
    expect(parse(out).models).toHaveLength(3);
  });

  it('refuses invalid YAML and a models field that is not a list, writing nothing', () => {
    expect(() => mergeContinueConfig('models: [unclosed', entries)).toThrow(ToolConfigError);
    expect(() => mergeContinueConfig('models: [unclosed', entries)).toThrow(/config.yaml is not valid YAML/);
    expect(() => mergeContinueConfig('name: x\nmodels: 3\n', entries)).toThrow(/"models" must be a list/);
    expect(() => mergeContinueConfig('- a\n- b\n', entries)).toThrow(/must be a YAML mapping/);
  });
});
