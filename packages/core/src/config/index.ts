// Configuration: one options object from code, environment, a config file and defaults.
export { loadConfig } from './load-config.js';
export type { LoadConfigOptions } from './load-config.js';
export { ConfigError } from './config-error.js';
export type { ConfigProblem } from './config-error.js';
export { defaults } from './defaults.js';
export { keepaliveFor } from './keepalive-for.js';
export { configSchema, transportNames, codecNames, registryKinds, loggerKinds, brokerKinds } from './schema.js';
export type { MicroOptionsInput, ResolvedConfig } from './schema.js';
export { envVariables } from './env.js';
export { durationForm, parseDuration } from './duration.js';
export type { EnvVariable } from './env.js';
