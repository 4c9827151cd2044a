import { type LogFields, type Logger, type LogLevel, levelRank } from './logger.js';

/**
 * LeveledLogger is the level filter core's loggers share: each level method
 * drops lines below the logger's level and hands the rest to write().
 */
export abstract class LeveledLogger implements Logger {
  private readonly rank: number;

  constructor(protected readonly level: LogLevel) {
    this.rank = levelRank(level);
  }

  // Ranks are indexes in logLevels: trace 0 … error 4, silent 5 passes nothing.
  trace(fields: LogFields, message: string): void {
    if (this.rank <= 0) this.write('trace', fields, message);
  }

  debug(fields: LogFields, message: string): void {
    if (this.rank <= 1) this.write('debug', fields, message);
  }

  info(fields: LogFields, message: string): void {
    if (this.rank <= 2) this.write('info', fields, message);
  }

  warn(fields: LogFields, message: string): void {
    if (this.rank <= 3) this.write('warn', fields, message);
  }

  error(fields: LogFields, message: string): void {
    if (this.rank <= 4) this.write('error', fields, message);
  }

  isLevelEnabled(level: LogLevel): boolean {
    return level !== 'silent' && levelRank(level) >= this.rank;
  }

  abstract child(bindings: LogFields): Logger;

  /** write emits one line that passed the level filter. */
  protected abstract write(level: Exclude<LogLevel, 'silent'>, fields: LogFields, message: string): void;
}
