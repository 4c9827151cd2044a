import { LeveledLogger } from './leveled-logger.js';
import type { LogFields, LogLevel } from './logger.js';

/** LogRecord is one line a MemoryLogger kept: its level, message and every field, bound ones included. */
export interface LogRecord {
  readonly level: Exclude<LogLevel, 'silent'>;
  readonly msg: string;
  readonly fields: LogFields;
}

/**
 * MemoryLogger keeps its lines in memory: the in-process twin of the console
 * and pino loggers, for tests that assert what was logged. Children share the
 * parent's record list.
 */
export class MemoryLogger extends LeveledLogger {
  /** records are the lines written so far, by this logger and its children. */
  readonly records: LogRecord[];

  constructor(
    level: LogLevel = 'trace',
    private readonly bindings: LogFields = {},
    records: LogRecord[] = [],
  ) {
    super(level);
    this.records = records;
  }

  child(bindings: LogFields): MemoryLogger {
    return new MemoryLogger(this.level, { ...this.bindings, ...bindings }, this.records);
  }

  /** messages lists the messages written at `level`, or at every level. */
  messages(level?: LogRecord['level']): string[] {
    return this.records.filter((r) => level === undefined || r.level === level).map((r) => r.msg);
  }

  protected write(level: LogRecord['level'], fields: LogFields, message: string): void {
    this.records.push({ level, msg: message, fields: { ...this.bindings, ...fields } });
  }
}
