/** Pure view logic of the extension: everything testable without VS Code. */
export * from './format';
export * from './backendItem';
export * from './tooltip';
export * from './state';
export * from './settings';
export * from './settingsMigration';
export * from './inputs';
export * from './jwt';
export * from './apim';
export * from './approval';
export * from './manifest';
export * from './dashboard';
export * from './discovery';
export * from './actions';
export * from './contextKeys';
export * from './confirmations';
