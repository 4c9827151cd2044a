import { type LogFields, type Logger, type LogLevel, levelRank } from './logger.js';

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
export class MemoryLogger implements Logger {
  /** records are the lines written so far, by this logger and its children. */
  readonly records: LogRecord[];
  private readonly rank: number;

  constructor(
    private readonly level: LogLevel = 'trace',
    private readonly bindings: LogFields = {},
    records: LogRecord[] = [],
  ) {
    this.rank = levelRank(level);
    this.records = records;
  }

  trace(fields: LogFields, message: string): void {
    this.line('trace', fields, message);
  }

  debug(fields: LogFields, message: string): void {
    this.line('debug', fields, message);
  }

  info(fields: LogFields, message: string): void {
    this.line('info', fields, message);
  }

  warn(fields: LogFields, message: string): void {
    this.line('warn', fields, message);
  }

  error(fields: LogFields, message: string): void {
    this.line('error', fields, message);
  }

  isLevelEnabled(level: LogLevel): boolean {
    return level !== 'silent' && levelRank(level) >= this.rank;
  }

  child(bindings: LogFields): MemoryLogger {
    return new MemoryLogger(this.level, { ...this.bindings, ...bindings }, this.records);
  }

  /** messages lists the messages written at `level`, or at every level. */
  messages(level?: LogRecord['level']): string[] {
    return this.records.filter((r) => level === undefined || r.level === level).map((r) => r.msg);
  }

  private line(level: LogRecord['level'], fields: LogFields, message: string): void {
    if (levelRank(level) < this.rank) return;
    this.records.push({ level, msg: message, fields: { ...this.bindings, ...fields } });
  }
}
