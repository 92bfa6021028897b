// Writes the package.json fields the extension shell owns (contributes,
// activationEvents, icon, galleryBanner, keywords, categories) from
// src/core/view/manifest, the one source for commands, menus and settings
// (the settings come from the config schema). Other fields are left as they are.
// Also writes schema/aoai-pool.schema.json, the config file's schema that
// contributes.jsonValidation points at.
//
//   node scripts/gen-contributes.mjs           update package.json
//   node scripts/gen-contributes.mjs --check   exit 1 when package.json is stale
import { Buffer } from 'node:buffer';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import process from 'node:process';
import { isDeepStrictEqual } from 'node:util';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import esbuild from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pkgPath = path.join(root, 'package.json');

// The manifest module is TypeScript: bundle it in memory (it only needs the
// schema) and import the result.
const built = await esbuild.build({
  entryPoints: [path.join(root, 'src/core/view/manifest/index.ts')],
  bundle: true,
  write: false,
  format: 'esm',
  platform: 'node',
  logLevel: 'silent',
});
const mod = await import(`data:text/javascript;base64,${Buffer.from(built.outputFiles[0].text).toString('base64')}`);
const wanted = mod.extensionManifest();

const text = readFileSync(pkgPath, 'utf8');
const pkg = JSON.parse(text);
const stale = Object.keys(wanted).filter((k) => !isDeepStrictEqual(pkg[k], wanted[k]));
// The config file's schema, which contributes.jsonValidation points at.
const schemaPath = path.join(root, mod.CONFIG_SCHEMA_PATH);
const schemaText = `${JSON.stringify(mod.configFileSchema(), null, 2)}\n`;
const schemaStale = !existsSync(schemaPath) || readFileSync(schemaPath, 'utf8') !== schemaText;

if (process.argv.includes('--check')) {
  if (stale.length > 0) console.error(`package.json is out of date (${stale.join(', ')}): run node scripts/gen-contributes.mjs`);
  if (schemaStale) console.error(`${mod.CONFIG_SCHEMA_PATH} is out of date: run node scripts/gen-contributes.mjs`);
  process.exit(stale.length > 0 || schemaStale ? 1 : 0);
}
if (schemaStale) {
  mkdirSync(path.dirname(schemaPath), { recursive: true });
  writeFileSync(schemaPath, schemaText);
  console.log(`${mod.CONFIG_SCHEMA_PATH}: updated`);
}
if (stale.length === 0) {
  console.log('package.json is up to date');
  process.exit(0);
}

// Keep the key order; fields that do not exist yet go right after "categories".
const next = {};
const missing = Object.keys(wanted).filter((k) => !(k in pkg));
for (const [k, v] of Object.entries(pkg)) {
  next[k] = k in wanted ? wanted[k] : v;
  if (k === 'categories') for (const m of missing.splice(0)) next[m] = wanted[m];
}
for (const m of missing) next[m] = wanted[m];
writeFileSync(pkgPath, `${JSON.stringify(next, null, 2)}\n`);
console.log(`package.json: updated ${stale.join(', ')}`);
