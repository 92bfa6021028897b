/** The vscode-free core: shared by the extension, the CLI and the generators. */
export * from './config';
export { ProxyServer, STAGES, type ProxyServerOptions } from './proxy/server';
export type { BackendSnapshot, BackendStatus, DeploymentSnapshot, DeploymentStatus, HealthChange } from './balancer/health';
export type { RequestRecord, PoolEventMap, TimelineEntry, SkipCode, TokenUsage } from './events';
export type { MetricsJson, BackendJson, DeploymentJson } from './metrics';
export { Redactor, silentLogger, type Logger } from './log';
export { PoolError, isPoolError, type PoolErrorCode } from './errors';
export { POOL_ERRORS, type PoolErrorName } from './proxy/poolErrors';
export { envCredentialSource, type CredentialSource } from './auth/credentials';
export type { TokenCredentialLike, AccessTokenLike } from './auth/token';
