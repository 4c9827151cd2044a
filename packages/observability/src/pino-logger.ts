import { createRequire } from 'node:module';
import { isatty } from 'node:tty';
import type { Logger, LogLevel } from '@tsmicro/core';
import { type DestinationStream, pino } from 'pino';

/** PinoLoggerOptions configure createPinoLogger. */
export interface PinoLoggerOptions {
  /** Lowest level written; default "info". */
  readonly level?: LogLevel;
  /**
   * File descriptor (1 standard output, 2 standard error) or stream lines go
   * to. Default 2: standard output stays the program's own (a server's
   * LISTENING line, a CLI's results) and logs never interleave with it.
   */
  readonly destination?: 1 | 2 | DestinationStream;
  /**
   * Pretty-print with pino-pretty: true, false, or "auto" (default): when the
   * destination is a terminal and pino-pretty is installed. Containers and
   * log shippers get JSON lines.
   */
  readonly pretty?: boolean | 'auto';
}

/** PinoLogger is a pino logger; it is also a tsmicro Logger. */
export type PinoLogger = pino.Logger & Logger;

const require = createRequire(import.meta.url);

/**
 * createPinoLogger makes the pino logger tsmicro services use with
 * log.kind "pino": JSON lines with pino's level numbers and `time`, errors
 * under `err` with their stack.
 */
export function createPinoLogger(options: PinoLoggerOptions = {}): PinoLogger {
  const destination = options.destination ?? 2;
  const stream = wantsPretty(options.pretty ?? 'auto', destination)
    ? prettyStream(destination)
    : typeof destination === 'number'
      ? pino.destination({ fd: destination, sync: true })
      : destination;
  return pino({ level: options.level ?? 'info' }, stream);
}

function wantsPretty(pretty: boolean | 'auto', destination: 1 | 2 | DestinationStream): boolean {
  if (pretty !== 'auto') return pretty;
  return typeof destination === 'number' && isatty(destination) && prettyInstalled();
}

function prettyInstalled(): boolean {
  try {
    require.resolve('pino-pretty');
    return true;
  } catch {
    return false;
  }
}

// pino-pretty is an optional peer: a development nicety, left out of production installs.
function prettyStream(destination: 1 | 2 | DestinationStream): DestinationStream {
  let pretty: (options: object) => DestinationStream;
  try {
    pretty = require('pino-pretty') as typeof pretty;
  } catch (err) {
    throw new Error('pretty logs need the package pino-pretty: install it, or set pretty to false', { cause: err });
  }
  return pretty({ destination, sync: true, colorize: typeof destination === 'number' && isatty(destination) });
}
