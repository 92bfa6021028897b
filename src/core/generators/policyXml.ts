/**
 * policy.xml for the pool's API. Deployed with `format: 'rawxml'`, so the
 * C# expressions inside `@(...)` keep their quotes and `&&` unescaped, the way
 * APIM's own samples write them.
 */
import type { ApimPlan } from './plan';

/** Audience of Azure OpenAI / Cognitive Services data-plane tokens (no `/.default` here). */
export const COGNITIVE_SERVICES_RESOURCE = 'https://cognitiveservices.azure.com';

type Node = string | { tag: string; attrs?: Record<string, string | number | undefined>; children?: Node[] };

export function renderPolicyXml(plan: ApimPlan): string {
  const pool = plan.poolName;
  const hasEntra = plan.members.some((m) => m.auth === 'entra');
  const inbound: Node[] = [
    { tag: 'base' },
    '<!-- Callers send their APIM subscription key as api-key: it must never reach a member. -->',
    { tag: 'set-header', attrs: { name: 'api-key', 'exists-action': 'delete' } },
  ];
  if (hasEntra) {
    inbound.push(
      '<!-- One Entra token for the whole pool: the member is picked after this runs. -->',
      { tag: 'authentication-managed-identity', attrs: { resource: COGNITIVE_SERVICES_RESOURCE } },
    );
  } else {
    inbound.push({ tag: 'set-header', attrs: { name: 'Authorization', 'exists-action': 'delete' } });
  }
  if (plan.tokensPerMinute !== undefined) {
    inbound.push({
      tag: 'azure-openai-token-limit',
      attrs: { 'counter-key': '@(context.Subscription.Id)', 'tokens-per-minute': plan.tokensPerMinute, 'estimate-prompt-tokens': 'false' },
    });
  }
  if (plan.tokenMetrics) {
    inbound.push({
      tag: 'azure-openai-emit-token-metric',
      attrs: { namespace: 'aoai-pool' },
      children: [{ tag: 'dimension', attrs: { name: 'API ID' } }, { tag: 'dimension', attrs: { name: 'Subscription ID' } }],
    });
  }
  inbound.push({ tag: 'set-backend-service', attrs: { 'backend-id': pool } });

  const retries = plan.members.length - 1;
  // buffer-response="false": SSE chunks go to the caller as they arrive.
  const forward = (buffered: boolean): Node => ({
    tag: 'forward-request',
    attrs: { 'buffer-request-body': buffered ? 'true' : undefined, 'buffer-response': 'false', timeout: plan.forwardTimeoutSec },
  });
  const backend: Node[] =
    retries === 0
      ? ['<!-- A single member: nothing to fail over to, so no retry. -->', forward(false)]
      : [
          `<!-- ${retries} retries: each of the ${plan.members.length} members gets at most one try. A 503 from the pool itself means every member is tripped, so it is not retried. -->`,
          {
            tag: 'retry',
            attrs: {
              condition: '@(context.Response.StatusCode == 429 || (context.Response.StatusCode == 503 && !context.Response.StatusReason.Contains("Backend pool")))',
              count: retries,
              interval: 0,
              'first-fast-retry': 'true',
            },
            children: [{ tag: 'set-backend-service', attrs: { 'backend-id': pool } }, forward(true)],
          },
        ];

  const outbound: Node[] = [
    { tag: 'base' },
    '<!-- The pool answers 503 naming itself when every member is tripped: answer generically instead. -->',
    choose('@(context.Response.StatusCode == 503 && context.Response.StatusReason.Contains("Backend pool"))', unavailable()),
  ];
  const onError: Node[] = [
    '<!-- Connection failures and timeouts towards the members: a generic 503 that reveals neither the pool nor a member. -->',
    choose('@(context.LastError.Section == "backend")', unavailable()),
    { tag: 'base' },
  ];

  const doc: Node = {
    tag: 'policies',
    children: [
      { tag: 'inbound', children: inbound },
      { tag: 'backend', children: backend },
      { tag: 'outbound', children: outbound },
      { tag: 'on-error', children: onError },
    ],
  };
  return `${render(doc, '').join('\n')}\n`;
}

function choose(condition: string, then: Node): Node {
  return { tag: 'choose', children: [{ tag: 'when', attrs: { condition }, children: [then] }] };
}

function unavailable(): Node {
  return {
    tag: 'return-response',
    children: [
      { tag: 'set-status', attrs: { code: 503, reason: 'Service Unavailable' } },
      { tag: 'set-header', attrs: { name: 'Content-Type', 'exists-action': 'override' }, children: [{ tag: 'value', children: ['application/json'] }] },
      { tag: 'set-body', children: ['{ "error": { "code": "ServiceUnavailable", "message": "No backend is available right now. Retry later." } }'] },
    ],
  };
}

function render(node: Node, indent: string): string[] {
  if (typeof node === 'string') return [`${indent}${node}`];
  const attrs = Object.entries(node.attrs ?? {})
    .filter((e): e is [string, string | number] => e[1] !== undefined)
    .map(([k, v]) => ` ${k}="${attr(String(v))}"`)
    .join('');
  const children = node.children ?? [];
  if (children.length === 0) return [`${indent}<${node.tag}${attrs} />`];
  if (children.length === 1 && typeof children[0] === 'string' && !children[0].startsWith('<!--')) {
    return [`${indent}<${node.tag}${attrs}>${text(children[0])}</${node.tag}>`];
  }
  return [`${indent}<${node.tag}${attrs}>`, ...children.flatMap((c) => render(c, `${indent}    `)), `${indent}</${node.tag}>`];
}

/** Literal values are escaped; policy expressions stay raw (rawxml), as APIM expects. */
function attr(v: string): string {
  return isExpression(v) ? v : v.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;');
}

function text(v: string): string {
  return isExpression(v) ? v : v.replace(/&/g, '&amp;').replace(/</g, '&lt;');
}

function isExpression(v: string): boolean {
  return v.startsWith('@(') || v.startsWith('@{');
}
