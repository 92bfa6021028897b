export * from './types';
export * from './defaults';
export { validateConfig, endpointProblem, WHERE_KEYS_GO, type ValidateOptions } from './validate';
export { loadConfigFile, parseConfigText, DEFAULT_CONFIG_FILE } from './load';
export { RENAMED_OPTIONS, formerValueValid, msToSeconds, secondsToMs, renamedOptionWarnings, type RenamedOption } from './renamed';
export { poolConfigSchema, backendSchema, apimSchema, deploymentInfoSchema } from './schema';
export { interchangeabilityWarnings, configAliasMembers, skuFamily, type AliasMember, type AliasWarning, type AliasDifference } from './interchange';
