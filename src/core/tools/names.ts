/** Names the tool writers put into other programs' config files, for the shell to show before a writer is loaded. */

/** The `[model_providers.<id>]` table the pool gets in Codex CLI's config.toml. */
export const CODEX_PROVIDER_ID = 'aoai-pool';
/** The secret Continue resolves the client key from (`${{ secrets.AOAI_POOL_CLIENT_KEY }}`). */
export const CONTINUE_SECRET = 'AOAI_POOL_CLIENT_KEY';
