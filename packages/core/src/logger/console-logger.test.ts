import { describe, expect, it } from 'vitest';
import { createConsoleLogger } from './console-logger.js';
import { type LoggedLine, describeLogger } from './logger-suite.js';

// Reads one logfmt line back: bare values up to a space, quoted ones as JSON strings.
function parseLogfmt(line: string): LoggedLine {
  const fields: Record<string, string> = {};
  const pair = /([^\s=]+)=("(?:[^"\\]|\\.)*"|\S*)/g;
  for (const m of line.matchAll(pair)) {
    const raw = m[2] as string;
    fields[m[1] as string] = raw.startsWith('"') ? (JSON.parse(raw) as string) : raw;
  }
  const { level = '', msg = '', time: _time, ...rest } = fields;
  return { level, msg, fields: rest };
}

describeLogger('console', {
  create(level) {
    const written: string[] = [];
    const logger = createConsoleLogger({ level, write: (line) => written.push(line) });
    return { logger, lines: async () => written.map(parseLogfmt) };
  },
});

describe('createConsoleLogger', () => {
  it('writes one line per event, ending in a newline, with an ISO time', () => {
    const written: string[] = [];
    createConsoleLogger({ write: (line) => written.push(line), bindings: { service: 'greeter' } }).info(
      { address: '127.0.0.1:5000' },
      'listening',
    );
    expect(written).toHaveLength(1);
    expect(written[0]).toMatch(/^time=\d{4}-\d\d-\d\dT[\d:.]+Z level=info msg=listening service=greeter address=127.0.0.1:5000\n$/);
  });

  it('keeps a multi-line stack on one line, so one event stays one line', () => {
    const written: string[] = [];
    createConsoleLogger({ write: (line) => written.push(line) }).error({ err: new Error('boom') }, 'failed');
    expect(written[0]?.split('\n')).toHaveLength(2);
    expect(parseLogfmt(written[0] as string).fields.err_stack).toContain('Error: boom\n    at ');
  });

  it('writes objects as JSON and leaves out undefined fields', () => {
    const written: string[] = [];
    createConsoleLogger({ write: (line) => written.push(line) }).info({ peer: undefined, md: { a: 1 } }, 'x');
    expect(parseLogfmt(written[0] as string).fields).toEqual({ md: '{"a":1}' });
  });
});
