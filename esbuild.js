// Bundles the extension and the CLI. Usage: node esbuild.js [--production] [--watch]
const esbuild = require('esbuild');
const fs = require('node:fs');

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
  { ...common, entryPoints: ['src/extension.ts'], outfile: 'dist/extension.js', external: ['vscode'], plugins: [...common.plugins, lazyEncodings, discoveryArmOutside], supported: { 'dynamic-import': false } },
  { ...common, entryPoints: ['src/core/discovery/arm.ts'], outfile: 'dist/discovery-arm.js' },
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

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
