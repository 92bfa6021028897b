#!/usr/bin/env node
/**
 * `npm run bench:tokens`: what token counting costs the language model
 * provider (issue 12). VS Code calls provideTokenCount for every message of a
 * conversation before each request, so the numbers that matter are the first
 * count (loading an encoding), a count of fresh text, and a count of text seen
 * before (the cache). Runs the bundle users get (dist/tokenizer/*.js loaded by
 * dist/extension.js's code path through a small CJS harness), in this process.
 */
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
execFileSync(process.execPath, [join(ROOT, 'esbuild.js')], { cwd: ROOT, stdio: 'inherit' });
// The same mapping as the extension build: the encodings come from dist/tokenizer/.
const out = join(ROOT, 'dist', 'bench-tokens.js');
await build({
  entryPoints: [join(ROOT, 'src/core/tokens/index.ts')], bundle: true, platform: 'node', format: 'cjs', outfile: out, logLevel: 'silent',
  plugins: [{ name: 'lazy', setup(b) { b.onResolve({ filter: /^gpt-tokenizer\/encoding\// }, (a) => ({ path: `./tokenizer/${a.path.split('/').pop()}.js`, external: true })); } }],
});
const tokens = createRequire(import.meta.url)(out);

const ms = (t0) => Number(process.hrtime.bigint() - t0) / 1e6;
const text = (n, seed) => Array.from({ length: n }, (_, i) => `line ${seed}-${i}: const value = compute(${i}) * 42; // é, 你好, ${'x'.repeat(i % 13)}`).join('\n');
const rows = [];
for (const model of ['gpt-4o', 'gpt-4']) {
  const name = tokens.encodingForModel(model);
  let t0 = process.hrtime.bigint();
  tokens.countTokens('warm up', model);
  rows.push([`${name}: first count (loads the encoding)`, `${ms(t0).toFixed(1)} ms`]);
  const fresh = text(2000, model);
  t0 = process.hrtime.bigint();
  const n = tokens.countTokens(fresh, model);
  const freshMs = ms(t0);
  rows.push([`${name}: fresh text, ${(fresh.length / 1024).toFixed(0)} KiB (${n} tokens)`, `${freshMs.toFixed(1)} ms (${(fresh.length / 1024 / 1024 / (freshMs / 1000)).toFixed(1)} MiB/s)`]);
  t0 = process.hrtime.bigint();
  for (let i = 0; i < 100; i++) tokens.countTokens(fresh, model);
  rows.push([`${name}: the same text again, x100 (cached)`, `${(ms(t0) / 100).toFixed(3)} ms each`]);
  const short = Array.from({ length: 1000 }, (_, i) => `short message ${i} for ${model}`);
  t0 = process.hrtime.bigint();
  for (const s of short) tokens.countTokens(s, model);
  rows.push([`${name}: 1000 short messages (not cached)`, `${(ms(t0) / 1000).toFixed(3)} ms each`]);
}
const width = Math.max(...rows.map((r) => r[0].length));
for (const [k, v] of rows) console.log(`${k.padEnd(width)}  ${v}`);
console.log(`\nresident memory after both encodings: ${(process.memoryUsage().rss / 1024 / 1024).toFixed(0)} MiB`);
