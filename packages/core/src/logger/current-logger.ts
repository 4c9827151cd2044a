import type { LogFields, Logger, LogLevel } from './logger.js';

/**
 * currentLogger forwards every line to whatever logger `get` returns at that
 * moment: a service hands it to its server at construction, and the lines
 * follow when configuration swaps in pino once @tsmicro/observability loads.
 */
export function currentLogger(get: () => Logger): Logger {
  return {
    trace: (fields: LogFields, message: string) => get().trace(fields, message),
    debug: (fields: LogFields, message: string) => get().debug(fields, message),
    info: (fields: LogFields, message: string) => get().info(fields, message),
    warn: (fields: LogFields, message: string) => get().warn(fields, message),
    error: (fields: LogFields, message: string) => get().error(fields, message),
    isLevelEnabled: (level: LogLevel) => get().isLevelEnabled(level),
    child: (bindings: LogFields) => get().child(bindings),
  };
}
