// Types for config.mjs (the parts the TypeScript tests use).
export const repoRoot: string;
export const toolDir: string;
