/**
 * The writers of tool config files that need a parser: Continue's YAML
 * (`yaml`) and Codex CLI's TOML (`smol-toml`), over a third of the
 * extension's size. The extension loads them as a chunk of their own the
 * first time "Connect a Tool…" writes such a file (esbuild.js LAZY); they
 * are pure functions, so a copy in the chunk holds no state of its own.
 */
export { continueModels, mergeContinueConfig } from './continue';
export { mergeCodexConfig } from './codex';
