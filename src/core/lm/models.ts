/**
 * The pool's aliases as language models: which are chat models, and their
 * token limits. What the pool knows wins (a deployment's discovered
 * `deploymentInfo`: model, sku, maxContextTokens, maxOutputTokens); otherwise
 * the model family is recognised in the model, alias or deployment name and
 * FAMILIES supplies the documented limits.
 */
import type { BackendConfig, DeploymentInfo } from '../config/types';
import { FAMILIES, UNKNOWN_FAMILY, type FamilySpec } from './families';

/** Metadata of one deployment: the part of the config's `DeploymentInfo` the provider reads. */
export type DeploymentMeta = Pick<DeploymentInfo, 'model' | 'modelVersion' | 'sku' | 'maxContextTokens' | 'maxOutputTokens'>;

/** The part of a backend the model list needs. */
export interface ModelSource {
  name: string;
  enabled: boolean;
  priority?: number;
  /** alias -> deployment name; undefined = serves any name (then no alias is known). */
  deployments: Readonly<Record<string, string>> | undefined;
  /** alias -> what discovery found about the deployment behind it. */
  deploymentInfo?: Readonly<Record<string, DeploymentMeta>>;
}

/** One model for VS Code's picker (LanguageModelChatInformation without the VS Code types). */
export interface PoolChatModel {
  /** The alias: what requests send. */
  id: string;
  name: string;
  family: string;
  version: string;
  maxInputTokens: number;
  maxOutputTokens: number;
  imageInput: boolean;
  toolCalling: boolean;
  detail: string;
  tooltip: string;
  /** Where the limits came from, for the tooltip and tests. */
  limitsFrom: 'deployment' | 'family' | 'default';
}

/** Never announce less than this much input, whatever a bad metadata value says. */
const MIN_INPUT = 1024;

/** A config's backends as model sources, with what discovery recorded about each deployment. */
export function modelSourcesOf(backends: readonly BackendConfig[]): ModelSource[] {
  return backends.map((b) => ({ name: b.name, enabled: b.enabled, priority: b.priority, deployments: b.deployments, deploymentInfo: b.deploymentInfo }));
}

/** Chat models for every alias served by an enabled backend, sorted by alias. */
export function poolChatModels(backends: readonly ModelSource[]): PoolChatModel[] {
  const byAlias = new Map<string, { backends: ModelSource[]; deployments: string[]; meta: DeploymentMeta[] }>();
  for (const b of backends) {
    if (!b.enabled || !b.deployments) continue;
    for (const [alias, deployment] of Object.entries(b.deployments)) {
      const entry = byAlias.get(alias) ?? { backends: [], deployments: [], meta: [] };
      entry.backends.push(b);
      entry.deployments.push(deployment);
      const meta = b.deploymentInfo?.[alias];
      if (meta) entry.meta.push(meta);
      byAlias.set(alias, entry);
    }
  }
  const out: PoolChatModel[] = [];
  for (const [alias, e] of [...byAlias].sort(([a], [b]) => a.localeCompare(b))) {
    const model = chatModel(alias, e.deployments, e.meta, e.backends);
    if (model) out.push(model);
  }
  return out;
}

/** Models for aliases known only by name (another window's pool, from its /v1/models). */
export function namedChatModels(aliases: readonly string[]): PoolChatModel[] {
  return [...aliases].sort().flatMap((a) => chatModel(a, [], [], []) ?? []);
}

/** The family spec for a name (model, alias or deployment). */
export function familyOf(name: string): FamilySpec | undefined {
  const n = name.toLowerCase();
  return FAMILIES.find((f) => f.pattern.test(n));
}

function chatModel(alias: string, deployments: string[], meta: DeploymentMeta[], backends: ModelSource[]): PoolChatModel | undefined {
  const modelName = meta.find((m) => m.model)?.model;
  // The discovered model name is the truth; otherwise people name aliases and deployments after the model.
  const names = [modelName, alias, ...deployments].filter((n): n is string => !!n);
  const spec = names.map(familyOf).find((f) => f !== undefined);
  if (spec && !spec.chat) return undefined;
  const family = spec ?? UNKNOWN_FAMILY;
  const version = meta.find((m) => m.modelVersion)?.modelVersion;
  const sku = meta.find((m) => m.sku)?.sku;
  const limits = family.limits(version, sku);
  // Every backend may serve the request: the smallest limit any of them reports is the safe one.
  const metaContext = smallest(meta.map((m) => m.maxContextTokens));
  const metaOutput = smallest(meta.map((m) => m.maxOutputTokens));
  const maxOutputTokens = metaOutput ?? limits.output;
  const context = metaContext ?? limits.context;
  const limitsFrom = metaContext !== undefined || metaOutput !== undefined ? 'deployment' : spec ? 'family' : 'default';
  const served = backends.map((b) => (b.priority !== undefined ? `${b.name} (priority ${b.priority})` : b.name));
  const what = modelName ? `${modelName}${version ? ` ${version}` : ''}` : spec ? family.family : 'unknown model';
  return {
    id: alias,
    name: alias,
    family: family.family,
    version: version ?? family.family,
    // The context window holds the prompt and the answer (Azure's tables give both, e.g. 128,000 = 111,616 + 16,384).
    maxInputTokens: Math.max(MIN_INPUT, context - maxOutputTokens),
    maxOutputTokens,
    imageInput: family.images,
    toolCalling: family.tools,
    detail: 'AOAI Pool',
    tooltip: `${alias}: ${what} through AOAI Pool${served.length ? `, served by ${served.join(', ')}` : ''}. Limits from ${limitsFrom === 'deployment' ? 'the deployment' : limitsFrom === 'family' ? `the ${family.family} defaults` : 'the default for unknown models'}.`,
    limitsFrom,
  };
}

function smallest(values: (number | undefined)[]): number | undefined {
  const ok = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v) && v > 0);
  return ok.length ? Math.min(...ok) : undefined;
}
