// Bundles the extension, its lazily loaded parts (chunks, the Resource Manager
// SDKs, the tokenizer encodings), the dashboard webview and the CLI.
// Usage: node esbuild.js [--production] [--watch]
const esbuild = require('esbuild');
const fs = require('node:fs');
const path = require('node:path');

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

/** Prints errors in the format the `$esbuild-watch` problem matcher expects. */
const problemMatcher = {
  name: 'esbuild-problem-matcher',
  setup(build) {
    if (!watch) return;
    build.onStart(() => console.log('[watch] build started'));
    build.onEnd((result) => {
      for (const { text, location } of result.errors) {
        console.error(`✘ [ERROR] ${text}`);
        if (location) console.error(`    ${location.file}:${location.line}:${location.column}:`);
      }
      console.log('[watch] build finished');
    });
  },
};

/** `lazy:<package>` entry points: a module that re-exports the package, so it can be a chunk of its own. */
const reexportPackage = {
  name: 'reexport-package',
  setup(build) {
    build.onResolve({ filter: /^lazy:/ }, (args) => ({ path: args.path.slice(5), namespace: 'lazy' }));
    build.onLoad({ filter: /.*/, namespace: 'lazy' }, (args) => ({ contents: `export * from ${JSON.stringify(args.path)};`, resolveDir: __dirname }));
  },
};

/**
 * gpt-tokenizer's encodings (1-2.4 MB each) become their own files in
 * dist/tokenizer/, required by src/core/tokens only when a count is first
 * asked for: activation and the CLI's start never parse them.
 */
const ENCODINGS = ['o200k_base', 'cl100k_base'];
const lazyEncodings = {
  name: 'lazy-encodings',
  setup(build) {
    build.onResolve({ filter: /^gpt-tokenizer\/encoding\/[a-z0-9_]+$/ }, (args) => {
      const name = args.path.split('/').pop();
      if (!ENCODINGS.includes(name)) return { errors: [{ text: `encoding ${name} is not in ENCODINGS (esbuild.js)` }] };
      return { path: `./tokenizer/${name}.js`, external: true };
    });
  },
};

const common = {
  bundle: true,
  platform: 'node',
  // The Node inside current VS Code (22) and the CI's Node 20 both run ES2022.
  target: 'node20',
  format: 'cjs',
  // Prefer ESM entry points: jsonc-parser's "main" is a UMD build whose
  // dynamic requires esbuild cannot follow.
  mainFields: ['module', 'main'],
  minify: production,
  sourcemap: !production,
  sourcesContent: false,
  logLevel: 'silent',
  plugins: [problemMatcher],
};

/**
 * Parts of the extension that only some users need, each its own file in
 * dist/, loaded by the `import()` that names it the first time it is needed
 * (issue 13, item 15: activation loads only dist/extension.js). A dynamic
 * import of one of these modules becomes `require('./<chunk>.js')`; a static
 * import would bundle it into the caller, so these are imported dynamically
 * only (AGENTS.md, "Load a heavy part lazily").
 */
const LAZY = {
  // The proxy with undici (over half of the old bundle): loaded at the first start.
  proxy: 'src/core/proxy/server.ts',
  simulator: 'src/core/simulator/index.ts',
  generators: 'src/core/generators/index.ts',
  identity: '@azure/identity',
  dashboard: 'src/vscode/dashboard/panel.ts',
  // Connect a Tool's YAML and TOML writers (yaml, smol-toml): loaded when it writes such a file.
  tools: 'src/core/tools/files.ts',
};

/**
 * Resolves a dynamic import of a LAZY module to a stub that `require()`s its
 * chunk from dist/ when the import runs. (Kept as require, not import(): the
 * chunks are CommonJS like the extension, and VS Code serves `vscode` to require.)
 */
