/**
 * Continue's `config.yaml` (https://docs.continue.dev/reference): required
 * top-level `name`, `version`, `schema: v1`, and `models`, a list of
 * `{name, provider, model, apiBase, apiKey, roles, capabilities}`. An
 * OpenAI-compatible endpoint is `provider: openai` with `apiBase`
 * (https://docs.continue.dev/customize/model-providers/top-level/openai).
 * The key is a reference, `${{ secrets.AOAI_POOL_CLIENT_KEY }}`, which
 * Continue resolves from `~/.continue/.env` (written next to it) or the
 * workspace's `.env` (https://docs.continue.dev/customize/deep-dives/configuration).
 *
 * Edits go through the `yaml` Document API, so the user's other models,
 * comments and formatting stay as they are. Entries this writes are named
 * `<alias> (AOAI Pool)` and are replaced on the next run.
 */
import { isMap, isSeq, parseDocument, YAMLSeq } from 'yaml';
import { familyOf } from '../lm/models';
import { ToolConfigError } from './errors';
import { CONTINUE_SECRET } from './names';

export { CONTINUE_SECRET } from './names';

const SUFFIX = ' (AOAI Pool)';

export interface ContinueModelEntry {
  name: string;
  provider: 'openai';
  model: string;
  apiBase: string;
  apiKey: string;
  roles: string[];
  capabilities?: string[];
}

/** One entry per alias: chat models for chat/edit/apply, embedding aliases for embed; audio and image aliases are left out. */
export function continueModels(baseUrl: string, aliases: readonly string[]): ContinueModelEntry[] {
  const out: ContinueModelEntry[] = [];
  for (const alias of [...aliases].sort()) {
    const family = familyOf(alias);
    const embed = family?.family === 'embeddings';
    if (family && !family.chat && !embed) continue;
    const capabilities = embed ? [] : [...(family?.tools === false ? [] : ['tool_use']), ...(family?.images ? ['image_input'] : [])];
    out.push({
      name: `${alias}${SUFFIX}`,
      provider: 'openai',
      model: alias,
      apiBase: `${baseUrl}/v1`,
      apiKey: `\${{ secrets.${CONTINUE_SECRET} }}`,
      roles: embed ? ['embed'] : ['chat', 'edit', 'apply'],
      ...(capabilities.length ? { capabilities } : {}),
    });
  }
  return out;
}

/** `config.yaml` with the pool's models in place of the ones an earlier run wrote; everything else kept. */
export function mergeContinueConfig(existing: string | undefined, entries: readonly ContinueModelEntry[], file = 'config.yaml'): string {
  const doc = parseDocument(existing ?? '');
  if (doc.contents === null && doc.errors.length === 0) {
    // Empty, or comments only: keep those above a fresh config.
    const fresh = parseDocument('name: My Config\nversion: 0.0.1\nschema: v1\n');
    fresh.set('models', fresh.createNode(entries));
    const head = existing?.trim() ? `${existing.replace(/\s*$/, '')}\n` : '';
    return head + fresh.toString();
  }
  if (doc.errors.length) {
    const e = doc.errors[0]!;
    throw new ToolConfigError(`${file} is not valid YAML (${e.message.split('\n')[0]}); fix it, then run "Connect a Tool…" again`);
  }
  if (!isMap(doc.contents)) throw new ToolConfigError(`${file} must be a YAML mapping (name, version, schema, models…)`);
  for (const [k, v] of [['name', 'My Config'], ['version', '0.0.1'], ['schema', 'v1']] as const) if (!doc.has(k)) doc.set(k, v);
  let models = doc.get('models', true);
  if (models === undefined || models === null) {
    models = new YAMLSeq();
    doc.set('models', models);
  }
  if (!isSeq(models)) throw new ToolConfigError(`${file}: "models" must be a list; fix it, then run "Connect a Tool…" again`);
  const seq = models as YAMLSeq;
  seq.items = seq.items.filter((item) => {
    const name = isMap(item) ? item.get('name') : undefined;
    return !(typeof name === 'string' && name.endsWith(SUFFIX));
  });
  for (const e of entries) seq.items.push(doc.createNode(e));
  return doc.toString();
}
