import { LeveledLogger } from './leveled-logger.js';
import type { LogFields, Logger, LogLevel } from './logger.js';

/** ConsoleLoggerOptions configure createConsoleLogger. */
export interface ConsoleLoggerOptions {
  /** Lowest level written; default "info". */
  readonly level?: LogLevel;
  /** Where each finished line goes; default standard error, so standard output stays the program's own. */
  readonly write?: (line: string) => void;
  /** Fields added to every line. */
  readonly bindings?: LogFields;
}

const writeStderr = (line: string): void => {
  process.stderr.write(line);
};

/**
 * createConsoleLogger is the logger core uses when none is given: one logfmt
 * line per event (`time=… level=info msg=listening service=greeter …`), which
 * people read and log collectors parse, with no dependency. For JSON lines,
 * pretty printing and log shipping use a pino logger instead.
 */
export function createConsoleLogger(options: ConsoleLoggerOptions = {}): Logger {
  return new ConsoleLogger(options.level ?? 'info', options.write ?? writeStderr, options.bindings ?? {});
}

class ConsoleLogger extends LeveledLogger {
  // The bound fields are formatted once, not per line.
  private readonly suffix: string;

  constructor(
    level: LogLevel,
    private readonly out: (line: string) => void,
    private readonly bindings: LogFields,
  ) {
    super(level);
    this.suffix = formatFields(bindings);
  }

  child(bindings: LogFields): Logger {
    return new ConsoleLogger(this.level, this.out, { ...this.bindings, ...bindings });
  }

  protected write(level: LogLevel, fields: LogFields, message: string): void {
    this.out(`time=${new Date().toISOString()} level=${level} msg=${quote(message)}${this.suffix}${formatFields(fields)}\n`);
  }
}

function formatFields(fields: LogFields): string {
  let out = '';
  for (const key of Object.keys(fields)) {
    const value = fields[key];
    if (value === undefined) continue;
    if (value instanceof Error) {
      out += ` ${key}=${quote(value.message)} ${key}_type=${quote(value.name)}`;
      if (value.stack) out += ` ${key}_stack=${quote(value.stack)}`;
      continue;
    }
    out += ` ${key}=${quote(typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value))}`;
  }
  return out;
}

// logfmt: bare when the value has no space, quote, '=', backslash or control character; else a JSON string.
function quote(value: string): string {
  return value !== '' && /^[^\s"=\\]+$/.test(value) && !hasControlCharacter(value) ? value : JSON.stringify(value);
}

function hasControlCharacter(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}
