// Logging: the Logger seam, the dependency-free console logger and the in-memory twin.
export { levelRank, logLevels, noopLogger } from './logger.js';
export type { LogFields, Logger, LogLevel } from './logger.js';
export { createConsoleLogger } from './console-logger.js';
export type { ConsoleLoggerOptions } from './console-logger.js';
export { MemoryLogger } from './memory-logger.js';
export type { LogRecord } from './memory-logger.js';