const lazyChunks = {
  name: 'lazy-chunks',
  setup(build) {
    const entries = new Map(Object.entries(LAZY).map(([chunk, src]) => [src.startsWith('src/') ? path.resolve(src) : src, chunk]));
    build.onResolve({ filter: /.*/ }, async (args) => {
      if (args.kind !== 'dynamic-import' || args.pluginData?.lazy) return undefined;
      let chunk = entries.get(args.path);
      if (!chunk && args.path.startsWith('.')) {
        const r = await build.resolve(args.path, { resolveDir: args.resolveDir, kind: args.kind, pluginData: { lazy: true } });
        chunk = entries.get(r.path);
      }
      return chunk ? { path: chunk, namespace: 'lazy-chunk' } : undefined;
    });
    build.onLoad({ filter: /.*/, namespace: 'lazy-chunk' }, (args) => ({ contents: `module.exports = require("./${args.path}.js");`, loader: 'js' }));
    build.onResolve({ filter: /^\.\/[a-z]+\.js$/ }, (args) => (args.namespace === 'lazy-chunk' ? { path: args.path, external: true } : undefined));
    // Nothing in the main bundle uses undici once the proxy is a chunk; without this, the
    // `export ... from './proxy/server'` of src/core/index.ts would keep its require().
    build.onResolve({ filter: /^undici$/ }, async (args) => {
      if (args.pluginData?.undici) return undefined;
      const r = await build.resolve(args.path, { resolveDir: args.resolveDir, kind: args.kind, pluginData: { undici: true } });
      return { path: r.path, namespace: r.namespace, external: r.external, sideEffects: false };
    });
  },
};

/**
 * The Resource Manager SDKs (issue 11, "Add Backends from Azure…") are a
 * bundle of their own: the extension loads dist/discovery-arm.js on first
 * use, so activation neither reads nor parses them.
 */
const discoveryArmOutside = {
  name: 'discovery-arm-outside',
  setup(build) {
    build.onResolve({ filter: /\/core\/discovery\/arm$/ }, () => ({ path: './discovery-arm.js', external: true }));
  },
};

/** @type {import('esbuild').BuildOptions[]} */
const builds = [
  // require(), not import(): the extension host's CommonJS loader is the one every VS Code version supports.
  {
    ...common, entryPoints: ['src/extension.ts'], outfile: 'dist/extension.js', external: ['vscode'],
    plugins: [...common.plugins, lazyChunks, lazyEncodings, discoveryArmOutside], supported: { 'dynamic-import': false },
  },
  {
    ...common,
    entryPoints: Object.fromEntries(Object.entries(LAZY).map(([chunk, src]) => [chunk, src.startsWith('src/') ? src : `lazy:${src}`])),
    outdir: 'dist',
    external: ['vscode'],
    // The chunks sit beside extension.js: the same relative paths reach the tokenizer and discovery files.
    plugins: [...common.plugins, lazyChunks, reexportPackage, lazyEncodings, discoveryArmOutside],
    supported: { 'dynamic-import': false },
  },
  { ...common, entryPoints: ['src/core/discovery/arm.ts'], outfile: 'dist/discovery-arm.js' },
  // The dashboard's page: browser code, no Node, no CDN (uPlot is bundled).
  {
    ...common,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    mainFields: ['browser', 'module', 'main'],
    entryPoints: ['src/webview/dashboard/main.ts'],
    outfile: 'dist/webview/dashboard.js',
    sourcemap: false,
  },
  // The CLI runs next to its node_modules: @azure/identity (half the bundle)
  // stays outside and loads only when an Entra backend needs a token, which
  // keeps the proxy's resident memory down (issue 6).
  // The Resource Manager SDKs and node-forge (discover, simulate --arm) stay outside for the same reason.
  {
    ...common, entryPoints: ['src/cli.ts'], outfile: 'dist/cli.js', banner: { js: '#!/usr/bin/env node' },
    external: ['@azure/identity', '@azure/arm-cognitiveservices', '@azure/arm-resources-subscriptions', 'node-forge'],
    plugins: [...common.plugins, lazyEncodings],
  },
  {
    ...common,
    entryPoints: ENCODINGS.map((name) => ({ in: `gpt-tokenizer/encoding/${name}`, out: name })),
    outdir: 'dist/tokenizer',
    // Tables, not code worth mapping.
    sourcemap: false,
  },
];
if (fs.existsSync('test/integration/index.ts')) {
  builds.push({
    ...common,
    entryPoints: ['test/integration/index.ts'],
    outfile: 'out/test/integration/index.js',
    external: ['vscode', 'mocha'],
    sourcemap: true,
  });
}

async function main() {
  const contexts = await Promise.all(builds.map((b) => esbuild.context(b)));
  if (watch) {
    await Promise.all(contexts.map((c) => c.watch()));
    return;
  }
  try {
    const results = await Promise.all(contexts.map((c) => c.rebuild()));
    if (results.some((r) => r.errors.length > 0)) process.exitCode = 1;
  } finally {
    await Promise.all(contexts.map((c) => c.dispose()));
  }
  if (fs.existsSync('dist/cli.js')) fs.chmodSync('dist/cli.js', 0o755);
}

if (require.main === module) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}

module.exports = { builds, LAZY };
