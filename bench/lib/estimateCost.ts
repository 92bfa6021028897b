/**
 * Cost per request of the charge estimate on the proxy's hot path (issue
 * 10), small and large prompts: `node --import tsx bench/lib/estimateCost.ts`
 * prints one JSON line. Measured both from the parsed body (chat routes:
 * `ctx.json` exists) and from the raw body (deployment routes: the estimate
 * parses it), and with a stand-in tokenizer of ~1 µs per 100 characters
 * below the cut-off, so the cut-off's effect shows.
 */
import { estimateCharge } from '../../src/core/balancer/estimate';

function body(promptChars: number): Buffer {
  const content = 'lorem ipsum dolor sit amet, '.repeat(Math.ceil(promptChars / 28)).slice(0, promptChars);
  return Buffer.from(JSON.stringify({ messages: [{ role: 'system', content: 'You are a coding assistant.' }, { role: 'user', content }], max_tokens: 512 }));
}

/** A stand-in with a tokenizer's cost profile (linear in the text). */
function fakeCount(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 32) n++;
  return n + 1;
}

function measure(fn: () => void): { nsPerOp: number; iterations: number } {
  for (let i = 0; i < 200; i++) fn();
  let iterations = 0;
  const t0 = process.hrtime.bigint();
  let elapsed = 0n;
  while (elapsed < 300_000_000n) {
    for (let i = 0; i < 50; i++) fn();
    iterations += 50;
    elapsed = process.hrtime.bigint() - t0;
  }
  return { nsPerOp: Number(elapsed) / iterations, iterations };
}

const out: Record<string, unknown> = {};
for (const [name, chars] of [['small', 200], ['20KB', 20 * 1024], ['200KB', 200 * 1024]] as const) {
  const raw = body(chars);
  const json = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
  out[name] = {
    bytes: raw.length,
    fromParsedJson: measure(() => estimateCharge('completion', { json })),
    fromRawBody: measure(() => estimateCharge('completion', { body: raw })),
    withTokenizer: measure(() => estimateCharge('completion', { json }, { countTokens: fakeCount })),
    jsonParseAlone: measure(() => JSON.parse(raw.toString('utf8'))),
  };
}
process.stdout.write(`${JSON.stringify(out)}\n`);
