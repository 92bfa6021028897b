export { generateApim, type ApimOptions, type ApimResult, type GeneratedFile } from './apim';
export { MAX_POOL_MEMBERS, DEFAULT_API_NAME, DEFAULT_API_PATH, DEFAULT_POOL_NAME, type BreakerSettings } from './plan';
export { APIM_API_VERSION, OPENAI_USER_ROLE_ID, ROLE_MODULE_FILE } from './bicep';
export { COGNITIVE_SERVICES_RESOURCE } from './policyXml';
export { toApimName, isApimName } from './names';
