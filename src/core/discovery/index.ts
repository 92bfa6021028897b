/**
 * Discovery (issue 11): from an Azure account to a proposed pool. The SDK
 * calls are in ./arm (loaded lazily by its callers); everything else is pure.
 */
export * from './types';
export { PROVISIONED_SKUS, isProvisioned, toDeployment, accountEndpoint, armErrorText } from './deployments';
export * from './proposal';
export { discoveryTable, proposalTable, formatTable, capacityText } from './table';
export * from './clouds';
