/** "AOAI Pool: Connect a Tool…": pure writers and texts for each tool; the shell previews, confirms and writes. */
export * from './env';
export { mergeDotenv, appendGitignore, DOTENV_HEADER } from './dotenv';
export { continueModels, mergeContinueConfig, CONTINUE_SECRET, type ContinueModelEntry } from './continue';
export { mergeCodexConfig, CODEX_PROVIDER_ID, type CodexProvider, type CodexOptions } from './codex';
export { ToolConfigError } from './errors';
export { clineSteps, curlCommand, type PoolTarget } from './instructions';
