import { parse } from 'smol-toml';
import { describe, expect, it } from 'vitest';
import { mergeCodexConfig, ToolConfigError, type CodexProvider } from '../../../src/core/tools';

const provider: CodexProvider = { name: 'AOAI Pool', base_url: 'http://127.0.0.1:8787/v1', env_key: 'AZURE_OPENAI_API_KEY', wire_api: 'responses' };

describe('Codex CLI config.toml', () => {
  it('creates the provider table that Codex reads', () => {
    expect(parse(mergeCodexConfig(undefined, { provider }))).toEqual({ model_providers: { 'aoai-pool': provider } });
  });

  it('sets model_provider and model at the root when asked, above the first table', () => {
    const existing = '# mine\nmodel = "o3"\napproval_policy = "on-request"\n\n[mcp_servers.docs]\ncommand = "docs-mcp"\n';
    const out = mergeCodexConfig(existing, { provider, makeDefault: { model: 'gpt-4o' } });
    expect(parse(out)).toEqual({
      model: 'gpt-4o', model_provider: 'aoai-pool', approval_policy: 'on-request',
      mcp_servers: { docs: { command: 'docs-mcp' } },
      model_providers: { 'aoai-pool': provider },
    });
    expect(out.startsWith('# mine\nmodel = "gpt-4o"\n')).toBe(true);
  });

  it('replaces its own table on the next run and keeps other providers, profiles and comments', () => {
    const existing = [
      'model = "o3" # my default',
      '',
      '[model_providers.aoai-pool]',
      'name = "old"',
      'base_url = "http://127.0.0.1:1/v1"',
      '',
      '[model_providers.ollama]',
      'name = "Ollama"',
      'base_url = "http://localhost:11434/v1"',
      '',
      '[profiles.fast]',
      'model = "gpt-4.1-mini"',
      '',
    ].join('\n');
    const out = mergeCodexConfig(existing, { provider });
    const before = parse(existing) as { model_providers: Record<string, unknown> };
    const after = parse(out) as Record<string, unknown>;
    expect(after).toEqual({ ...before, model_providers: { ...before.model_providers, 'aoai-pool': provider } });
    expect(out).toContain('model = "o3" # my default');
    expect(out.match(/\[model_providers\.aoai-pool\]/g)).toHaveLength(1);
    expect(mergeCodexConfig(out, { provider })).toBe(out);
  });

  it('refuses invalid TOML, and a file that defines the provider in a way it cannot edit, writing nothing', () => {
    expect(() => mergeCodexConfig('model = ', { provider })).toThrow(ToolConfigError);
    expect(() => mergeCodexConfig('model = ', { provider })).toThrow(/config.toml is not valid TOML/);
    const inline = 'model_providers = { aoai-pool = { name = "x" } }\n';
    expect(() => mergeCodexConfig(inline, { provider })).toThrow(/could not be edited safely/);
  });

  it('refuses an edit that would change any other value (a look-alike header inside a multi-line string)', () => {
    const tricky = ['notes = """', '[model_providers.aoai-pool]', 'this line is part of the string', '[end]', '"""', ''].join('\n');
    expect((parse(tricky) as { notes: string }).notes).toContain('this line is part of the string');
    expect(() => mergeCodexConfig(tricky, { provider })).toThrow(/could not be edited safely/);
  });
});
