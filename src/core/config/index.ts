export * from './types';
export * from './defaults';
export { validateConfig, endpointProblem, WHERE_KEYS_GO, type ValidateOptions } from './validate';
export { loadConfigFile, parseConfigText, DEFAULT_CONFIG_FILE } from './load';
export { poolConfigSchema, backendSchema, apimSchema } from './schema';
