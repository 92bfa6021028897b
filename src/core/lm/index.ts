/** The pool as a VS Code language model, in plain TypeScript: conversion both ways, model list, HTTP client. */
export * from './types';
export * from './errors';
export { toChatBody, textOf, MODEL_OPTIONS, type ChatBodyOptions, type ChatRequestBody, type ChatRequestMessage } from './request';
export { ChatStreamDecoder } from './stream';
export { poolChatModels, namedChatModels, modelSourcesOf, familyOf, type DeploymentMeta, type ModelSource, type PoolChatModel } from './models';
export { streamChat, listPoolAliases, LM_API_VERSION, type ChatCall, type ChatResult } from './client';
export { countMessageTokens, IMAGE_TOKENS, MESSAGE_OVERHEAD_TOKENS } from './count';
