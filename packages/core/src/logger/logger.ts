/** logLevels are the levels a Logger knows, quietest last; "silent" drops everything. */
export const logLevels = ['trace', 'debug', 'info', 'warn', 'error', 'silent'] as const;

/** LogLevel is one of logLevels. */
export type LogLevel = (typeof logLevels)[number];

/** LogFields are the structured values of one line; an Error goes under `err`. */
export type LogFields = Readonly<Record<string, unknown>>;

/**
 * Logger is the one logging seam of tsmicro: levelled, structured lines and
 * child loggers that bind fields. Its shape is a subset of pino's, so a pino
 * logger is a Logger as it is: `log.info({ service: 'greeter' }, 'listening')`.
 */
export interface Logger {
  trace(fields: LogFields, message: string): void;
  debug(fields: LogFields, message: string): void;
  info(fields: LogFields, message: string): void;
  warn(fields: LogFields, message: string): void;
  error(fields: LogFields, message: string): void;
  /** isLevelEnabled tells whether a line of `level` would be written, so costly fields are built only then. */
  isLevelEnabled(level: LogLevel): boolean;
  /** child returns a logger that adds `bindings` to every line. */
  child(bindings: LogFields): Logger;
}

/** levelRank orders levels: a line is written when its rank is at least the logger's. */
export function levelRank(level: LogLevel): number {
  return logLevels.indexOf(level);
}

const ignore = (): void => {};

/** noopLogger drops every line: for tests and tools that must print nothing. */
export const noopLogger: Logger = {
  trace: ignore,
  debug: ignore,
  info: ignore,
  warn: ignore,
  error: ignore,
  isLevelEnabled: () => false,
  child: () => noopLogger,
};
