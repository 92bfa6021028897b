// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** What Node provides to a script besides the language (eslint's own list lives in a package we do not depend on). */
const NODE_GLOBALS = ['process', 'console', 'Buffer', 'URL', 'URLSearchParams', 'performance', 'fetch', 'AbortController', 'AbortSignal', 'TextEncoder', 'TextDecoder',
  'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'setImmediate', 'clearImmediate', 'queueMicrotask', 'structuredClone', 'globalThis'];

export default tseslint.config(
  { ignores: ['dist/**', 'out/**', 'node_modules/**', '.vscode-test/**', 'test/output/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // The core is shared by the extension, the CLI and the generators: it must
    // run (and be unit-tested) without VS Code. See STYLE.md section 1.
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [{ name: 'vscode', message: 'src/core must stay vscode-free; put VS Code code in src/vscode.' }],
      }],
    },
  },
  {
    // Node scripts with no build step (the benchmark, the test hosts' setup): Node's globals.
    files: ['bench/**/*.{mjs,cjs,js}', 'scripts/**/*.{mjs,cjs,js}', 'esbuild.js'],
    languageOptions: { globals: Object.fromEntries(NODE_GLOBALS.map((g) => [g, 'readonly'])) },
  },
  {
    files: ['**/*.cjs', 'esbuild.js'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', module: 'writable', __dirname: 'readonly', __filename: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // Fixture extensions the test hosts load as they are: plain CommonJS, no build.
    files: ['test/fixtures/extensions/**/*.js'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', module: 'writable', Buffer: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
