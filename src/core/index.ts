/** The vscode-free core: shared by the extension, the CLI and the generators. */
export * from './config';
export { ProxyServer, STAGES, type ProxyServerOptions } from './proxy/server';
export type { BackendSnapshot, BackendStatus, DeploymentSnapshot } from './balancer/health';
export type { RequestRecord, PoolEventMap, TimelineEntry, SkipCode, TokenUsage } from './events';
export type { MetricsJson, BackendJson, DeploymentJson } from './metrics';
export { Redactor, silentLogger, type Logger } from './log';
export { PoolError, isPoolError, type PoolErrorCode } from './errors';
export { envCredentialSource, type CredentialSource } from './auth/credentials';
export type { TokenCredentialLike, AccessTokenLike } from './auth/token';
